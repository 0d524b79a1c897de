import ArbitraryPrecision

/// A quantity of the second-order arithmetic: enclosures of its value u(σ), first derivative
/// u′(σ) and second derivative u″(σ) with respect to s, each valid for every σ in [0, b]
/// (see `SecondOrderArithmetic`). The value and first derivative are a `FirstOrder` quantity.
struct SecondOrder {
    var firstOrder: FirstOrder
    var second: Enclosure

    init(_ firstOrder: FirstOrder, second: Enclosure) {
        self.firstOrder = firstOrder
        self.second = second
    }

    var value: Enclosure { firstOrder.value }
    var first: Enclosure { firstOrder.derivative }
}

/// Second-order forward-mode automatic differentiation over intervals, to decide on which side of
/// its limit a result lies when its first-order perturbation is exactly zero.
///
/// The setting is that of `FirstOrderArithmetic`: the vanishing exponentials are εⱼ = s·rⱼ with
/// s = e^{d_G}, rⱼ = e^{dⱼ − d_G} ∈ (0, 1], every quantity a function u(s) and the result f(s) at the
/// true s ∈ (0, b] (b = `VanishingTerms.bound`). Each quantity carries enclosures of u, u′ and u″
/// valid for every σ in [0, b], from those of its operands by the rules of derivatives:
///   constant q (exact rational), non-vanishing e^q:  u′ = u″ = 0 exactly
///   vanishing εⱼ = σrⱼ:  value [0, b],  u′ = rⱼ,  u″ = 0 exactly
///   (u ± v)″ = u″ ± v″
///   (uv)″ = u″v + 2u′v′ + uv″
///   q = u/v:  q′ = (u′ − qv′)/v,  q″ = (u″ − 2q′v′ − qv″)/v
///             (differentiate u = qv twice: u″ = q″v + 2q′v′ + qv″)
///   (log u)″ = u″/u − (u′/u)²,   (log1p u)″ = u″/w − (u′/w)² with w = 1 + u
///             (from (log u)′ = u′/u and the quotient rule)
/// (A formula never exponentiates a computed quantity — `exponential` takes exact rationals — so
/// (eᵘ)″ = eᵘ(u″ + u′²) is not needed.) Each rule combines enclosures valid over the whole range
/// with sound interval operations, so each result encloses the true u, u′, u″ at every σ. As in the
/// first-order arithmetic, the operations that can fail are checked on value enclosures over the
/// whole range, so when the evaluation succeeds f is twice continuously differentiable on
/// [0, b] (indeed analytic there).
///
/// Taylor's theorem with the Lagrange remainder then gives, for the true s,
///   f(s) − f(0) = s·f′(0) + (s²/2)·f″(ξ)   for some ξ ∈ (0, s).
/// When f′(0) is proven exactly 0 (`PartialsAtZeroArithmetic`: every partial derivative at the
/// point 0, one per group of equal vanishing exponents, is the exact rational 0, so
/// f′(0) = Σ_g r_g ∂_g f(0) = 0 whatever the transcendental r_g; or, for rows with too many groups,
/// `FirstOrderArithmetic(atZero: true)` giving an exact 0), the sign of f(s) − f(0) is that of
/// f″(ξ): proven when the enclosure of f″ over the range excludes 0 (and f(s) = f(0) when f″ is
/// exactly 0 there).
///
/// The value and first derivative follow `FirstOrderArithmetic`'s rules, by the same operations
/// (this arithmetic delegates them to it); only u″ is computed here. `atLeastZero`/`atMostZero`
/// clamp the value only (the sign they assert holds for every σ); both derivative enclosures are
/// untouched, so they stay sound.
struct SecondOrderArithmetic: EnclosureArithmetic {
    /// The arithmetic of the value and first derivative (over the range, not at σ = 0).
    let firstOrder: FirstOrderArithmetic

    init(precision: Int, vanishing: VanishingTerms) {
        firstOrder = FirstOrderArithmetic(precision: precision, vanishing: vanishing)
    }

    var precision: Int { firstOrder.precision }
    private var base: IntervalArithmetic { firstOrder.base }

    private static let two = Enclosure.exact(MPRational(integer: 2))

    func constant(_ q: MPRational) -> SecondOrder { SecondOrder(firstOrder.constant(q), second: .zero) }

    /// Constants, non-vanishing exponentials and εⱼ = σrⱼ are all at most linear in σ: u″ = 0.
    func exponential(_ q: MPRational) -> SecondOrder { SecondOrder(firstOrder.exponential(q), second: .zero) }

    func add(_ a: SecondOrder, _ b: SecondOrder) -> SecondOrder {
        SecondOrder(firstOrder.add(a.firstOrder, b.firstOrder), second: base.add(a.second, b.second))
    }

    func negate(_ a: SecondOrder) -> SecondOrder {
        SecondOrder(firstOrder.negate(a.firstOrder), second: base.negate(a.second))
    }

    func multiply(_ a: SecondOrder, _ b: SecondOrder) -> SecondOrder {
        let cross = base.multiply(Self.two, base.multiply(a.first, b.first))
        return SecondOrder(firstOrder.multiply(a.firstOrder, b.firstOrder),
                           second: base.sum([base.multiply(a.second, b.value), cross, base.multiply(a.value, b.second)]))
    }

    func divide(_ a: SecondOrder, _ b: SecondOrder) throws(NeedsMorePrecision) -> SecondOrder {
        let q = try firstOrder.divide(a.firstOrder, b.firstOrder)  // q and q′
        let numerator = base.sum([a.second,
                                  base.negate(base.multiply(Self.two, base.multiply(q.derivative, b.first))),
                                  base.negate(base.multiply(q.value, b.second))])
        return SecondOrder(q, second: try base.divide(numerator, b.value))
    }

    /// (log w)″ = u″/w − (u′/w)², with u′/w the first derivative `log` already has, for w the
    /// argument of log (w = u) or of log1p (w = 1 + u).
    private func logarithmSecond(_ a: SecondOrder, _ log: FirstOrder, _ w: Enclosure) throws(NeedsMorePrecision) -> Enclosure {
        base.subtract(try base.divide(a.second, w), base.multiply(log.derivative, log.derivative))
    }

    func log(_ a: SecondOrder) throws(NeedsMorePrecision) -> SecondOrder {
        let f = try firstOrder.log(a.firstOrder)
        return SecondOrder(f, second: try logarithmSecond(a, f, a.value))
    }

    func log1p(_ a: SecondOrder) throws(NeedsMorePrecision) -> SecondOrder {
        let f = try firstOrder.log1p(a.firstOrder)
        return SecondOrder(f, second: try logarithmSecond(a, f, base.add(.one, a.value)))
    }

    func sum(_ terms: [SecondOrder]) -> SecondOrder {
        SecondOrder(firstOrder.sum(terms.map(\.firstOrder)), second: base.sum(terms.map(\.second)))
    }

    func atLeastZero(_ a: SecondOrder) -> SecondOrder { SecondOrder(firstOrder.atLeastZero(a.firstOrder), second: a.second) }

    func atMostZero(_ a: SecondOrder) -> SecondOrder { SecondOrder(firstOrder.atMostZero(a.firstOrder), second: a.second) }
}
