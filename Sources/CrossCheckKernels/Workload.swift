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
    /// Copying the logits to the output: the machine's copy bandwidth on the same bytes.
    case copy
}

/// A batch to time the fast paths on: rows × classes logits N(0, 3²) rounded to `S` and one class
/// index per row, the same for the same seed on every machine; outputs allocated once.
public final class KernelWorkload<S: KernelScalar>: @unchecked Sendable {
    public let rows: Int
    public let classes: Int
    public let logits: [S]
    public let targets: [Int]
    /// Elementwise targets: 0, ½, 1, 0, … (for `bce_with_logits`).
    public let elementTargets: [S]
    private var out: [S]
    private var loss: [S]

    public init(rows: Int, classes: Int, seed: UInt64 = 0xBE4C_0000) {
        self.rows = rows
        self.classes = classes
        var rng = SplitMix64(seed: seed ^ UInt64(truncatingIfNeeded: rows &* 31 &+ classes))
        logits = (0..<(rows * classes)).map { _ in S(rng.gaussian() * 3) }
        targets = (0..<rows).map { _ in Int(rng.next() % UInt64(classes)) }
        elementTargets = (0..<(rows * classes)).map { S(Double($0 % 3) / 2) }
        out = [S](repeating: 0, count: rows * classes)
        loss = [S](repeating: 0, count: rows)
    }

    /// Elements one call touches: rows × classes.
    public var elements: Int { rows * classes }

    /// One batch call of `function` (0 threads: every processor).
    public func run(_ function: WorkloadFunction, temperature: S = 1, threads: Int = 1) throws(KernelError) {
        let (rows, classes) = (self.rows, self.classes)
        let ce = CrossEntropyLoss<S>(reduction: .mean, temperature: temperature)
        try logits.withUnsafeBufferPointer { (zb) throws(KernelError) in
            try targets.withUnsafeBufferPointer { (yb) throws(KernelError) in
                try out.withUnsafeMutableBufferPointer { (ob) throws(KernelError) in
                    try loss.withUnsafeMutableBufferPointer { (lb) throws(KernelError) in
                        let batch = try LogitsBuffer(zb, rows: rows, classes: classes)
                        let indices = TargetsBuffer<S>.classIndices(yb)
                        let mean = UnsafeMutableBufferPointer(rebasing: lb[0..<1])
                        switch function {
                        case .logsumexp: try SoftmaxKernels.logSumExp(batch, temperature: temperature, into: lb, threads: threads)
                        case .softmax: try SoftmaxKernels.softmax(batch, temperature: temperature, into: ob, threads: threads)
                        case .logSoftmax: try SoftmaxKernels.logSoftmax(batch, temperature: temperature, into: ob, threads: threads)
                        case .crossEntropy: try ce.compute(batch, targets: indices, loss: mean, gradient: nil, threads: threads)
                        case .crossEntropyGrad: try ce.compute(batch, targets: indices, loss: mean, gradient: ob, threads: threads)
                        case .mseSoftmax: try SoftmaxKernels.mseSoftmax(batch, targets: indices, temperature: temperature, into: lb, threads: threads)
                        case .mseSoftmaxGrad: try SoftmaxKernels.mseSoftmaxGradient(batch, targets: indices, temperature: temperature, into: ob, threads: threads)
                        case .sigmoid: try SoftmaxKernels.sigmoid(zb, into: ob)
                        case .bceWithLogits:
                            try elementTargets.withUnsafeBufferPointer { (tb) throws(KernelError) in
                                try SoftmaxKernels.bceWithLogits(zb, targets: tb, into: ob)
                            }
                        case .copy:
                            UnsafeMutableRawPointer(ob.baseAddress!).copyMemory(from: zb.baseAddress!, byteCount: zb.count * MemoryLayout<S>.stride)
                        }
                    }
                }
            }
        }
    }
}
