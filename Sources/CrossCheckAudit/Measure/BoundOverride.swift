import CrossCheckCore

/// An implementation held to another bound than it claims (`--max-ulp`): answers come from `base`.
public struct BoundOverride: SoftmaxImplementation {
    public let base: any SoftmaxImplementation
    public let bound: Double

    public init(_ base: any SoftmaxImplementation, bound: Double) {
        self.base = base
        self.bound = bound
    }

    public var name: String { base.name }
    public func evaluate(_ problem: Problem) throws -> Answer { try base.evaluate(problem) }
    public func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double { bound }
}
