import ArbitraryPrecision

/// A quantity of `PartialsAtZeroArithmetic`: enclosures of its value at the point where every
/// vanishing exponential is 0, and of its partial derivative there with respect to each group of
/// vanishing exponentials (`partials[g]`; an empty array means every partial is exactly 0).
struct PartialsAtZero {
    var value: Enclosure
    var partials: [Enclosure]

    /// True when every partial derivative is the exact rational 0.
    var isFlat: Bool { partials.allSatisfy(\.isExactZero) }
}

/// Forward-mode differentiation at one point with one variable per group of vanishing
/// exponentials, to prove that a result's first-order perturbation is exactly 0.
///
/// Let the vanishing exponentials (`VanishingTerms`) have the distinct exponents g₁ > g₂ > … (the
/// groups), and replace each e^{dⱼ} by a variable x_g for its group: the formula is then a function
/// F(x₁, …, x_K), and the result is f(s) = F(s·r₁, …, s·r_K) with r_g = e^{g − d_G} (the one-variable
/// function of `FirstOrderArithmetic`). At x = 0 every quantity's value and its partial
/// derivatives ∂_g follow from the operands' by the rules of derivatives:
///   constant q, non-vanishing e^q:  all partials exactly 0
///   x_g:                             value exactly 0, ∂_g = 1, the others 0 (all exact)
///   ∂(u ± v) = ∂u ± ∂v,  ∂(uv) = ∂u·v + u·∂v,  ∂(u/v) = (∂u − (u/v)∂v)/v,
///   ∂ log u = ∂u/u,  ∂ log1p u = ∂u/(1 + u)
/// in interval arithmetic with exact-rational tracking. When the evaluation succeeds, every
/// divisor is nonzero and every logarithm's argument positive at x = 0, hence (by continuity) in a
/// neighbourhood of 0, where F is a composition of analytic functions; so F is differentiable at 0
/// and, by the chain rule, f′(0) = Σ_g r_g ∂_g F(0). The values at 0 are those of the limit — exact
/// rationals wherever the limit is — and so are the partials when the non-vanishing exponentials
/// are all e⁰ = 1; when every ∂_g F(0) is the exact rational 0, f′(0) = 0 exactly, whatever the
/// (transcendental) r_g are. That is the hypothesis under which the second-order arithmetic
/// (`SecondOrderArithmetic`, Taylor's theorem) decides the side. (With different gaps, say
/// ε and e·ε, the single-direction derivative of `FirstOrderArithmetic(atZero: true)` is
/// c₁ + c₂e⁻¹ — an interval even when c₁ = c₂ = 0 — so it proves nothing; the partials are c₁ and
/// c₂ themselves.)
///
/// The partials are dense over the groups, so this arithmetic is used only for at most
/// `VanishingTerms.groupLimit` groups.
struct PartialsAtZeroArithmetic: EnclosureArithmetic {
    let base: IntervalArithmetic
    let vanishing: VanishingTerms
    let groups: [MPRational]

    init(precision: Int, vanishing: VanishingTerms, groups: [MPRational]) {
        base = IntervalArithmetic(precision: precision)
        self.vanishing = vanishing
        self.groups = groups
    }

    var precision: Int { base.precision }

    func constant(_ q: MPRational) -> PartialsAtZero { PartialsAtZero(value: .exact(q), partials: []) }

    func exponential(_ q: MPRational) -> PartialsAtZero {
        guard vanishing.contains(q) else { return PartialsAtZero(value: base.exponential(q), partials: []) }
        guard let g = groups.firstIndex(of: q) else { preconditionFailure("a vanishing exponent outside the groups") }
        var partials = [Enclosure](repeating: .zero, count: groups.count)
        partials[g] = .one
        return PartialsAtZero(value: .zero, partials: partials)
    }

    /// Partials combined group by group; an empty array stands for all zeros.
    private func combine(_ a: [Enclosure], _ b: [Enclosure], _ f: (Enclosure, Enclosure) -> Enclosure) -> [Enclosure] {
        if a.isEmpty && b.isEmpty { return [] }
        let count = groups.count
        return (0..<count).map { g in f(a.isEmpty ? .zero : a[g], b.isEmpty ? .zero : b[g]) }
    }

    private func map(_ a: [Enclosure], _ f: (Enclosure) throws(NeedsMorePrecision) -> Enclosure) throws(NeedsMorePrecision) -> [Enclosure] {
        var out: [Enclosure] = []
        out.reserveCapacity(a.count)
        for x in a { out.append(try f(x)) }
        return out
    }

    func add(_ a: PartialsAtZero, _ b: PartialsAtZero) -> PartialsAtZero {
        PartialsAtZero(value: base.add(a.value, b.value), partials: combine(a.partials, b.partials, base.add))
    }

    func negate(_ a: PartialsAtZero) -> PartialsAtZero {
        PartialsAtZero(value: base.negate(a.value), partials: a.partials.map(base.negate))
    }

    func multiply(_ a: PartialsAtZero, _ b: PartialsAtZero) -> PartialsAtZero {
        PartialsAtZero(value: base.multiply(a.value, b.value),
                       partials: combine(a.partials, b.partials) { da, db in
                           base.add(base.multiply(da, b.value), base.multiply(a.value, db))
                       })
    }

    func divide(_ a: PartialsAtZero, _ b: PartialsAtZero) throws(NeedsMorePrecision) -> PartialsAtZero {
        let q = try base.divide(a.value, b.value)
        let numerators = combine(a.partials, b.partials) { da, db in base.subtract(da, base.multiply(q, db)) }
        return PartialsAtZero(value: q, partials: try map(numerators) { (x) throws(NeedsMorePrecision) in try base.divide(x, b.value) })
    }

    func log(_ a: PartialsAtZero) throws(NeedsMorePrecision) -> PartialsAtZero {
        let value = try base.log(a.value)
        return PartialsAtZero(value: value, partials: try map(a.partials) { (x) throws(NeedsMorePrecision) in try base.divide(x, a.value) })
    }

    func log1p(_ a: PartialsAtZero) throws(NeedsMorePrecision) -> PartialsAtZero {
        let value = try base.log1p(a.value)
        let w = base.add(.one, a.value)
        return PartialsAtZero(value: value, partials: try map(a.partials) { (x) throws(NeedsMorePrecision) in try base.divide(x, w) })
    }

    func sum(_ terms: [PartialsAtZero]) -> PartialsAtZero {
        let value = base.sum(terms.map(\.value))
        let nonzero = terms.filter { !$0.partials.isEmpty }
        if nonzero.isEmpty { return PartialsAtZero(value: value, partials: []) }
        let partials = (0..<groups.count).map { g in base.sum(nonzero.map { $0.partials[g] }) }
        return PartialsAtZero(value: value, partials: partials)
    }

    func atLeastZero(_ a: PartialsAtZero) -> PartialsAtZero { PartialsAtZero(value: base.atLeastZero(a.value), partials: a.partials) }

    func atMostZero(_ a: PartialsAtZero) -> PartialsAtZero { PartialsAtZero(value: base.atMostZero(a.value), partials: a.partials) }
}
