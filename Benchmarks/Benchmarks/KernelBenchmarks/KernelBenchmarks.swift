// The fast paths on the shapes of the speed targets (issue "Speed: beat JAX and PyTorch"), one
// benchmark per function × format × shape, single thread, plus the 2-thread batch. The metric is
// the wall-clock time of one batch call (elements per second = rows × classes / time). The
// thresholds (Thresholds/*.json, written on the machine that checks them by `benchmark thresholds
// update`) catch a slowdown of more than 50 % at p90: a shared 2-core machine's timings wander by
// ±30 % under load, so smaller margins give false alarms; losing the vector path costs 10-100×.
import Benchmark
import CrossCheckKernels

/// One batch of logits and everything a call needs, made once per benchmark.
final class Batch<S: KernelScalar>: @unchecked Sendable {
    let rows: Int
    let classes: Int
    let logits: [S]
    let targets: [Int]
    var out: [S]
    var loss: [S] = [0]

    init(rows: Int, classes: Int) {
        self.rows = rows
        self.classes = classes
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        // Sums of uniforms: roughly N(0, 3²), enough for timing.
        logits = (0..<(rows * classes)).map { _ in S((0..<4).reduce(0.0) { a, _ in a + Double(next() >> 11) * 0x1p-53 } * 5.2 - 10.4) }
        targets = (0..<rows).map { _ in Int(next() % UInt64(classes)) }
        out = [S](repeating: 0, count: rows * classes)
    }

    func run(_ function: String, threads: Int = 1) throws {
        try logits.withUnsafeBufferPointer { z in
            try targets.withUnsafeBufferPointer { y in
                let batch = try LogitsBuffer(z, rows: rows, classes: classes)
                try out.withUnsafeMutableBufferPointer { o in
                    try loss.withUnsafeMutableBufferPointer { l in
                        let ce = CrossEntropyLoss<S>(reduction: .mean)
                        switch function {
                        case "softmax": try SoftmaxKernels.softmax(batch, into: o, threads: threads)
                        case "log_softmax": try SoftmaxKernels.logSoftmax(batch, into: o, threads: threads)
                        case "cross_entropy": try ce.compute(batch, targets: .classIndices(y), loss: l, gradient: nil, threads: threads)
                        default: try ce.compute(batch, targets: .classIndices(y), loss: l, gradient: o, threads: threads)
                        }
                    }
                }
            }
        }
        blackHole(out)
    }
}

func register<S: KernelScalar>(_: S.Type, _ function: String, _ rows: Int, _ classes: Int, threads: Int = 1) {
    // No spaces: benchmark 1.38.1 writes threshold files with '_' for ' ' but reads them by the name.
    let name = "\(function)_\(S.kernelFormat.rawValue)_\(rows)x\(classes)" + (threads == 1 ? "" : "_\(threads)threads")
    nonisolated(unsafe) var batch: Batch<S>?
    Benchmark(
        name,
        configuration: .init(setup: { batch = Batch<S>(rows: rows, classes: classes) }, teardown: { batch = nil })
    ) { benchmark in
        for _ in benchmark.scaledIterations { try batch!.run(function, threads: threads) }
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
        for function in ["softmax", "cross_entropy_grad"] {
            register(Float16.self, function, rows, classes)
            register(Float.self, function, rows, classes)
            register(Double.self, function, rows, classes)
        }
    }
    register(Float.self, "log_softmax", 4096, 1024)
    register(Float.self, "cross_entropy", 64, 32768)
    register(Float.self, "softmax", 4096, 1024, threads: 2)
}
