/// A Swift kernel of one function in one format, made checkable: wraps a closure over one row so
/// the catalog, the audit and the protocol can run it like any other `SoftmaxImplementation`.
///
/// ```swift
/// let mine = SingleFunctionImplementation<Float>(.softmax, name: "my-softmax", maximumULPError: 2) { z, t, _ in
///     mySoftmax(z.map { $0 / t })
/// }
/// ```
/// Problems of another function or format are declined (`ImplementationError.declined`).
public struct SingleFunctionImplementation<S: FormatScalar>: SoftmaxImplementation {
    public let name: String
    /// The function the closure computes.
    public let function: SoftmaxFunction
    private let claim: Double
    private let body: @Sendable (_ logits: [S], _ temperature: S, _ target: Target?) throws -> [S]

    /// - Parameters:
    ///   - function: what `body` computes: one value for `logsumexp`, `cross_entropy` and
    ///     `mse_softmax`, one per logit otherwise.
    ///   - name: what reports and failures call the kernel.
    ///   - maximumULPError: the error claimed, in ulps of `S`'s format; checks hold the kernel to it.
    ///   - body: the kernel, given the row, the temperature (1 for elementwise functions) and the target.
    public init(
        _ function: SoftmaxFunction, name: String = "swift", maximumULPError: Double = 1,
        _ body: @escaping @Sendable (_ logits: [S], _ temperature: S, _ target: Target?) throws -> [S]
    ) {
        self.function = function
        self.name = name
        self.claim = maximumULPError
        self.body = body
    }

    public func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double { claim }

    public func evaluate(_ problem: Problem) throws -> Answer {
        try problem.validate()
        guard problem.function == function, problem.format == S.floatFormat, problem.outputFormat == S.floatFormat else {
            throw ImplementationError.declined("\(name) computes \(function.name) in \(S.floatFormat.rawValue) only")
        }
        let values = try body(problem.logits.map { S($0) }, S(problem.temperature), problem.target).map { Double($0) }
        if function.isScalar {
            guard let value = values.first else { throw ImplementationError.failed("\(name) returned no value") }
            return .scalar(value)
        }
        return .vector(values)
    }
}
