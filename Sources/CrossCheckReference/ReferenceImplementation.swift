import ArbitraryPrecision
import CrossCheckCore
import Foundation

/// The MPFR reference: every answer is the exact result correctly rounded (to nearest, ties to
/// even) to the problem's `outputFormat` (its input `format` unless mixed), subnormals and overflow
/// included; float8_e4m3fn, which has no infinities, gives NaN where the others overflow to ±inf.
///
/// Limit semantics for non-finite input (an output is the limit of the exact function as the
/// infinite inputs go to infinity, where that limit exists, and NaN where it does not):
/// - any NaN in the input (logits or targets) → NaN outputs;
/// - −inf logits beside a finite one: p = 0 exactly, log_softmax = −inf, CE = +inf when the class
///   carries target weight (tᵢ > 0; −inf for tᵢ < 0, NaN when both occur);
/// - exactly one +inf logit: LSE = +inf, softmax one-hot there, log_softmax 0 there and −inf
///   elsewhere, CE 0 when all target weight is on it, +inf otherwise; gradients and MSE from p;
/// - two or more +inf logits: LSE = +inf, everything else NaN; all logits −inf: LSE = −inf,
///   everything else NaN;
/// - elementwise at x = ±inf: the limits (σ(+inf) = 1, bce(+inf, 1) = 0, bce(+inf, t < 1) = +inf, …).
public struct ReferenceImplementation: SoftmaxImplementation {
    public let name = "reference"
    /// Try the binary64 first evaluations (`TwoClassFirstEvaluation`, `FirstEvaluation`,
    /// `ElementwiseFirstEvaluation`) before MPFR; off only to test them.
    public let usesFirstEvaluation: Bool

    /// The longest row the reference evaluates; a longer one is declined with a message instead
    /// of taking memory beyond the bound (see `bytesPerLogit`).
    public let maximumLogits: Int

    /// Every format, as input and as output.
    public var supportedFormats: [FloatFormat] { FloatFormat.allCases }

    /// The mixed-precision pairs frameworks run (autocast losses in float32 from bfloat16 or
    /// float16 logits; float32 logits with bfloat16 or FP8 outputs; bfloat16 logits with FP8
    /// probabilities). Any other pair is answered too when asked for.
    public var mixedPrecisionPairs: [FormatPair] {
        [FormatPair(.bfloat16, .float32), FormatPair(.float16, .float32), FormatPair(.float32, .bfloat16),
         FormatPair(.float32, .float8E4M3FN), FormatPair(.float32, .float8E5M2), FormatPair(.bfloat16, .float8E4M3FN)]
    }

    /// A bound on the resident memory of a long row's evaluation per logit, protocol included
    /// (measured 320–360 bytes; README, "Memory of the reference"); `maximumLogits` is set from it.
    public static let bytesPerLogit = 400

    /// 2²¹ logits (≈ 840 MB at `bytesPerLogit`), or `CROSSCHECK_REFERENCE_MAX_LOGITS` when it is a
    /// positive integer (`maximumLogitsProblem` says when it is not).
    public static var defaultMaximumLogits: Int {
        if let text = ProcessInfo.processInfo.environment[maximumLogitsVariable], let n = Int(text), n > 0 { return n }
        return 1 << 21
    }

    public static let maximumLogitsVariable = "CROSSCHECK_REFERENCE_MAX_LOGITS"

    /// A message when `CROSSCHECK_REFERENCE_MAX_LOGITS` is set but not a positive integer.
    public static var maximumLogitsProblem: String? {
        guard let text = ProcessInfo.processInfo.environment[maximumLogitsVariable] else { return nil }
        if let n = Int(text), n > 0 { return nil }
        return "\(maximumLogitsVariable)=\(text) is not a positive integer; the default \(1 << 21) applies"
    }

    public init(usesFirstEvaluation: Bool = true, maximumLogits: Int = ReferenceImplementation.defaultMaximumLogits) {
        self.usesFirstEvaluation = usesFirstEvaluation
        self.maximumLogits = max(maximumLogits, 1)
    }

    /// The correctly rounded answer. Throws `ProblemError` for an invalid problem,
    /// `ImplementationError.declined` for a row longer than `maximumLogits`, and
    /// `ImplementationError.undecided` if the precision cap is ever reached (a bug to report).
    public func evaluate(_ problem: Problem) throws -> Answer {
        try problem.validate()
        if problem.function.shape != .elementwise && problem.logits.count > maximumLogits {
            throw ImplementationError.declined("a row of \(problem.logits.count) logits is longer than the reference's limit of \(maximumLogits) (about \(Self.bytesPerLogit) bytes of memory a logit; set \(Self.maximumLogitsVariable) to change it)")
        }
        if usesFirstEvaluation, let answer = TwoClassFirstEvaluation.answer(problem) ?? FirstEvaluation.answer(problem) {
            return answer
        }
        do throws(ReferenceError) {
            if usesFirstEvaluation && !problem.isMixedPrecision && problem.function.shape == .elementwise
                && ElementwiseFirstEvaluation.applies(to: problem.format) {
                return .vector(try ElementwiseReference.evaluateFirstDecidingInBinary64(problem))
            }
            let values = try Self.values(problem, finisher: RoundingFinisher(format: problem.outputFormat))
            return problem.function.isScalar ? .scalar(values[0]) : .vector(values)
        } catch {
            throw ImplementationError.undecided(error.message)
        }
    }

    /// Frees the MPFR caches of the calling thread: call it on a worker thread that used the
    /// reference, before the thread ends.
    public static func releaseThreadResources() { MPFloat.releaseThreadCaches() }

    /// The exact results to `bits` bits of relative accuracy (each within 2⁻ᵇⁱᵗˢ of its magnitude,
    /// or exact), for library users who want more than a format holds — finite differences, error
    /// analyses. Non-finite results follow the same limit semantics.
    public func highPrecisionValues(_ problem: Problem, bits: Int = 200) throws -> [MPFloat] {
        try problem.validate()
        return try Self.values(problem, finisher: PrecisionFinisher(bits: max(bits, 8)))
    }

    static func values<F: Finisher>(_ problem: Problem, finisher: F) throws(ReferenceError) -> [F.Value] {
        if problem.function.shape == .elementwise { return try ElementwiseReference.evaluate(problem, finisher: finisher) }
        let n = problem.logits.count
        let f = problem.function
        let nanAnswer = Array(repeating: finisher.constant(.nan), count: f.isScalar ? 1 : n)
        if problem.logits.contains(where: \.isNaN) || (problem.targetVector?.contains(where: \.isNaN) ?? false) {
            return nanAnswer
        }
        let plusInfinities = problem.logits.indices.filter { problem.logits[$0] == .infinity }
        let finiteCount = problem.logits.count(where: \.isFinite)
        if plusInfinities.count >= 2 || (plusInfinities.isEmpty && finiteCount == 0) {
            if f == .logsumexp { return [finisher.constant(plusInfinities.isEmpty ? -.infinity : .infinity)] }
            return nanAnswer
        }
        if let j = plusInfinities.first {
            switch f {
            case .logsumexp: return [finisher.constant(.infinity)]
            case .logSoftmax: return (0..<n).map { finisher.constant($0 == j ? 0 : -.infinity) }
            default: return try RowReference.evaluate(problem, dominant: j, finisher: finisher)
            }
        }
        return try RowReference.evaluate(problem, dominant: nil, finisher: finisher)
    }
}
