/// A Swift floating-point type whose values are exactly the values of one `FloatFormat`:
/// `Float16` (binary16), `Float` (binary32), `Double` (binary64). It lets every implementation
/// take and return plain arrays (`[Float]` in, `[Float]` out).
public protocol FormatScalar: BinaryFloatingPoint, Sendable {
    /// The format of this type.
    static var floatFormat: FloatFormat { get }
}

extension Float16: FormatScalar {
    public static var floatFormat: FloatFormat { .float16 }
}

extension Float: FormatScalar {
    public static var floatFormat: FloatFormat { .float32 }
}

extension Double: FormatScalar {
    public static var floatFormat: FloatFormat { .float64 }
}

extension Problem {
    /// A problem on a row of `S` values, in `S`'s format (every value converts to Double exactly).
    public init<S: FormatScalar>(_ function: SoftmaxFunction, logits: [S], temperature: S = 1, target: Target? = nil) {
        self.init(function: function, format: S.floatFormat, logits: logits.map { Double($0) },
                  temperature: Double(temperature), target: target)
    }
}

extension SoftmaxImplementation {
    /// `function` of one row given as `[S]`, answered by this implementation in `S`'s format: one
    /// value for `logsumexp`, `cross_entropy` and `mse_softmax`, else one per logit.
    ///
    /// ```swift
    /// let p: [Float] = try ReferenceImplementation().evaluate(.softmax, [1, 2, 3])  // correctly rounded
    /// ```
    public func evaluate<S: FormatScalar>(
        _ function: SoftmaxFunction, _ logits: [S], temperature: S = 1, target: Target? = nil
    ) throws -> [S] {
        try evaluate(Problem(function, logits: logits, temperature: temperature, target: target)).values.map { S($0) }
    }

    /// softmax(z/T) of one row.
    public func softmax<S: FormatScalar>(_ logits: [S], temperature: S = 1) throws -> [S] {
        try evaluate(.softmax, logits, temperature: temperature)
    }

    /// z/T − LSE(z/T) of one row.
    public func logSoftmax<S: FormatScalar>(_ logits: [S], temperature: S = 1) throws -> [S] {
        try evaluate(.logSoftmax, logits, temperature: temperature)
    }

    /// LSE(z/T) of one row.
    public func logSumExp<S: FormatScalar>(_ logits: [S], temperature: S = 1) throws -> S {
        try evaluate(.logsumexp, logits, temperature: temperature)[0]
    }

    /// LSE(z/T) − z_y/T of one row, for class `y`.
    public func crossEntropy<S: FormatScalar>(_ logits: [S], classIndex y: Int, temperature: S = 1) throws -> S {
        try evaluate(.crossEntropy, logits, temperature: temperature, target: .classIndex(y))[0]
    }
}
