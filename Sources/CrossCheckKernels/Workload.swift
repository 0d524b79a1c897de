import CrossCheckCore

/// A function as `crosscheck bench` and the `Benchmarks/` suite time it: one batch call.
public enum WorkloadFunction: String, CaseIterable, Sendable {
    case logsumexp, softmax
    case logSoftmax = "log_softmax"
    /// `CrossEntropyLoss(reduction: .mean)` on class indices, loss only.
    case crossEntropy = "cross_entropy"
    /// The fused call that returns the mean loss and the gradient.
    case crossEntropyGrad = "cross_entropy_grad"
    case mseSoftmax = "mse_softmax"
    case mseSoftmaxGrad = "mse_softmax_grad"
    /// σ(x) of every logit, elementwise (one thread whatever the thread count).
    case sigmoid
    /// BCE with logits of every logit, targets 0, ½, 1 in turn (one thread).
    case bceWithLogits = "bce_with_logits"
    /// σ(x) − t, (σ(x) − t)² and 2(σ(x) − t)σ(x)σ(−x) of every logit (one thread): the elementwise
    /// functions whose result is a difference of σ and the target.
    case bceWithLogitsGrad = "bce_with_logits_grad"
    case mseSigmoid = "mse_sigmoid"
    case mseSigmoidGrad = "mse_sigmoid_grad"
    /// Copying the logits to the output: the machine's copy bandwidth on the same bytes.
    case copy

    /// The functions with a mixed-precision call (`KernelWorkload.run(_:results:temperature:threads:)`).
    public static let mixedPrecision: [WorkloadFunction] = [.logsumexp, .softmax, .logSoftmax, .crossEntropy, .crossEntropyGrad]
}

/// The targets of a workload's row functions that take one (cross-entropy, MSE of softmax) and of
/// the elementwise functions with a target.
public enum WorkloadTargets: String, CaseIterable, Sendable {
    /// One class index per row; elementwise targets 0, ½, 1 in turn.
    case classIndex = "class-index"
    /// A target vector per row: uniform random weights normalized to sum 1; elementwise targets
    /// uniform in [0, 1]. Results are not small differences: the common soft-label case.
    case soft
    /// The prediction rounded to the format: softmax(z) per row, σ(x) elementwise. Every result is
    /// a tiny difference of its terms (the worst case of the binary64 cancellation check).
    case nearPrediction = "near-prediction"
}

/// A batch to time the fast paths on: rows × classes logits N(0, 3²) rounded to `S` and one class
/// index (or target vector, `WorkloadTargets`) per row, the same for the same seed on every
/// machine; outputs allocated once.
public final class KernelWorkload<S: KernelScalar>: @unchecked Sendable {
    public let rows: Int
    public let classes: Int
    public let logits: [S]
    public let targets: [Int]
    public let targetKind: WorkloadTargets
    /// Row target vectors (rows × classes; empty for class indices).
    public let softTargets: [S]
    /// Elementwise targets: 0, ½, 1, 0, … for class indices, else as `targetKind` says.
    public let elementTargets: [S]
    private var out: [S]
    private var loss: [S]
    /// Outputs of the mixed-precision calls (rows × classes + rows scalars of up to 8 bytes),
    /// allocated by the first.
    private var wideOutputs: UnsafeMutableRawBufferPointer?

    deinit {
        wideOutputs?.deallocate()
    }

    public init(rows: Int, classes: Int, targets targetKind: WorkloadTargets = .classIndex, seed: UInt64 = 0xBE4C_0000) {
        self.rows = rows
        self.classes = classes
        self.targetKind = targetKind
        var rng = SplitMix64(seed: seed ^ UInt64(truncatingIfNeeded: rows &* 31 &+ classes))
        let logits = (0..<(rows * classes)).map { _ in S(rng.gaussian() * 3) }
        self.logits = logits
        targets = (0..<rows).map { _ in Int(rng.next() % UInt64(classes)) }
        out = [S](repeating: 0, count: rows * classes)
        loss = [S](repeating: 0, count: rows)
        switch targetKind {
        case .classIndex:
            softTargets = []
            elementTargets = (0..<(rows * classes)).map { S(Double($0 % 3) / 2) }
        case .soft:
            var weights = (0..<(rows * classes)).map { _ in Double.random(in: 0..<1, using: &rng) }
            for r in 0..<rows {
                let row = (r * classes)..<((r + 1) * classes)
                let total = weights[row].reduce(0, +)
                for i in row { weights[i] /= total }
            }
            softTargets = weights.map { S($0) }
            elementTargets = (0..<(rows * classes)).map { _ in S(Double.random(in: 0...1, using: &rng)) }
        case .nearPrediction:
            var p = [S](repeating: 0, count: rows * classes), s = p
            logits.withUnsafeBufferPointer { z in
                p.withUnsafeMutableBufferPointer { pb in
                    s.withUnsafeMutableBufferPointer { sb in
                        // Valid by construction (finite logits, matching sizes): cannot throw.
                        try? SoftmaxKernels.softmax(LogitsBuffer(z, rows: rows, classes: classes), into: pb)
                        try? SoftmaxKernels.sigmoid(z, into: sb)
                    }
                }
            }
            softTargets = p
            elementTargets = s
        }
    }

    /// Elements one call touches: rows × classes.
    public var elements: Int { rows * classes }

    /// One batch call of `function` (0 threads: every processor).
    public func run(_ function: WorkloadFunction, temperature: S = 1, threads: Int = 1) throws(KernelError) {
        let (rows, classes, targetKind) = (self.rows, self.classes, self.targetKind)
        let ce = CrossEntropyLoss<S>(reduction: .mean, temperature: temperature)
        try logits.withUnsafeBufferPointer { (zb) throws(KernelError) in
            try out.withUnsafeMutableBufferPointer { (ob) throws(KernelError) in
                try loss.withUnsafeMutableBufferPointer { (lb) throws(KernelError) in
                    try targets.withUnsafeBufferPointer { (yb) throws(KernelError) in
                        try softTargets.withUnsafeBufferPointer { (tb) throws(KernelError) in
                            let batch = try LogitsBuffer(zb, rows: rows, classes: classes)
                            let rowTargets = targetKind == .classIndex ? TargetsBuffer<S>.classIndices(yb) : .soft(tb)
                            let mean = UnsafeMutableBufferPointer(rebasing: lb[0..<1])
                            switch function {
                            case .logsumexp: try SoftmaxKernels.logSumExp(batch, temperature: temperature, into: lb, threads: threads)
                            case .softmax: try SoftmaxKernels.softmax(batch, temperature: temperature, into: ob, threads: threads)
                            case .logSoftmax: try SoftmaxKernels.logSoftmax(batch, temperature: temperature, into: ob, threads: threads)
                            case .crossEntropy: try ce.compute(batch, targets: rowTargets, loss: mean, gradient: nil, threads: threads)
                            case .crossEntropyGrad: try ce.compute(batch, targets: rowTargets, loss: mean, gradient: ob, threads: threads)
                            case .mseSoftmax: try SoftmaxKernels.mseSoftmax(batch, targets: rowTargets, temperature: temperature, into: lb, threads: threads)
                            case .mseSoftmaxGrad:
                                try SoftmaxKernels.mseSoftmaxGradient(batch, targets: rowTargets, temperature: temperature, into: ob, threads: threads)
                            case .sigmoid: try SoftmaxKernels.sigmoid(zb, into: ob)
                            case .copy:
                                UnsafeMutableRawPointer(ob.baseAddress!).copyMemory(from: zb.baseAddress!, byteCount: zb.count * MemoryLayout<S>.stride)
                            case .bceWithLogits, .bceWithLogitsGrad, .mseSigmoid, .mseSigmoidGrad:
                                try runElementwise(function, zb, ob)
                            }
                        }
                    }
                }
            }
        }
    }

    /// One batch call of `function` on these logits with results in `Wide` — mixed precision as
    /// autocast runs it (Float16 or bfloat16 logits, Float results; class-index targets). Outputs
    /// are allocated once per workload.
    public func run<Wide: KernelScalar>(_ function: WorkloadFunction, results _: Wide.Type, temperature: S = 1, threads: Int = 1) throws(KernelError) {
        guard WorkloadFunction.mixedPrecision.contains(function), targetKind == .classIndex else {
            throw .unsupportedOption("mixed precision times \(WorkloadFunction.mixedPrecision.map(\.rawValue).joined(separator: ", ")) with class indices")
        }
        if wideOutputs == nil {
            wideOutputs = .allocate(byteCount: (rows * classes + rows) * MemoryLayout<Double>.stride, alignment: 64)
        }
        let out = wideOutputs!.bindMemory(to: Wide.self)
        let (perLogit, perRow) = (UnsafeMutableBufferPointer(rebasing: out[0..<(rows * classes)]), UnsafeMutableBufferPointer(rebasing: out[(rows * classes)..<(rows * classes + rows)]))
        let (rows, classes) = (self.rows, self.classes)
        let ce = CrossEntropyLoss<Wide>(reduction: .mean, temperature: Wide(temperature.kernelDouble))
        try logits.withUnsafeBufferPointer { (zb) throws(KernelError) in
            try targets.withUnsafeBufferPointer { (yb) throws(KernelError) in
                let batch = try LogitsBuffer(zb, rows: rows, classes: classes)
                let y = TargetsBuffer<Wide>.classIndices(yb)
                let mean = UnsafeMutableBufferPointer(rebasing: perRow[0..<1])
                switch function {
                case .logsumexp: try SoftmaxKernels.logSumExp(batch, temperature: temperature, into: perRow, threads: threads)
                case .softmax: try SoftmaxKernels.softmax(batch, temperature: temperature, into: perLogit, threads: threads)
                case .logSoftmax: try SoftmaxKernels.logSoftmax(batch, temperature: temperature, into: perLogit, threads: threads)
                case .crossEntropy: try ce.compute(batch, targets: y, loss: mean, gradient: nil, threads: threads)
                default: try ce.compute(batch, targets: y, loss: mean, gradient: perLogit, threads: threads)
                }
            }
        }
    }

    private func runElementwise(_ function: WorkloadFunction, _ x: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>) throws(KernelError) {
        try elementTargets.withUnsafeBufferPointer { (t) throws(KernelError) in
            switch function {
            case .bceWithLogits: try SoftmaxKernels.bceWithLogits(x, targets: t, into: out)
            case .bceWithLogitsGrad: try SoftmaxKernels.bceWithLogitsGradient(x, targets: t, into: out)
            case .mseSigmoid: try SoftmaxKernels.mseSigmoid(x, targets: t, into: out)
            default: try SoftmaxKernels.mseSigmoidGradient(x, targets: t, into: out)
            }
        }
    }
}
