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

    /// The input formats a check covers by default (the user may name others: the implementation
    /// then answers or declines them).
    var supportedFormats: [FloatFormat] { get }

    /// The mixed-precision pairs (input format ≠ output format) a check covers by default.
    var mixedPrecisionPairs: [FormatPair] { get }

    /// The answers to several problems, in order: for each what `evaluate` gives (an answer, or
    /// the error of that problem alone). By default one `evaluate` after another; an
    /// implementation may run problems of one shape as the rows of one call (the fast paths do:
    /// an exhaustive audit's block of 256 two-class rows is one call of the batch kernel).
    func evaluate(batch problems: [Problem]) -> [Result<Answer, any Error>]
}

extension SoftmaxImplementation {
    /// By default an implementation claims to be correctly rounded.
    public func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double { 0 }

    /// By default, binary16, binary32 and binary64.
    public var supportedFormats: [FloatFormat] { FloatFormat.ieeeFormats }

    /// By default, none.
    public var mixedPrecisionPairs: [FormatPair] { [] }

    /// By default, `evaluate` on each problem in turn.
    public func evaluate(batch problems: [Problem]) -> [Result<Answer, any Error>] {
        problems.map { p in Result { try evaluate(p) } }
    }
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

/// Inputs read in one format and results rounded to another, as mixed-precision frameworks run a
/// loss (autocast: bfloat16 logits, float32 loss and gradient) or quantize its outputs (float32
/// logits, FP8 probabilities).
public struct FormatPair: Sendable, Hashable, CustomStringConvertible {
    public var input: FloatFormat
    public var output: FloatFormat

    public init(_ input: FloatFormat, _ output: FloatFormat) {
        self.input = input
        self.output = output
    }

    /// `bfloat16→float32`; a single format's name when input and output agree.
    public var description: String { input == output ? input.rawValue : "\(input.rawValue)→\(output.rawValue)" }
}
