import CrossCheckCore
import CrossCheckKernels

/// The fast paths (`CrossCheckKernels`) behind the protocol: converts the problem's numbers to
/// Float16, Float or Double (exactly: they are values of the format), runs the kernel on one row,
/// and converts the results back (exactly).
public struct FastPathImplementation: SoftmaxImplementation {
    public let name = "fast"

    public init() {}

    /// The accuracy targets of the kernels: 1 ulp for Float16 and Float, 2 for Double.
    public func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double {
        format == .float64 ? 2 : 1
    }

    public func evaluate(_ problem: Problem) throws -> Answer {
        try problem.validate()
        switch problem.format {
        case .float16: return try Self.evaluate(problem, as: Float16.self)
        case .float32: return try Self.evaluate(problem, as: Float.self)
        case .float64: return try Self.evaluate(problem, as: Double.self)
        }
    }

    static func evaluate<S: KernelScalar>(_ problem: Problem, as _: S.Type) throws -> Answer {
        guard let function = KernelFunction(rawValue: problem.function.rawValue) else {
            throw ProblemError("function: \(problem.function.name) has no fast path")
        }
        let target: RowTarget<S>? = switch problem.target {
        case .none: nil
        case .classIndex(let y): .classIndex(y)
        case .vector(let t): .vector(t.map { S($0) })
        }
        let values = try SoftmaxKernels.evaluate(
            function, logits: problem.logits.map { S($0) }, temperature: S(problem.temperature), target: target
        ).map(\.kernelDouble)
        return function.isScalar ? .scalar(values[0]) : .vector(values)
    }
}
