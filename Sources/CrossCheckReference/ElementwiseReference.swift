import ArbitraryPrecision
import CrossCheckCore

/// The elementwise functions, one x (and target t) at a time.
///
/// With E = e^{−|x|} ∈ (0, 1] (never overflowing) and exact rationals x, t:
///   σ(x)   = 1/(1 + E) for x ≥ 0,  E/(1 + E) for x < 0;  1 − σ(x) = σ(−x) likewise
///   σ − t  = (1 − t) − σ(−x) for x ≥ 0,  σ(x) − t for x < 0   (no cancellation near t ∈ {0, 1})
///   bce    = softplus(x) − t·x = (max(x, 0) − t·x) + log1p(E)   (an exact rational plus a ball)
///   mse    = (σ − t)²,   mse′ = 2(σ − t)·σ(x)·σ(−x)
/// x = ±inf gives the limits: σ = 1 or 0 exactly, E = 0; bce is then 0 or +inf.
enum ElementwiseReference {
    static func evaluate<F: Finisher>(_ problem: Problem, finisher: F) throws(ReferenceError) -> [F.Value] {
        let t = problem.targetVector
        var out: [F.Value] = []
        out.reserveCapacity(problem.logits.count)
        for (i, x) in problem.logits.enumerated() {
            out.append(try element(problem.function, x: x, t: t?[i], finisher: finisher))
        }
        return out
    }

    /// Correctly rounded values for a binary16, bfloat16 or binary32 problem: each element from
    /// `ElementwiseFirstEvaluation` when it decides, from MPFR (`element`) otherwise.
    static func evaluateFirstDecidingInBinary64(_ problem: Problem) throws(ReferenceError) -> [Double] {
        let f = problem.function, format = problem.format
        let t = problem.targetVector
        let finisher = RoundingFinisher(format: format)
        var out = [Double](repeating: 0, count: problem.logits.count)
        for (i, x) in problem.logits.enumerated() {
            let ti = t?[i] ?? 0
            if x.isFinite && !ti.isNaN, let v = ElementwiseFirstEvaluation.value(f, x: x, t: ti, format: format) {
                out[i] = v
            } else {
                out[i] = try element(f, x: x, t: t?[i], finisher: finisher)
            }
        }
        return out
    }

    static func element<F: Finisher>(_ f: SoftmaxFunction, x: Double, t: Double?, finisher: F) throws(ReferenceError) -> F.Value {
        if x.isNaN || (t?.isNaN ?? false) { return finisher.constant(.nan) }
        if f == .bceWithLogits && x.isInfinite {
            let t = t!
            if x > 0 { return finisher.constant(t == 1 ? 0 : .infinity) }  // (1 − t)·x → 0 or +inf
            return finisher.constant(t == 0 ? 0 : .infinity)               // −t·x → 0 or +inf
        }
        let formula = ElementFormula(function: f, x: x, xq: x.isFinite ? MPRational(x) : nil, t: MPRational(t ?? 0))
        return try zivRound(count: 1, finisher: finisher, initialPrecision: finisher.precision + 64, formula: formula)[0]
    }
}

/// One element's formula (see `ElementwiseReference`), over any arithmetic. Its only exponential
/// is E = e^{−|x|}, which limit mode lets vanish for huge |x| (then bce and its gradient, say,
/// have exact limits that can be rounding boundaries).
struct ElementFormula: EnclosureFormula {
    let function: SoftmaxFunction
    let x: Double
    /// x exactly, nil at ±inf.
    let xq: MPRational?
    let t: MPRational

    var exponents: [MPRational] {
        guard let xq else { return [] }
        return [xq.signum >= 0 ? -xq : xq]
    }

    func enclose<A: EnclosureArithmetic>(_ a: A, _ outputs: [Int]) throws(NeedsMorePrecision) -> [A.Number] {
        // σ(x) and σ(−x), exactly at ±inf.
        let sigma: A.Number, sigmaNeg: A.Number, e: A.Number
        if let xq {
            e = a.exponential(xq.signum >= 0 ? -xq : xq)
            let denominator = a.add(a.one, e)
            let big = try a.divide(a.one, denominator)    // σ(|x|)
            let small = try a.divide(e, denominator)      // σ(−|x|)
            (sigma, sigmaNeg) = xq.signum >= 0 ? (big, small) : (small, big)
        } else {
            e = a.zero
            (sigma, sigmaNeg) = x > 0 ? (a.one, a.zero) : (a.zero, a.one)
        }
        let one = MPRational(integer: 1)
        let diff = x >= 0 ? a.subtract(a.constant(one - t), sigmaNeg) : a.subtract(sigma, a.constant(t))
        switch function {
        case .sigmoid:
            return [sigma]
        case .bceWithLogits:
            let xq = xq!
            let linear = (xq.signum > 0 ? xq : MPRational()) - t * xq
            return [a.add(a.constant(linear), try a.log1p(e))]
        case .bceWithLogitsGrad:
            return [diff]
        case .mseSigmoid:
            return [a.multiply(diff, diff)]
        case .mseSigmoidGrad:
            return [a.multiply(a.multiply(a.multiply(a.constant(MPRational(integer: 2)), diff), sigma), sigmaNeg)]
        case let f:
            preconditionFailure("\(f) is not elementwise")
        }
    }
}
