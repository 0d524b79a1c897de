import ArbitraryPrecision

/// Exact symbolic evaluation of a formula as a rational function of its exponentials, to decide
/// results that no precision resolves (see `ExactSplit`, Docs/THEORY.md §11).
///
/// Each distinct nonzero exponent δ_g of the formula (`EnclosureFormula.exponents`) becomes a
/// variable y_g = e^{δ_g}; e⁰ = 1 and every constant is an exact rational. The row functions built
/// from +, −, ×, ÷ (softmax, its gradients, MSE, the cross-entropy gradient, and the elementwise
/// σ-based ones) are then rational functions P/Q with rational coefficients, and this arithmetic
/// computes them exactly: `ExponentialFraction` is a numerator polynomial over a product of
/// interned denominator polynomials (`FactorTable`), so a row's p_i = y_i/S share the one factor S
/// and a sum of them stays over S. Nothing is rounded. A logarithm of anything but exactly 1 (LSE,
/// log-softmax, cross-entropy) is not a rational function: `log`/`log1p` throw
/// `NeedsMorePrecision`, which tells Ziv's loop this arithmetic cannot help.
///
/// `atLeastZero`/`atMostZero` are the identity: they clamp enclosures to a sign proved by algebra,
/// and an exact value already has that sign.
///
/// A division by the zero polynomial throws. A division by a nonzero polynomial is exact as a
/// rational function; the denominator's value is nonzero at the true exponentials because the
/// interval evaluation of the same formula succeeded in Ziv's loop (every divisor's enclosure
/// excluded 0), and `ExactSplit` checks the sign of the whole denominator by intervals again.
struct ExactExponentialArithmetic: EnclosureArithmetic {
    typealias Number = ExponentialFraction

    /// The distinct nonzero exponents δ_g (variable g is e^{δ_g}).
    let exponents: [MPRational]
    let table = FactorTable()
    /// Unused (nothing is rounded); the protocol's bits of each interval end.
    var precision: Int { 0 }

    /// The largest number of distinct exponents, and of classes, evaluated this way: the
    /// polynomials of a row grow as (groups)³ terms and the pairwise MSE gradient as n² products.
    static let groupLimit = 64
    static let classLimit = 512

    /// nil when there are more than `groupLimit` distinct nonzero exponents.
    init?(exponents all: [MPRational]) {
        var distinct: [MPRational] = []
        for q in all where !q.isZero && !distinct.contains(q) {
            distinct.append(q)
            if distinct.count > Self.groupLimit { return nil }
        }
        exponents = distinct
    }

    func constant(_ q: MPRational) -> Number { Number(numerator: ExponentialPolynomial(constant: q), denominator: [:]) }

    func exponential(_ q: MPRational) -> Number {
        if q.isZero { return one }
        guard let g = exponents.firstIndex(of: q) else { preconditionFailure("an exponent outside the formula's exponents") }
        return Number(numerator: ExponentialPolynomial(variable: g), denominator: [:])
    }

    /// a + b over the least common multiple of their denominators.
    func add(_ a: Number, _ b: Number) -> Number {
        if a.numerator.isZero { return b }
        if b.numerator.isZero { return a }
        var common = a.denominator
        for (i, k) in b.denominator { common[i] = max(common[i] ?? 0, k) }
        func lifted(_ x: Number) -> ExponentialPolynomial {
            common.reduce(x.numerator) { p, factor in
                let missing = factor.value - (x.denominator[factor.key] ?? 0)
                return missing == 0 ? p : p * table.power(factor.key, missing)
            }
        }
        return Number(numerator: lifted(a) + lifted(b), denominator: common)
    }

    func negate(_ a: Number) -> Number { Number(numerator: -a.numerator, denominator: a.denominator) }

    func multiply(_ a: Number, _ b: Number) -> Number {
        let numerator = a.numerator * b.numerator
        if numerator.isZero { return zero }
        return Number(numerator: numerator, denominator: a.denominator.merging(b.denominator, uniquingKeysWith: +))
    }

    func divide(_ a: Number, _ b: Number) throws(NeedsMorePrecision) -> Number {
        if b.numerator.isZero { throw NeedsMorePrecision() }
        if a.numerator.isZero { return zero }
        let numerator = a.numerator * table.expand(b.denominator)
        if let c = b.numerator.constantValue {
            return Number(numerator: numerator.scaled(by: MPRational(integer: 1) / c), denominator: a.denominator)
        }
        var denominator = a.denominator
        denominator[table.index(of: b.numerator), default: 0] += 1
        return Number(numerator: numerator, denominator: denominator)
    }

    func log(_ a: Number) throws(NeedsMorePrecision) -> Number {
        guard a.denominator.isEmpty, a.numerator.constantValue == MPRational(integer: 1) else { throw NeedsMorePrecision() }
        return zero
    }

    func log1p(_ a: Number) throws(NeedsMorePrecision) -> Number {
        guard a.numerator.isZero else { throw NeedsMorePrecision() }
        return zero
    }

    func sum(_ terms: [Number]) -> Number { terms.reduce(zero, add) }

    func atLeastZero(_ a: Number) -> Number { a }

    func atMostZero(_ a: Number) -> Number { a }
}

/// A result f = P/Q of `ExactExponentialArithmetic` split at the point where every exponential
/// vanishes: with P₀, Q₀ the constant terms (Q₀ ≠ 0), q = P₀/Q₀ and
///   f − q = D / (Q₀·Q),   D = Q₀·P − P₀·Q = Σ_r c_r e^{E_r},
/// the exponents E_r (sums of the δ_g) distinct and decreasing, every c_r a nonzero rational (the
/// constant terms cancel, so E_r < 0 when every δ_g is). D = 0 exactly when it has no terms: then
/// f = q. Otherwise, by Lindemann–Weierstrass (e^{E} for distinct rational E are linearly
/// independent over the algebraic numbers), D ≠ 0, and D/e^{E₁} = c₁ + Σ_{r≥2} c_r e^{E_r − E₁} is
/// of order one: its sign, found by interval arithmetic at rising precision, is D's, and the
/// enclosure of f − q = e^{E₁}·(D/e^{E₁})/(Q₀·Q) is tight relative to its size however small e^{E₁}
/// is (below MPFR's range e^{E₁} is [0, 2^(−2⁶¹)] and only the sign survives — enough to round).
struct ExactSplit {
    let limit: MPRational
    private let terms: [(exponent: MPRational, coefficient: MPRational)]
    private let denominatorConstant: MPRational
    /// Q as sums Σ c·e^E, one per factor, with its power.
    private let factors: [(sum: [(exponent: MPRational, coefficient: MPRational)], power: Int)]
    /// Every divisor met in the evaluation (a factor of Q, or one that cancelled out of it).
    private let divisors: [[(exponent: MPRational, coefficient: MPRational)]]

    /// nil when Q's constant term is 0 (no limit to split at).
    init?(_ f: ExponentialFraction, _ arithmetic: ExactExponentialArithmetic) {
        let table = arithmetic.table, δ = arithmetic.exponents
        let q = table.expand(f.denominator)
        let q0 = q.constantTerm, p0 = f.numerator.constantTerm
        guard !q0.isZero else { return nil }
        limit = p0 / q0
        denominatorConstant = q0
        terms = (f.numerator.scaled(by: q0) - q.scaled(by: p0)).exponentialSum(exponents: δ)
        let sums = table.factors.map { $0.exponentialSum(exponents: δ) }
        divisors = sums
        factors = f.denominator.map { (sum: sums[$0.key], power: $0.value) }
    }

    /// The sign of f − q (0 when f = q exactly) and an enclosure of f − q, at working precision
    /// `precision`; nil when that precision does not prove the signs of D and Q, and every
    /// divisor nonzero (then the rational function is the formula's value).
    func perturbation(precision: Int) -> (sign: Int, enclosure: Enclosure)? {
        if terms.isEmpty { return (0, .zero) }
        let a = IntervalArithmetic(precision: precision)
        func evaluate(_ sum: [(exponent: MPRational, coefficient: MPRational)], scaledBy e: MPRational) -> Enclosure {
            a.sum(sum.map { a.multiply(a.constant($0.coefficient), a.exponential($0.exponent - e)) })
        }
        let zero = MPRational()
        guard divisors.allSatisfy({ evaluate($0, scaledBy: zero).provenSign.map { $0 != 0 } ?? false }) else { return nil }
        let e1 = terms[0].exponent
        let normalized = evaluate(terms, scaledBy: e1)
        var denominator = a.constant(denominatorConstant)
        for factor in factors {
            let value = evaluate(factor.sum, scaledBy: zero)
            for _ in 0..<factor.power { denominator = a.multiply(denominator, value) }
        }
        guard let signD = normalized.provenSign, signD != 0,
              let signQ = denominator.provenSign, signQ != 0,
              let enclosure = try? a.divide(a.multiply(a.exponential(e1), normalized), denominator)
        else { return nil }
        return (signD * signQ, enclosure)
    }
}
