import CrossCheckCore

/// The fast paths as a `SoftmaxImplementation`, checkable like any other: converts the problem's
/// numbers to Float16, BFloat16, Float or Double (exactly: they are values of the format), runs the
/// kernel on one row, and converts the results back (exactly).
///
/// Claimed accuracy (`maximumULPError`): 1 ulp for Float16, bfloat16 and Float, 2 for Double, for
/// every function and input. Binary64 results that are tiny differences of their double-double
/// terms (targets close to the prediction) are detected and computed again in 192-bit arithmetic
/// (Ziv's strategy, `WorkingArithmetic`; README, "Cancelling binary64 results").
public struct FastPathImplementation: SoftmaxImplementation {
    public let name = "fast"

    public init() {}

    /// The formats with kernels: binary16, binary32, binary64 and bfloat16.
    public var supportedFormats: [FloatFormat] { FloatFormat.ieeeFormats + [.bfloat16] }

    /// The accuracy targets of the kernels: 1 ulp for Float16, bfloat16 and Float, 2 for Double.
    public func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double {
        format == .float64 ? 2 : 1
    }

    /// Float16 and bfloat16 logits with float32 results (autocast's loss and gradient), for every
    /// function. A mixed problem is the output format's problem on the same values (float32 holds
    /// every Float16 and bfloat16 value exactly), so it runs the Float kernels — as the batch
    /// calls on `LogitsBuffer<BFloat16>` with Float outputs do — within Float's 1 ulp.
    public var mixedPrecisionPairs: [FormatPair] { [FormatPair(.bfloat16, .float32), FormatPair(.float16, .float32)] }

    public func evaluate(_ problem: Problem) throws -> Answer {
        try problem.validate()
        if problem.isMixedPrecision {
            guard mixedPrecisionPairs.contains(FormatPair(problem.format, problem.outputFormat)) else {
                throw ImplementationError.declined("fast paths: \(problem.format.rawValue) in, \(problem.outputFormat.rawValue) out is not supported")
            }
            return try Self.evaluate(problem, as: Float.self)
        }
        switch problem.format {
        case .float16: return try Self.evaluate(problem, as: Float16.self)
        case .float32: return try Self.evaluate(problem, as: Float.self)
        case .float64: return try Self.evaluate(problem, as: Double.self)
        case .bfloat16: return try Self.evaluate(problem, as: BFloat16.self)
        default: throw ImplementationError.declined("fast paths: no \(problem.format.rawValue) kernels")
        }
    }

    static func evaluate<S: KernelScalar>(_ problem: Problem, as _: S.Type) throws -> Answer {
        let values = try SoftmaxKernels.evaluate(
            problem.function, logits: problem.logits.map { S($0) }, temperature: S(problem.temperature), target: problem.target
        ).map(\.kernelDouble)
        return problem.function.isScalar ? .scalar(values[0]) : .vector(values)
    }
}
