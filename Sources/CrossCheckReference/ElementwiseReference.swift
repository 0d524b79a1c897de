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

    static func element<F: Finisher>(_ f: SoftmaxFunction, x: Double, t: Double?, finisher: F) throws(ReferenceError) -> F.Value {
        if x.isNaN || (t?.isNaN ?? false) { return finisher.constant(.nan) }
        if f == .bceWithLogits && x.isInfinite {
            let t = t!
            if x > 0 { return finisher.constant(t == 1 ? 0 : .infinity) }  // (1 − t)·x → 0 or +inf
            return finisher.constant(t == 0 ? 0 : .infinity)               // −t·x → 0 or +inf
        }
        let xq: MPRational? = x.isFinite ? MPRational(x) : nil
        let tq = MPRational(t ?? 0)
        let one = MPRational(integer: 1)
        let v = try zivRound(count: 1, finisher: finisher, initialPrecision: finisher.precision + 64) { (a, _) throws(NeedsMorePrecision) in
            // σ(x) and σ(−x), exactly at ±inf.
            let sigma: Enclosure, sigmaNeg: Enclosure, e: Enclosure
            if let xq {
                e = a.exp(.exact(xq.signum >= 0 ? -xq : xq))
                let denominator = a.add(.one, e)
                let big = try a.divide(.one, denominator)    // σ(|x|)
                let small = try a.divide(e, denominator)     // σ(−|x|)
                (sigma, sigmaNeg) = xq.signum >= 0 ? (big, small) : (small, big)
            } else {
                e = .zero
                (sigma, sigmaNeg) = x > 0 ? (Enclosure.one, Enclosure.zero) : (Enclosure.zero, Enclosure.one)
            }
            let diff = x >= 0 ? a.subtract(.exact(one - tq), sigmaNeg) : a.subtract(sigma, .exact(tq))
            switch f {
            case .sigmoid:
                return [sigma]
            case .bceWithLogits:
                let xq = xq!
                let linear = (xq.signum > 0 ? xq : MPRational()) - tq * xq
                return [a.add(.exact(linear), try a.log1p(e))]
            case .bceWithLogitsGrad:
                return [diff]
            case .mseSigmoid:
                return [a.multiply(diff, diff)]
            case .mseSigmoidGrad:
                let g = a.multiply(a.multiply(a.multiply(.exact(MPRational(integer: 2)), diff), sigma), sigmaNeg)
                return [g]
            default:
                preconditionFailure("\(f) is not elementwise")
            }
        }
        return v[0]
    }
}
