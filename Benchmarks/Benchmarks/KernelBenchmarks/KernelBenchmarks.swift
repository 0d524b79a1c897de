// The fast paths on the shapes of the speed targets (issue "Speed: beat JAX and PyTorch"), one
// benchmark per function × format × shape, single thread, plus the 2-thread batch. The metric is
// the wall-clock time of one batch call (elements per second = rows × classes / time). The
// thresholds (Thresholds/*.json, written on the machine that checks them by `benchmark thresholds
// update`) catch a slowdown of more than 50 % at p90: a shared 2-core machine's timings wander by
// ±30 % under load, so smaller margins give false alarms; losing the vector path costs 10-100×.
import Benchmark
import CrossCheckCore
import CrossCheckKernels

/// One benchmark: `function` on the package's `KernelWorkload` (the batch `crosscheck bench` times).
func register<S: KernelScalar>(_: S.Type, _ function: WorkloadFunction, _ rows: Int, _ classes: Int, threads: Int = 1) {
    // No spaces: benchmark 1.38.1 writes threshold files with '_' for ' ' but reads them by the name.
    let name = "\(function.rawValue)_\(S.floatFormat.rawValue)_\(rows)x\(classes)" + (threads == 1 ? "" : "_\(threads)threads")
    nonisolated(unsafe) var workload: KernelWorkload<S>?
    Benchmark(
        name,
        configuration: .init(setup: { workload = KernelWorkload<S>(rows: rows, classes: classes) }, teardown: { workload = nil })
    ) { benchmark in
        for _ in benchmark.scaledIterations { try workload!.run(function, threads: threads) }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(1),
        maxIterations: 200,
        thresholds: [
            .wallClock: .init(relative: [.p90: 50.0]),
        ]
    )
    for (rows, classes) in [(4096, 1024), (64, 32768)] {
        for function in [WorkloadFunction.softmax, .crossEntropyGrad] {
            register(Float16.self, function, rows, classes)
            register(Float.self, function, rows, classes)
            register(Double.self, function, rows, classes)
        }
    }
    register(Float.self, .logSoftmax, 4096, 1024)
    register(Float.self, .crossEntropy, 64, 32768)
    register(Float.self, .softmax, 4096, 1024, threads: 2)
}
