import ArbitraryPrecision

/// A quantity of the first-order arithmetic: an enclosure of its value and one of its derivative
/// with respect to s, both valid for every s in [0, b] (see `FirstOrderArithmetic`).
struct FirstOrder {
    var value: Enclosure
    var derivative: Enclosure
}

/// Forward-mode automatic differentiation over intervals, to tell on which side of its limit a
/// result perturbed by vanishing exponentials lies.
///
/// The vanishing exponentials of a formula (`VanishingTerms`) are εⱼ = e^{dⱼ} with exact dⱼ below
/// the level's threshold θ. With d_G the largest of them, s = e^{d_G} and rⱼ = e^{dⱼ − d_G} ∈ (0, 1]
/// (an exact exponent; r_G = 1), εⱼ = s·rⱼ exactly. Every other input is fixed, so each quantity of
/// the formula is a function u(s) of one real variable, and the result is f(s) at the true s,
/// 0 < s ≤ b, with b = e^{d_G} rounded up (`VanishingTerms.bound`). Each quantity carries
/// enclosures of u(σ) and u′(σ) valid for every σ ∈ [0, b], computed by the rules of derivatives
/// from those of its operands:
///   constant q (exact rational), non-vanishing e^q:  derivative exactly 0
///   vanishing εⱼ:   value [0, b] (σrⱼ with rⱼ ≤ 1),  derivative rⱼ
///                   (rⱼ itself an interval, [0, 2^(−2⁶¹)] if it is below MPFR's range)
///   (u ± v)′ = u′ ± v′,   (uv)′ = u′v + uv′,   (u/v)′ = (u′ − (u/v)v′)/v   (= (u′v − uv′)/v²)
///   (log u)′ = u′/u,      (log1p u)′ = u′/(1 + u)
/// Each rule combines enclosures valid over the whole range with sound interval operations, so
/// every result encloses the true value and derivative at every σ of the range. The operations
/// that can fail (0 in a denominator, a logarithm's argument not positive) are checked on the
/// value enclosures over the whole range; when they succeed, every intermediate function is
/// defined and continuously differentiable on [0, b] (the formulas only use +, −, ×, ÷ by a
/// quantity bounded away from 0, exp, log and log1p on their open domains), so f is too. By the
/// mean value theorem, f(s) − f(0) = s·f′(ξ) for some ξ ∈ (0, s): when the derivative's enclosure
/// D is positive, f(s) > f(0); when negative, f(s) < f(0); when it is exactly 0, f(s) = f(0); and
/// in every case f(s) ∈ f(0) + [0, b]·D, the enclosure Ziv's loop rounds in limit mode. f(0) is the
/// limit that limit mode computes (`IntervalArithmetic(vanishing:)`, each εⱼ = 0).
///
/// `atLeastZero`/`atMostZero` clamp the value only: the sign they assert holds for every σ (it is
/// proved by algebra), and the derivative's enclosure is untouched, so it stays sound.
///
/// Values keep exact-rational tracking (through `IntervalArithmetic`), so constants cost nothing
/// and an exact zero derivative propagates exactly.
///
/// At the point σ = 0 (`atZero`), each εⱼ is exactly 0 (its value at σ = 0, as in limit mode) with
/// derivative rⱼ, and the same rules give enclosures of u(0) and u′(0) — the chain rule at one
/// point of the range, where f is continuously differentiable. (`PartialsAtZeroArithmetic` does
/// the same with one derivative per group of equal exponents, which proves f′(0) = 0 even when
/// the rⱼ are transcendental; this single-direction form serves rows with more groups than
/// `VanishingTerms.groupLimit`, where f′(0) is proven 0 only when it comes out as the exact
/// rational 0.)
struct FirstOrderArithmetic: EnclosureArithmetic {
    let base: IntervalArithmetic
    let vanishing: VanishingTerms
    /// Evaluate at the point σ = 0 instead of over the range [0, b].
    let atZero: Bool

    init(precision: Int, vanishing: VanishingTerms, atZero: Bool = false) {
        base = IntervalArithmetic(precision: precision)
        self.vanishing = vanishing
        self.atZero = atZero
    }

    var precision: Int { base.precision }

    func constant(_ q: MPRational) -> FirstOrder { FirstOrder(value: .exact(q), derivative: .zero) }

    func exponential(_ q: MPRational) -> FirstOrder {
        guard vanishing.contains(q) else { return FirstOrder(value: base.exponential(q), derivative: .zero) }
        precondition(q <= vanishing.largest, "d_G is not the largest vanishing exponent")
        return FirstOrder(value: atZero ? .zero : vanishing.range, derivative: base.exponential(q - vanishing.largest))
    }

    func add(_ a: FirstOrder, _ b: FirstOrder) -> FirstOrder {
        FirstOrder(value: base.add(a.value, b.value), derivative: base.add(a.derivative, b.derivative))
    }

    func negate(_ a: FirstOrder) -> FirstOrder {
        FirstOrder(value: base.negate(a.value), derivative: base.negate(a.derivative))
    }

    func multiply(_ a: FirstOrder, _ b: FirstOrder) -> FirstOrder {
        FirstOrder(value: base.multiply(a.value, b.value),
                   derivative: base.add(base.multiply(a.derivative, b.value), base.multiply(a.value, b.derivative)))
    }

    func divide(_ a: FirstOrder, _ b: FirstOrder) throws(NeedsMorePrecision) -> FirstOrder {
        let q = try base.divide(a.value, b.value)
        let numerator = base.subtract(a.derivative, base.multiply(q, b.derivative))
        return FirstOrder(value: q, derivative: try base.divide(numerator, b.value))
    }

    func log(_ a: FirstOrder) throws(NeedsMorePrecision) -> FirstOrder {
        FirstOrder(value: try base.log(a.value), derivative: try base.divide(a.derivative, a.value))
    }

    func log1p(_ a: FirstOrder) throws(NeedsMorePrecision) -> FirstOrder {
        FirstOrder(value: try base.log1p(a.value), derivative: try base.divide(a.derivative, base.add(.one, a.value)))
    }

    func sum(_ terms: [FirstOrder]) -> FirstOrder {
        FirstOrder(value: base.sum(terms.map(\.value)), derivative: base.sum(terms.map(\.derivative)))
    }

    func atLeastZero(_ a: FirstOrder) -> FirstOrder { FirstOrder(value: base.atLeastZero(a.value), derivative: a.derivative) }

    func atMostZero(_ a: FirstOrder) -> FirstOrder { FirstOrder(value: base.atMostZero(a.value), derivative: a.derivative) }
}

extension Enclosure {
    /// The sign the enclosure proves: 1 or −1 when it excludes 0, 0 for an exact zero, nil when
    /// it contains 0 without being exactly 0.
    var provenSign: Int? {
        switch self {
        case .exact(let q): return q.signum
        case .interval(let lo, let hi):
            if lo.signum > 0 { return 1 }
            if hi.signum < 0 { return -1 }
            return nil
        }
    }
}
