import ArbitraryPrecision

/// A polynomial with exact rational coefficients in the exponentials y_g = e^{δ_g} of a formula's
/// distinct nonzero exponents δ_g (`ExactExponentialArithmetic`). e⁰ = 1 is not a variable: it is
/// the constant 1.
///
/// A monomial is the sorted list of its variables' indices, with repetition (y₀²y₃ is [0, 0, 3]);
/// the constant monomial is []. No stored coefficient is 0, so the zero polynomial has no terms
/// and two polynomials are equal exactly when their term maps are.
struct ExponentialPolynomial: Equatable {
    typealias Monomial = [Int32]

    private(set) var terms: [Monomial: MPRational]

    init(terms: [Monomial: MPRational] = [:]) {
        self.terms = terms.filter { !$0.value.isZero }
    }

    /// The constant q.
    init(constant q: MPRational) { self.init(terms: [[]: q]) }

    /// The variable y_g.
    init(variable g: Int) { terms = [[Int32(g)]: MPRational(integer: 1)] }

    var isZero: Bool { terms.isEmpty }

    /// The coefficient of the constant monomial (the value when every variable is 0).
    var constantTerm: MPRational { terms[[]] ?? MPRational() }

    /// The constant q when the polynomial is one.
    var constantValue: MPRational? {
        if terms.isEmpty { return MPRational() }
        return terms.count == 1 ? terms[[]] : nil
    }

    static func + (a: Self, b: Self) -> Self {
        var sum = a.terms.count >= b.terms.count ? a.terms : b.terms
        for (m, c) in (a.terms.count >= b.terms.count ? b.terms : a.terms) {
            sum[m] = sum[m].map { $0 + c } ?? c
        }
        return Self(terms: sum)
    }

    static prefix func - (a: Self) -> Self { Self(terms: a.terms.mapValues { -$0 }) }

    static func - (a: Self, b: Self) -> Self { a + -b }

    func scaled(by q: MPRational) -> Self {
        q.isZero ? Self() : Self(terms: terms.mapValues { $0 * q })
    }

    static func * (a: Self, b: Self) -> Self {
        if let q = a.constantValue { return b.scaled(by: q) }
        if let q = b.constantValue { return a.scaled(by: q) }
        var product: [Monomial: MPRational] = [:]
        product.reserveCapacity(a.terms.count * b.terms.count)
        for (ma, ca) in a.terms {
            for (mb, cb) in b.terms {
                let m = merged(ma, mb), c = ca * cb
                product[m] = product[m].map { $0 + c } ?? c
            }
        }
        return Self(terms: product)
    }

    func power(_ k: Int) -> Self {
        var result = Self(constant: MPRational(integer: 1))
        for _ in 0..<k { result = result * self }
        return result
    }

    /// The product of two monomials: their sorted lists merged.
    private static func merged(_ a: Monomial, _ b: Monomial) -> Monomial {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out: Monomial = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] <= b[j]) {
                out.append(a[i]); i += 1
            } else {
                out.append(b[j]); j += 1
            }
        }
        return out
    }

    /// The polynomial as Σ c·e^E over distinct exponents E (the sum of a monomial's δ_g), terms
    /// with equal E merged, zero coefficients dropped, largest E first.
    func exponentialSum(exponents δ: [MPRational]) -> [(exponent: MPRational, coefficient: MPRational)] {
        var list = terms.map { (m, c) in
            (exponent: m.reduce(MPRational()) { $0 + δ[Int($1)] }, coefficient: c)
        }
        list.sort { $0.exponent > $1.exponent }
        var merged: [(exponent: MPRational, coefficient: MPRational)] = []
        for term in list {
            if let last = merged.last, last.exponent == term.exponent {
                merged[merged.count - 1].coefficient = last.coefficient + term.coefficient
            } else {
                merged.append(term)
            }
        }
        return merged.filter { !$0.coefficient.isZero }
    }
}

/// A rational function of the exponentials: numerator / Π factorᵢ^powerᵢ, with the factors
/// (denominator polynomials met by `divide`) interned in the arithmetic's `FactorTable`.
struct ExponentialFraction {
    var numerator: ExponentialPolynomial
    /// Factor index → power (no zero powers).
    var denominator: [Int: Int]
}

/// The distinct denominators met during one evaluation, and their powers, computed once.
final class FactorTable {
    private(set) var factors: [ExponentialPolynomial] = []
    private var powers: [Int: [ExponentialPolynomial]] = [:]

    func index(of p: ExponentialPolynomial) -> Int {
        if let i = factors.firstIndex(of: p) { return i }
        factors.append(p)
        return factors.count - 1
    }

    func power(_ i: Int, _ k: Int) -> ExponentialPolynomial {
        var list = powers[i] ?? [ExponentialPolynomial(constant: MPRational(integer: 1))]
        while list.count <= k { list.append(list.last! * factors[i]) }
        powers[i] = list
        return list[k]
    }

    /// Π factorᵢ^powerᵢ expanded.
    func expand(_ denominator: [Int: Int]) -> ExponentialPolynomial {
        denominator.reduce(ExponentialPolynomial(constant: MPRational(integer: 1))) { $0 * power($1.key, $1.value) }
    }
}
