#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Types that keep logits and probabilities apart. The most common cross-entropy mistake is to
// feed it softmax output; here `crossEntropy` exists on `Logits` only, `softmax` returns
// `Probabilities`, and turning one into the other is an explicit, named step:
//
//     let p = try logits.softmax()                  // Probabilities<Float>
//     try p.crossEntropy(targets)                   // does not compile
//     try Logits(logOf: p).crossEntropy(targets)    // explicit: log p are logits of p
//     try Logits(try logits.logSoftmax())           // log-softmax output is a valid logits row

/// Rows × classes logits (row-major), owned.
public struct Logits<Scalar: KernelScalar>: Sendable, Hashable {
    /// The logits, row after row.
    public private(set) var values: [Scalar]
    public let classes: Int
    public var rows: Int { values.count / classes }

    /// `values` as rows of `classes` logits; throws unless values.count is a positive multiple.
    public init(_ values: [Scalar], classes: Int) throws(KernelError) {
        guard classes > 0, !values.isEmpty else { throw .emptyRows }
        guard values.count % classes == 0 else {
            throw .shapeMismatch(what: "logits", expected: (values.count / classes + 1) * classes, actual: values.count)
        }
        self.values = values
        self.classes = classes
    }

    /// One row.
    public init(row: [Scalar]) throws(KernelError) {
        try self.init(row, classes: row.count)
    }

    /// Log-probabilities are logits of the same distribution: softmax(log p) = p.
    public init(_ logProbabilities: LogProbabilities<Scalar>) {
        values = logProbabilities.values
        classes = logProbabilities.classes
    }

    /// Logits whose softmax is `probabilities`: log p, rounded once (log 0 = −inf masks a class).
    public init(logOf probabilities: Probabilities<Scalar>) {
        values = probabilities.values.map { Scalar(log($0.kernelDouble)) }
        classes = probabilities.classes
    }

    /// Row r.
    public subscript(row r: Int) -> ArraySlice<Scalar> { values[(r * classes)..<((r + 1) * classes)] }

    /// The borrowed view the batch kernels take.
    public func withBuffer<R, E: Error>(_ body: (LogitsBuffer<Scalar>) throws(E) -> R) throws(E) -> R {
        let classes = classes
        let rows = rows
        return try values.withUnsafeBufferPointer { (buffer) throws(E) -> R in
            // Cannot fail: the shape was checked on construction.
            let view = try! LogitsBuffer(buffer, rows: rows, classes: classes)
            return try body(view)
        }
    }

    func perRow(_ kernel: (LogitsBuffer<Scalar>, UnsafeMutableBufferPointer<Scalar>) throws(KernelError) -> Void) throws(KernelError) -> [Scalar] {
        try output(count: rows, kernel)
    }

    func perLogit(_ kernel: (LogitsBuffer<Scalar>, UnsafeMutableBufferPointer<Scalar>) throws(KernelError) -> Void) throws(KernelError) -> [Scalar] {
        try output(count: values.count, kernel)
    }

    private func output(count: Int, _ kernel: (LogitsBuffer<Scalar>, UnsafeMutableBufferPointer<Scalar>) throws(KernelError) -> Void) throws(KernelError) -> [Scalar] {
        var out = [Scalar](repeating: 0, count: count)
        try withBuffer { (logits) throws(KernelError) in
            try out.withUnsafeMutableBufferPointer { (o) throws(KernelError) in try kernel(logits, o) }
        }
        return out
    }

    // MARK: The row functions, with array results

    /// LSE(z/T) per row.
    public func logSumExp(temperature: Scalar = 1) throws(KernelError) -> [Scalar] {
        try perRow { (l, o) throws(KernelError) in try SoftmaxKernels.logSumExp(l, temperature: temperature, into: o) }
    }

    /// softmax(z/T) per row.
    public func softmax(temperature: Scalar = 1) throws(KernelError) -> Probabilities<Scalar> {
        let p = try perLogit { (l, o) throws(KernelError) in try SoftmaxKernels.softmax(l, temperature: temperature, into: o) }
        return Probabilities(unchecked: p, classes: classes)
    }

    /// z/T − LSE(z/T) per row.
    public func logSoftmax(temperature: Scalar = 1) throws(KernelError) -> LogProbabilities<Scalar> {
        let v = try perLogit { (l, o) throws(KernelError) in try SoftmaxKernels.logSoftmax(l, temperature: temperature, into: o) }
        return LogProbabilities(unchecked: v, classes: classes)
    }

    /// Cross-entropy per row (no weights or reduction: see `CrossEntropyLoss` for those).
    public func crossEntropy(_ targets: Targets<Scalar>, temperature: Scalar = 1) throws(KernelError) -> [Scalar] {
        try targets.withBuffer { (t) throws(KernelError) in
            try perRow { (l, o) throws(KernelError) in try SoftmaxKernels.crossEntropy(l, targets: t, temperature: temperature, into: o) }
        }
    }

    /// dCE/dz per row (rows × classes).
    public func crossEntropyGradient(_ targets: Targets<Scalar>, temperature: Scalar = 1) throws(KernelError) -> [Scalar] {
        try targets.withBuffer { (t) throws(KernelError) in
            try perLogit { (l, o) throws(KernelError) in try SoftmaxKernels.crossEntropyGradient(l, targets: t, temperature: temperature, into: o) }
        }
    }

    /// Σᵢ (softmax(z/T)ᵢ − tᵢ)² per row.
    public func mseSoftmax(_ targets: Targets<Scalar>, temperature: Scalar = 1) throws(KernelError) -> [Scalar] {
        try targets.withBuffer { (t) throws(KernelError) in
            try perRow { (l, o) throws(KernelError) in try SoftmaxKernels.mseSoftmax(l, targets: t, temperature: temperature, into: o) }
        }
    }

    /// The gradient of `mseSoftmax` with respect to z, per row (rows × classes).
    public func mseSoftmaxGradient(_ targets: Targets<Scalar>, temperature: Scalar = 1) throws(KernelError) -> [Scalar] {
        try targets.withBuffer { (t) throws(KernelError) in
            try perLogit { (l, o) throws(KernelError) in try SoftmaxKernels.mseSoftmaxGradient(l, targets: t, temperature: temperature, into: o) }
        }
    }
}

/// Targets of a batch, owned: a class index per row, or a soft target per logit.
public enum Targets<Scalar: KernelScalar>: Sendable, Hashable {
    case classIndices([Int])
    case soft([Scalar])

    /// The borrowed form the batch kernels take.
    public func withBuffer<R, E: Error>(_ body: (TargetsBuffer<Scalar>) throws(E) -> R) throws(E) -> R {
        switch self {
        case .classIndices(let y):
            return try y.withUnsafeBufferPointer { (b) throws(E) -> R in try body(.classIndices(b)) }
        case .soft(let t):
            return try t.withUnsafeBufferPointer { (b) throws(E) -> R in try body(.soft(b)) }
        }
    }
}

/// Rows of probabilities (softmax output), owned. Not accepted where logits are expected.
public struct Probabilities<Scalar: KernelScalar>: Sendable, Hashable {
    public let values: [Scalar]
    public let classes: Int
    public var rows: Int { values.count / classes }

    /// Wraps values known to be probabilities (no check; the kernels produce them).
    public init(unchecked values: [Scalar], classes: Int) {
        self.values = values
        self.classes = classes
    }

    public subscript(row r: Int) -> ArraySlice<Scalar> { values[(r * classes)..<((r + 1) * classes)] }
}

/// Rows of log-probabilities (log-softmax output), owned. `Logits(_:)` converts explicitly.
public struct LogProbabilities<Scalar: KernelScalar>: Sendable, Hashable {
    public let values: [Scalar]
    public let classes: Int
    public var rows: Int { values.count / classes }

    /// Wraps values known to be log-probabilities (no check; the kernels produce them).
    public init(unchecked values: [Scalar], classes: Int) {
        self.values = values
        self.classes = classes
    }

    public subscript(row r: Int) -> ArraySlice<Scalar> { values[(r * classes)..<((r + 1) * classes)] }

    /// The probabilities, e^{log p} rounded once.
    public var probabilities: Probabilities<Scalar> {
        Probabilities(unchecked: values.map { Scalar(exp($0.kernelDouble)) }, classes: classes)
    }
}
