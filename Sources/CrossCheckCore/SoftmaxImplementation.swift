/// Anything that evaluates problems: the reference, the fast paths, an external process.
public protocol SoftmaxImplementation: Sendable {
    /// The name `--implementation` selects it by.
    var name: String { get }
    /// The answer to a problem. Throws `ProblemError` when the problem is invalid, and
    /// `ImplementationError` when the implementation cannot answer a valid one.
    func evaluate(_ problem: Problem) throws -> Answer

    /// The largest error this implementation claims for `function` in `format`, in ulps of the
    /// format from the correctly rounded result (0: correctly rounded). Checks hold it to this.
    func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double
}

extension SoftmaxImplementation {
    /// By default an implementation claims to be correctly rounded.
    public func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double { 0 }
}

/// Why an implementation gave no answer to a valid problem. The cases are told apart by type, never
/// by the words of a message.
public enum ImplementationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The implementation answered, with an error of its own (`{"error": …}` on the protocol): it
    /// runs, but declines this problem.
    case declined(String)
    /// No usable answer came: the implementation did not start, crashed, hung past its time-out,
    /// closed its output, or wrote something that is not an answer.
    case failed(String)
    /// The reference could not decide the correct rounding (a precision cap reached): a bug of the
    /// reference, reported so that a check can call the example inconclusive rather than failed.
    case undecided(String)

    /// The words of the error.
    public var message: String {
        switch self {
        case .declined(let m), .failed(let m), .undecided(let m): return m
        }
    }

    public var description: String {
        switch self {
        case .declined(let m): return "implementation error: \(m)"
        case .failed(let m), .undecided(let m): return m
        }
    }
}
