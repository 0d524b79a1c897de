import ArbitraryPrecision

/// A quantity of the second-order arithmetic: enclosures of its value u(σ), first derivative
/// u′(σ) and second derivative u″(σ) with respect to s, each valid for every σ in [0, 2^(−2⁶¹)]
/// (see `SecondOrderArithmetic`).
struct SecondOrder {
    var value: Enclosure
    var first: Enclosure
    var second: Enclosure
}

/// Second-order forward-mode automatic differentiation over intervals, to decide on which side of
/// its limit a result lies when its first-order perturbation is exactly zero.
///
/// The setting is that of `FirstOrderArithmetic`: the vanishing exponentials are εⱼ = s·rⱼ with
/// s = e^{d_G}, rⱼ = e^{dⱼ − d_G} ∈ (0, 1], every quantity a function u(s) and the result f(s) at the
/// true s ∈ (0, 2^(−2⁶¹)]. Each quantity carries enclosures of u, u′ and u″ valid for every σ in
/// [0, 2^(−2⁶¹)], from those of its operands by the rules of derivatives:
///   constant q (exact rational), non-vanishing e^q:  u′ = u″ = 0 exactly
///   vanishing εⱼ = σrⱼ:  value [0, 2^(−2⁶¹)],  u′ = rⱼ,  u″ = 0 exactly
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
/// [0, 2^(−2⁶¹)] (indeed analytic there).
///
/// Taylor's theorem with the Lagrange remainder then gives, for the true s,
///   f(s) − f(0) = s·f′(0) + (s²/2)·f″(ξ)   for some ξ ∈ (0, s).
/// When f′(0) is proven exactly 0 (`FirstOrderArithmetic(atZero: true)`, which evaluates the
/// derivative at the point σ = 0, where every vanishing exponential is exactly 0 and derivatives
/// of exact inputs stay exact rationals), the sign of f(s) − f(0) is that of f″(ξ): proven when the
/// enclosure of f″ over the range excludes 0 (and f(s) = f(0) when f″ is exactly 0 there).
///
/// `atLeastZero`/`atMostZero` clamp the value only (the sign they assert holds for every σ); both
/// derivative enclosures are untouched, so they stay sound.
struct SecondOrderArithmetic: EnclosureArithmetic {
    let base: IntervalArithmetic
    /// d_G.
    let largestVanishingExponent: MPRational

    init(precision: Int, largestVanishingExponent: MPRational) {
        base = IntervalArithmetic(precision: precision)
        self.largestVanishingExponent = largestVanishingExponent
    }

    var precision: Int { base.precision }

    private static let two = Enclosure.exact(MPRational(integer: 2))

    func constant(_ q: MPRational) -> SecondOrder { SecondOrder(value: .exact(q), first: .zero, second: .zero) }

    func exponential(_ q: MPRational) -> SecondOrder {
        guard IntervalArithmetic.vanishes(q) else { return SecondOrder(value: base.exponential(q), first: .zero, second: .zero) }
        precondition((q - largestVanishingExponent).signum <= 0, "d_G is not the largest vanishing exponent")
        return SecondOrder(value: FirstOrderArithmetic.vanishingRange,
                           first: base.exponential(q - largestVanishingExponent), second: .zero)
    }

    func add(_ a: SecondOrder, _ b: SecondOrder) -> SecondOrder {
        SecondOrder(value: base.add(a.value, b.value), first: base.add(a.first, b.first), second: base.add(a.second, b.second))
    }

    func negate(_ a: SecondOrder) -> SecondOrder {
        SecondOrder(value: base.negate(a.value), first: base.negate(a.first), second: base.negate(a.second))
    }

    func multiply(_ a: SecondOrder, _ b: SecondOrder) -> SecondOrder {
        let cross = base.multiply(Self.two, base.multiply(a.first, b.first))
        return SecondOrder(
            value: base.multiply(a.value, b.value),
            first: base.add(base.multiply(a.first, b.value), base.multiply(a.value, b.first)),
            second: base.sum([base.multiply(a.second, b.value), cross, base.multiply(a.value, b.second)]))
    }

    func divide(_ a: SecondOrder, _ b: SecondOrder) throws(NeedsMorePrecision) -> SecondOrder {
        let q = try base.divide(a.value, b.value)
        let q1 = try base.divide(base.subtract(a.first, base.multiply(q, b.first)), b.value)
        let numerator = base.sum([a.second,
                                  base.negate(base.multiply(Self.two, base.multiply(q1, b.first))),
                                  base.negate(base.multiply(q, b.second))])
        return SecondOrder(value: q, first: q1, second: try base.divide(numerator, b.value))
    }

    /// log w and its derivatives, for w the argument of log (w = u) or of log1p (w = 1 + u).
    private func logarithmDerivatives(_ a: SecondOrder, _ w: Enclosure) throws(NeedsMorePrecision) -> (Enclosure, Enclosure) {
        let ratio = try base.divide(a.first, w)
        let second = base.subtract(try base.divide(a.second, w), base.multiply(ratio, ratio))
        return (ratio, second)
    }

    func log(_ a: SecondOrder) throws(NeedsMorePrecision) -> SecondOrder {
        let value = try base.log(a.value)
        let (first, second) = try logarithmDerivatives(a, a.value)
        return SecondOrder(value: value, first: first, second: second)
    }

    func log1p(_ a: SecondOrder) throws(NeedsMorePrecision) -> SecondOrder {
        let value = try base.log1p(a.value)
        let (first, second) = try logarithmDerivatives(a, base.add(.one, a.value))
        return SecondOrder(value: value, first: first, second: second)
    }

    func sum(_ terms: [SecondOrder]) -> SecondOrder {
        SecondOrder(value: base.sum(terms.map(\.value)), first: base.sum(terms.map(\.first)), second: base.sum(terms.map(\.second)))
    }

    func atLeastZero(_ a: SecondOrder) -> SecondOrder { SecondOrder(value: base.atLeastZero(a.value), first: a.first, second: a.second) }

    func atMostZero(_ a: SecondOrder) -> SecondOrder { SecondOrder(value: base.atMostZero(a.value), first: a.first, second: a.second) }
}
