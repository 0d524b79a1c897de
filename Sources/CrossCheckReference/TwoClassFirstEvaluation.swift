import CrossCheckCore

/// Two-class rows with a zero logit at T = 1 — [0, x] or [x, 0] — decided through the elementwise
/// first evaluation (`ElementwiseFirstEvaluation`: binary64 with a proven bound), so that the
/// exhaustive sweep of the rows [0, x] over every Float x runs at the elementwise sweep's speed;
/// when it cannot decide an output (next to a rounding boundary), or x is NaN or ±inf, the caller
/// takes the row path (`FirstEvaluation`, then MPFR).
///
/// The identities, with σ(x) = 1/(1 + e⁻ˣ) and softplus(x) = log(1 + eˣ):
///   softmax([0, x])     = [1/(1 + eˣ), eˣ/(1 + eˣ)]           = [σ(−x), σ(x)]
///   log_softmax([0, x]) = [−log(1 + eˣ), x − log(1 + eˣ)]     = [−softplus(x), −softplus(−x)]
///   LSE([0, x])         = log(1 + eˣ)                         = softplus(x)
///   CE([0, x], class 1) = LSE − x = log(1 + e⁻ˣ)              = softplus(−x)
///   CE([0, x], class 0) = LSE                                 = softplus(x)
/// ([x, 0] is [0, x] with the outputs swapped), and softplus is the elementwise BCE with logits
/// at the targets 0 and 1: bce(x, t) = softplus(x) − t·x, so softplus(x) = bce(x, 0) and
/// softplus(−x) = softplus(x) − x = bce(x, 1).
///
/// Why the answers are exact, not approximations: each identity is an equality of real numbers,
/// and its right side is an elementwise function at x or at −x, which is a value of the format
/// too (negation is exact). The correct rounding of equal real numbers is the same value, and
/// round-to-nearest commutes with negation (round(−y) = −round(y): the ties-to-even rule is
/// symmetric), so the correctly rounded elementwise result, negated where the identity negates,
/// is the correctly rounded row output — including the sign of a zero: −softplus(x) rounding to
/// −0 is what the row path gives for the negative tiny log_softmax. `ElementwiseFirstEvaluation`
/// returns only correctly rounded values (its bound is proven, `decide` rounds both ends of the
/// enclosure) or nil; so does this path.
enum TwoClassFirstEvaluation {
    /// The correctly rounded answer of a two-class row with a zero logit at T = 1, or nil when the
    /// problem is not one or the elementwise first evaluation cannot decide an output.
    static func answer(_ p: Problem) -> Answer? {
        let z = p.logits
        guard z.count == 2, p.temperature == 1, ElementwiseFirstEvaluation.applies(to: p.outputFormat) else { return nil }
        // j: the index of x; the other logit is ±0.
        let j = z[0] == 0 ? 1 : z[1] == 0 ? 0 : -1
        guard j >= 0, z[j].isFinite else { return nil }
        let x = z[j], format = p.outputFormat

        func sigmoid(_ x: Double) -> Double? { ElementwiseFirstEvaluation.value(.sigmoid, x: x, t: 0, format: format) }
        /// softplus(x) (t = 0) or softplus(−x) (t = 1).
        func softplus(_ x: Double, target t: Double) -> Double? {
            ElementwiseFirstEvaluation.value(.bceWithLogits, x: x, t: t, format: format)
        }
        /// Outputs in row order from the values at x's index and at the zero's.
        func row(atX: Double, atZero: Double) -> Answer { .vector(j == 1 ? [atZero, atX] : [atX, atZero]) }

        switch p.function {
        case .softmax:
            guard let atX = sigmoid(x), let atZero = sigmoid(-x) else { return nil }
            return row(atX: atX, atZero: atZero)
        case .logSoftmax:
            guard let atX = softplus(x, target: 1), let atZero = softplus(x, target: 0) else { return nil }
            return row(atX: -atX, atZero: -atZero)
        case .logsumexp:
            return softplus(x, target: 0).map(Answer.scalar)
        case .crossEntropy:
            guard let y = oneHotClass(p.target) else { return nil }
            return softplus(x, target: y == j ? 1 : 0).map(Answer.scalar)
        default:
            return nil
        }
    }

    /// The class of a class index, or of a one-hot target vector ([1, 0] or [0, 1]); nil otherwise.
    static func oneHotClass(_ target: Target?) -> Int? {
        switch target {
        case .classIndex(let y): return y
        case .vector(let t) where t.count == 2 && Set(t) == [0, 1]: return t[0] == 1 ? 0 : 1
        default: return nil
        }
    }
}
