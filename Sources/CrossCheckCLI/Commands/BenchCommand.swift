import ArgumentParser
import Foundation
import CrossCheckCore
import CrossCheckKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `crosscheck bench`: times the fast paths on batches; prints a table on a terminal, one JSON
/// line per measurement when piped (or with --json).
///
/// Each measurement: one warm-up call (and more until 0.2 s have passed), then `--repeats` timed
/// samples of as many calls as fill `--sample-seconds` (at least one); `elements_per_second` is
/// rows × classes over the median wall-clock time per call. Also printed: the best sample
/// (`elements_per_second_best`) and the median over process CPU time (`elements_per_cpu_second`,
/// which other processes on a shared machine do not disturb; for --threads N it counts N threads).
/// Logits are N(0, 3²) rounded to the format (seeded), targets uniform class indices. `cross_entropy` times `CrossEntropyLoss(reduction: .mean)` on class
/// indices without a gradient; `cross_entropy_grad` the fused call that returns loss and gradient.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the fast paths: a row (or JSON line) per function × format × shape × thread count.",
        discussion: """
        Default shapes: 4096 × 1024 and 64 × 32768 (or --rows R --classes C). \
        Default functions: softmax, log_softmax, cross_entropy, cross_entropy_grad \
        (protocol names; logsumexp, mse_softmax and mse_softmax_grad also work, and the \
        elementwise sigmoid, bce_with_logits, bce_with_logits_grad, mse_sigmoid and \
        mse_sigmoid_grad — on one thread, targets 0, ½, 1 in turn; `copy` times copying the \
        logits to the output: the machine's copy bandwidth on the same bytes). --targets soft \
        or near-prediction gives the row functions target vectors instead of class indices. \
        --output-format float32 with --format float16 or bfloat16 times mixed precision as \
        autocast runs it (narrow logits, Float results; the five row functions above and \
        logsumexp, class indices).

        On a terminal a table (speeds in millions of elements per second; × copy: relative \
        to copying the same logits in this run, comparable across machines); piped, or with \
        --json, one JSON line per measurement.

        --threads 1 2 reports both. --isa forces a kernel path (avx512, avx2, portable) \
        to compare them; the default is the best this CPU runs.
        """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Functions (protocol names, or copy).")
    var function: [WorkloadFunction] = [.softmax, .logSoftmax, .crossEntropy, .crossEntropyGrad]

    @Option(name: .long, parsing: .upToNextOption, help: "Formats.")
    var format: [FloatFormat] = FastPathImplementation().supportedFormats

    @Option(name: .long, parsing: .unconditional, help: "Rows of the batch (with --classes).")
    var rows: Int?

    @Option(name: .long, parsing: .unconditional, help: "Classes per row (with --rows).")
    var classes: Int?

    @Option(name: .long, parsing: .upToNextOption, help: "Thread counts to measure (0 = all active processors).")
    var threads: [Int] = [1]

    @Option(name: .long, parsing: .unconditional, help: "Timed samples per measurement (the median is reported).")
    var repeats: Int = 7

    @Option(name: .customLong("sample-seconds"), parsing: .unconditional, help: "Minimum duration of one timed sample.")
    var sampleSeconds: Double = 0.05

    @Option(name: .long, parsing: .unconditional, help: "Temperature of the row functions.")
    var temperature: Double = 1

    @Option(name: .long, help: "Targets of the functions that take one: class-index (elementwise 0, ½, 1), soft (random target vectors; elementwise uniform in [0, 1]) or near-prediction (softmax(z) and σ(x) rounded: every result a tiny difference).")
    var targets: WorkloadTargets = .classIndex

    @Option(name: .customLong("output-format"), help: "Mixed precision as autocast runs it: results in this format (float32) from --format float16 or bfloat16 logits; the row functions with class indices.")
    var outputFormat: FloatFormat?

    @Option(name: .long, help: "Force a kernel path (default: the best this CPU runs).")
    var isa: KernelISA?

    @Flag(name: .long, help: "One JSON line per measurement (the default when stdout is not a terminal).")
    var json = false

    @Flag(name: .long, help: "A table (the default on a terminal).")
    var table = false

    public init() {}

    public mutating func validate() throws {
        let kernels = FastPathImplementation().supportedFormats
        if let other = format.first(where: { !kernels.contains($0) }) {
            throw ValidationError("--format \(other.rawValue): the fast kernels run \(kernels.map(\.rawValue).joined(separator: ", "))")
        }
        if (rows == nil) != (classes == nil) { throw ValidationError("give --rows and --classes together") }
        if let rows, let classes {
            if rows < 1 || classes < 1 { throw ValidationError("--rows and --classes must be ≥ 1") }
            // Logits and outputs, up to 8 bytes each per element: refuse what cannot fit in half
            // of this machine's memory rather than die allocating it.
            let (elements, overflow) = rows.multipliedReportingOverflow(by: classes)
            let budget = ProcessInfo.processInfo.physicalMemory / 2
            if overflow || UInt64(elements) > budget / 16 {
                throw ValidationError("--rows \(rows) × --classes \(classes) needs more memory than half of this machine's \((budget * 2) >> 30) GiB")
            }
        }
        if threads.contains(where: { $0 < 0 }) { throw ValidationError("--threads must be ≥ 0") }
        if threads.contains(where: { $0 > 4096 }) { throw ValidationError("--threads must be ≤ 4096") }
        if !(1...1_000_000).contains(repeats) { throw ValidationError("--repeats must be in 1...1000000, got \(repeats)") }
        if !(sampleSeconds.isFinite && sampleSeconds > 0 && sampleSeconds <= 3600) {
            throw ValidationError("--sample-seconds must be a number in (0, 3600], got \(sampleSeconds)")
        }
        if json && table { throw ValidationError("--json and --table disagree; give one") }
        if let isa {
            if !isa.isSupported { throw ValidationError("this CPU cannot run the \(isa.rawValue) kernels") }
        }
        if !(temperature.isFinite && temperature > 0) { throw ValidationError("--temperature must be finite and > 0") }
        if let outputFormat {
            let pairs = FastPathImplementation().mixedPrecisionPairs
            if let other = format.first(where: { !pairs.contains(FormatPair($0, outputFormat)) }) {
                throw ValidationError("--format \(other.rawValue) --output-format \(outputFormat.rawValue): the fast paths run \(pairs.map(\.description).joined(separator: ", "))")
            }
            if let other = function.first(where: { !WorkloadFunction.mixedPrecision.contains($0) }) {
                throw ValidationError("--function \(other.rawValue) has no mixed-precision call; --output-format times \(WorkloadFunction.mixedPrecision.map(\.rawValue).joined(separator: ", "))")
            }
            if targets != .classIndex { throw ValidationError("--output-format times class-index targets only") }
        }
    }

    public func run() throws {
        if let isa { KernelISA.force(isa) }
        let shapes = rows.map { [($0, classes!)] } ?? [(4096, 1024), (64, 32768)]
        let style = BenchOutputStyle.choose(json: json, table: table)
        let widest = format.map { FormatPair($0, outputFormat ?? $0).description.count }.max() ?? 0
        var rendered = BenchTable(formatWidth: max(8, widest))
        if style == .table { emit(rendered.header) }
        // copy first, so that the table can state the others relative to it.
        let functions = function.filter { $0 == .copy } + function.filter { $0 != .copy }
        for (r, c) in shapes {
            for f in format {
                for name in functions {
                    for t in threads {
                        let m: BenchMeasurement
                        switch f {
                        case .float16: m = try measure(Float16.self, name, r, c, t)
                        case .float32: m = try measure(Float.self, name, r, c, t)
                        case .float64: m = try measure(Double.self, name, r, c, t)
                        case .bfloat16: m = try measure(BFloat16.self, name, r, c, t)
                        default: preconditionFailure("validate() admits only formats with kernels")
                        }
                        emit(style == .table ? rendered.row(m) : m.jsonLine)
                    }
                }
            }
        }
    }

    func measure<S: KernelScalar>(_: S.Type, _ function: WorkloadFunction, _ rows: Int, _ classes: Int, _ threads: Int) throws -> BenchMeasurement {
        let workload = KernelWorkload<S>(rows: rows, classes: classes, targets: targets)
        let t = S(temperature)
        let body: () throws -> Void
        switch outputFormat {
        case nil: body = { try workload.run(function, temperature: t, threads: threads) }
        case .float32?: body = { try workload.run(function, results: Float.self, temperature: t, threads: threads) }
        case let other?: preconditionFailure("validate() admits no results in \(other.rawValue)")
        }
        let clock = ContinuousClock()
        let warmStart = clock.now
        repeat { try body() } while clock.now - warmStart < .milliseconds(200)
        var samples: [Double] = [], cpuSamples: [Double] = []
        for _ in 0..<repeats {
            var calls = 0
            let start = clock.now
            let cpuStart = Self.processCPUSeconds()
            var elapsed = Duration.zero
            repeat {
                try body()
                calls += 1
                elapsed = clock.now - start
            } while elapsed < .seconds(sampleSeconds)
            samples.append(seconds(elapsed) / Double(calls))
            cpuSamples.append((Self.processCPUSeconds() - cpuStart) / Double(calls))
        }
        samples.sort()
        cpuSamples.sort()
        let elements = Double(rows * classes)
        let median = samples[samples.count / 2]
        return BenchMeasurement(
            function: function, targets: targets, format: S.floatFormat, outputFormat: outputFormat ?? S.floatFormat, rows: rows, classes: classes,
            threads: threads == 0 ? KernelThreads.available : threads,
            elementsPerSecond: Int((elements / median).rounded()), elementsPerSecondBest: Int((elements / samples[0]).rounded()),
            elementsPerCPUSecond: Int((elements / cpuSamples[cpuSamples.count / 2]).rounded()),
            secondsPerCall: median, samples: repeats, isa: KernelISA.active.rawValue
        )
    }

    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// CPU time of the whole process (every thread): immune to the time other processes take.
    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

extension WorkloadFunction: ExpressibleByArgument {}
extension KernelISA: ExpressibleByArgument {}
extension WorkloadTargets: ExpressibleByArgument {}
