import ArbitraryPrecision
import CrossCheckCore

/// Why the reference could not answer.
public struct ReferenceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// What the reference makes of an enclosure: a value once the enclosure is tight enough.
protocol Finisher {
    associatedtype Value
    /// The value when `x` decides it, nil when more precision is needed.
    func decide(_ x: Enclosure) -> Value?
    /// A value known without computing (±inf, NaN, ±0 from the limit semantics).
    func constant(_ x: Double) -> Value
    /// The format whose rounding is wanted (sets the first working precision).
    var precision: Int { get }
    /// Like `decide`, in limit mode, for a result f(s) perturbed by vanishing terms: `limit`
    /// encloses f(0), `perturbed` (nil when it could not be computed) is a proven enclosure of f(s)
    /// itself, and `sign` is the proven sign of f(s) − f(0) — 1, −1, or 0 when f(s) = f(0) — or nil
    /// when unknown. An exact limit that is itself a rounding boundary (including 0, between −0 and
    /// +0) is decided only with a strict sign, on that side of it.
    func decideLimit(_ limit: Enclosure, perturbed: Enclosure?, sign: Int?, belowMPFRRange: Bool) -> Value?
}

/// Correct rounding to a format: Ziv's test of `roundCorrectly`.
struct RoundingFinisher: Finisher {
    let format: FloatFormat
    var precision: Int { format.precision }
    func decide(_ x: Enclosure) -> Double? { roundCorrectly(x, to: format) }
    /// x in the format: ±inf is NaN in float8_e4m3fn, which has no infinities.
    func constant(_ x: Double) -> Double { format.rounded(x) }
    func decideLimit(_ limit: Enclosure, perturbed: Enclosure?, sign: Int?, belowMPFRRange: Bool) -> Double? {
        if case .exact(let q) = limit {
            if sign == 0 { return decide(limit) }  // f(s) = f(0) exactly
            if let boundary = boundary(q) {
                // f(s) ≠ q (strict sign) lies in `perturbed` on the sign's side of q: round the part
                // of `perturbed` on that side, q excluded (`roundCorrectly` rounds an interval's ends
                // as points just inside it).
                guard let sign, sign != 0, let perturbed else { return nil }
                let a = IntervalArithmetic(precision: 64)
                let (lo, hi) = a.interval(perturbed)
                let side: Enclosure = sign > 0
                    ? .interval(lo: boundary, hi: MPFloat.maximum(hi, boundary))
                    : .interval(lo: MPFloat.compare(lo, boundary) < 0 ? lo : boundary, hi: boundary)
                return roundCorrectly(side, to: format)
            }
        }
        // An irrational limit, or a rational one off the boundaries: f(s) rounds as its enclosure does.
        guard let perturbed else { return nil }
        return decide(perturbed)
    }

    /// q as an MPFloat when it is a rounding boundary of the format — 0 (between −0 and +0), a
    /// midpoint between neighbours, half the least subnormal, the overflow threshold — else nil.
    private func boundary(_ q: MPRational) -> MPFloat? {
        if q.isZero { return MPFloat(0.0) }
        let (v, isExact) = q.rounded(precision: 4096)
        guard isExact && v.isRegular else { return nil }
        let below = roundJustInside(v, above: false, format), above = roundJustInside(v, above: true, format)
        return below == above || (below.isNaN && above.isNaN) ? nil : v
    }
}

/// A high-precision value: the midpoint of an enclosure of relative width ≤ 2⁻ᵇⁱᵗˢ (or exact).
struct PrecisionFinisher: Finisher {
    let bits: Int
    var precision: Int { bits }
    func decide(_ x: Enclosure) -> MPFloat? {
        switch x {
        case .exact(let q): return q.mpFloat(precision: bits + 2)
        case .interval(let lo, let hi):
            let w = bits + 2
            let mid = MPFloat.sum(lo, hi, precision: w).scaled(byPowerOfTwo: -1)
            let width = MPFloat.difference(hi, lo, precision: 32, rounding: .up)
            if width.isZero { return mid }
            guard mid.isRegular, width.isRegular, mid.exponent - width.exponent >= bits else { return nil }
            return mid
        }
    }
    func constant(_ x: Double) -> MPFloat { MPFloat(x) }
    /// The perturbed enclosure when it is tight enough; failing that, an exact limit when the
    /// perturbation is below MPFR's range (no MPFR number is nearer f(s) than f(0) then, except
    /// for a limit of 0, where none is representable at all).
    func decideLimit(_ limit: Enclosure, perturbed: Enclosure?, sign: Int?, belowMPFRRange: Bool) -> MPFloat? {
        if limit.exactValue != nil && sign == 0 { return decide(limit) }
        if let perturbed, let v = decide(perturbed) { return v }
        return limit.exactValue != nil && belowMPFRRange ? decide(limit) : nil
    }
}

/// Ziv's strategy over the outputs of one problem.
///
/// `formula.enclose(arithmetic, pending)` returns a proven enclosure of each pending output at the
/// arithmetic's working precision. Outputs whose enclosure decides the correct rounding are done;
/// the rest are evaluated again with twice the precision. Exact results are rationals and round at
/// once; all others are irrational (see `Enclosure`), so the loop ends — unless the result sits
/// nearer a rounding boundary than the precision cap resolves, which happens when a result's limit,
/// as some exponentials vanish, is itself a boundary (a midpoint, or 0 between −0 and +0) and
/// those exponentials are far below 2^(−cap) (e^(−1e5), or below MPFR's range).
///
/// Exact decision. First, the pending outputs of formulas that are rational functions of their
/// exponentials are computed exactly (`exactDecisions`, `ExactExponentialArithmetic`): the limit,
/// the proven sign of the perturbation and its enclosure, whatever order of it decides the side.
///
/// Limit mode. What is left then starts again from the first precision w in limit mode. At each level
/// the exponentials e^d with d < θ = −w vanish (`VanishingTerms`; e^d < 2^(−1.44w), tiny next to
/// the resolution of the level), s = e^{d_G} ∈ (0, b] being the largest, and each output is enclosed
/// three ways:
/// - its limit f(0), in `IntervalArithmetic(vanishing:)`, where they are exactly 0;
/// - f(s) itself, as f(0) + [0, b]·D with D the enclosure of f′ over [0, b] from
///   `FirstOrderArithmetic` (mean value theorem: f(s) − f(0) = s·f′(ξ), 0 < ξ < s);
/// - for an exact limit, the sign of f(s) − f(0): that of D when D excludes 0 (or exactly 0: f is
///   constant); else, when f′(0) is proven exactly 0 (`PartialsAtZeroArithmetic`, one partial
///   derivative per group of equal exponents), that of the second derivative over [0, b]
///   (`SecondOrderArithmetic`, Taylor's theorem).
/// The finisher rounds f(s)'s enclosure (`decideLimit`); a limit on a boundary only with a proven
/// strict sign, on that side. Every decision is proven, whatever the level; a higher level makes
/// fewer terms vanish (θ falls) with a smaller b and a tighter arithmetic. Limit mode goes up to
/// 2¹⁷ bits: when two vanishing groups of different sizes interact (f − f(0) ≈ c·ε₁² + c′·ε₂ with
/// ε₂ ≪ ε₁², or ε₁·ε₂ next to a range term of order ε₁), the side is decided at the level where
/// the larger one, e^(−1e4) say, no longer vanishes and its effect is resolved (≈ 1.44·|d| bits per
/// power of it) while the smaller still does. The cap then ends limit mode as an error: a guard,
/// not a step of the argument.
func zivRound<F: Finisher, Formula: EnclosureFormula>(
    count: Int,
    finisher: F,
    initialPrecision: Int,
    formula: Formula
) throws(ReferenceError) -> [F.Value] {
    var results = [F.Value?](repeating: nil, count: count)
    var pending = Array(0..<count)
    var precision = initialPrecision
    let cap = 1 << 14, limitCap = 1 << 17
    var limitMode = false
    var exponents: [MPRational]? = nil
    while !pending.isEmpty {
        if precision > cap && !limitMode {
            let all = formula.exponents  // built once: n rationals
            pending = exactDecisions(formula, all, finisher, initialPrecision: initialPrecision, cap: cap, pending: pending, results: &results)
            if pending.isEmpty { break }
            limitMode = true
            precision = initialPrecision
            exponents = all
        }
        guard precision <= (limitMode ? limitCap : cap) else {
            throw ReferenceError(message: "could not round output \(pending[0]) correctly within \(cap) bits, nor in limit mode within \(limitCap) (an undetected exact result, or a limit on a rounding boundary whose perturbation is decided neither at first nor at second order)")
        }
        // In the widest exponent range, as every enclosure here: the bound e^(d_G) underflows otherwise.
        let vanishing = limitMode
            ? ExponentRange.widest { VanishingTerms(exponents!, below: MPRational(integer: -precision), precision: precision) }
            : nil
        if let vanishing {
            pending = limitLevel(formula, finisher, vanishing, precision: precision, pending: pending, results: &results)
        } else if !limitMode || precision > cap {
            // Plain interval arithmetic (in limit mode at a level where nothing vanishes, beyond the
            // precisions it already failed at).
            pending = plainLevel(formula, finisher, precision: precision, pending: pending, results: &results)
        }
        precision *= 2
    }
    return results.map { $0! }
}

/// Decides what it can of `pending` in plain interval arithmetic at `precision`, each output as
/// soon as it is enclosed (one enclosure held at a time, not the row's); returns the rest. When a
/// denominator's interval contains zero the outputs not yet given stay pending for a higher
/// precision (those given were decided or are pending on their own).
private func plainLevel<F: Finisher, Formula: EnclosureFormula>(
    _ formula: Formula, _ finisher: F, precision: Int, pending: [Int], results: inout [F.Value?]
) -> [Int] {
    let arithmetic = IntervalArithmetic(precision: precision)
    var decided: [(index: Int, value: F.Value)] = []
    var stillPending: [Int] = []
    var given = 0
    ExponentRange.widest {
        do {
            try formula.forEachEnclosure(arithmetic, pending) { k, enclosure in
                given = k + 1
                if let rounded = finisher.decide(enclosure) { decided.append((pending[k], rounded)) } else { stillPending.append(pending[k]) }
            }
        } catch {}
    }
    for d in decided { results[d.index] = d.value }
    return stillPending + pending[given...]
}

/// Decides what it can of `pending` exactly, as rational functions of the exponentials
/// (`ExactExponentialArithmetic`, `ExactSplit`): the limit q at vanishing exponentials, the proven
/// sign of f − q and an enclosure of it, rounded by the finisher as in limit mode, at precisions
/// from `initialPrecision` to `cap`. Returns the rest (formulas with logarithms, rows beyond the
/// arithmetic's limits, signs not proven below the cap).
private func exactDecisions<F: Finisher, Formula: EnclosureFormula>(
    _ formula: Formula, _ exponents: [MPRational], _ finisher: F, initialPrecision: Int, cap: Int, pending: [Int], results: inout [F.Value?]
) -> [Int] {
    guard exponents.count <= ExactExponentialArithmetic.classLimit,
          let arithmetic = ExactExponentialArithmetic(exponents: exponents),
          let fractions = try? formula.enclose(arithmetic, pending)
    else { return pending }
    var stillPending: [Int] = []
    for (k, index) in pending.enumerated() {
        guard let split = ExactSplit(fractions[k], arithmetic) else { stillPending.append(index); continue }
        var precision = initialPrecision
        while precision <= cap {
            let decided: F.Value? = ExponentRange.widest {
                guard let (sign, delta) = split.perturbation(precision: precision) else { return nil }
                let limit = Enclosure.exact(split.limit)
                let perturbed = IntervalArithmetic(precision: precision).add(limit, delta)
                return finisher.decideLimit(limit, perturbed: perturbed, sign: sign, belowMPFRRange: false)
            }
            if let decided {
                results[index] = decided
                break
            }
            precision *= 2
        }
        if results[index] == nil { stillPending.append(index) }
    }
    return stillPending
}

/// One level of limit mode (see `zivRound`): decides what it can of `pending`, returns the rest.
private func limitLevel<F: Finisher, Formula: EnclosureFormula>(
    _ formula: Formula, _ finisher: F, _ vanishing: VanishingTerms, precision: Int,
    pending: [Int], results: inout [F.Value?]
) -> [Int] {
    let base = IntervalArithmetic(precision: precision)
    guard let limits = enclose(formula, IntervalArithmetic(precision: precision, vanishing: vanishing), pending) else { return pending }
    let first = enclose(formula, FirstOrderArithmetic(precision: precision, vanishing: vanishing), pending)
    // f(s) ∈ f(0) + [0, b]·D.
    let perturbed: [Enclosure?] = pending.indices.map { k in
        guard let d = first?[k].derivative else { return nil }
        return base.add(limits[k], base.multiply(vanishing.range, d))
    }
    var signs = [Int?](repeating: nil, count: pending.count)
    if let first {
        for k in pending.indices where limits[k].exactValue != nil { signs[k] = first[k].derivative.provenSign }
        let unknown = pending.indices.filter { limits[$0].exactValue != nil && signs[$0] == nil }
        if !unknown.isEmpty {
            let second = secondOrderSigns(formula, vanishing, precision: precision, outputs: unknown.map { pending[$0] })
            for (j, k) in unknown.enumerated() { signs[k] = second[j] }
        }
    }
    let belowMPFRRange = vanishing.largest < IntervalArithmetic.mpfrRangeThreshold
    var stillPending: [Int] = []
    for (k, index) in pending.enumerated() {
        if let rounded = ExponentRange.widest({ finisher.decideLimit(limits[k], perturbed: perturbed[k], sign: signs[k], belowMPFRRange: belowMPFRRange) }) {
            results[index] = rounded
        } else {
            stillPending.append(index)
        }
    }
    return stillPending
}

/// For `outputs` whose first derivative's enclosure over the range contains 0: when f′(0) is
/// proven exactly 0 (every partial derivative at 0 an exact 0, `PartialsAtZeroArithmetic`; for more
/// than `VanishingTerms.groupLimit` groups, the single-direction derivative at 0 an exact 0) and
/// the enclosure of f″ over the range excludes 0, f(s) − f(0) = (s²/2)·f″(ξ) has the sign of f″
/// (Taylor's theorem, see `SecondOrderArithmetic`); 0 when f″ is exactly 0 there (then f is
/// constant on the range). nil where unknown.
private func secondOrderSigns<Formula: EnclosureFormula>(_ formula: Formula, _ vanishing: VanishingTerms, precision: Int, outputs: [Int]) -> [Int?] {
    var signs = [Int?](repeating: nil, count: outputs.count)
    let flat: [Int]
    if let groups = vanishing.groups {
        let atZero = enclose(formula, PartialsAtZeroArithmetic(precision: precision, vanishing: vanishing, groups: groups), outputs)
        flat = outputs.indices.filter { atZero?[$0].isFlat ?? false }
    } else {
        let atZero = enclose(formula, FirstOrderArithmetic(precision: precision, vanishing: vanishing, atZero: true), outputs)
        flat = outputs.indices.filter { atZero?[$0].derivative.isExactZero ?? false }
    }
    guard !flat.isEmpty,
          let second = enclose(formula, SecondOrderArithmetic(precision: precision, vanishing: vanishing), flat.map { outputs[$0] })
    else { return signs }
    for (j, k) in flat.enumerated() { signs[k] = second[j].second.provenSign }
    return signs
}

/// The formula's `outputs` in `arithmetic`, nil when the evaluation needs more precision.
private func enclose<Formula: EnclosureFormula, A: EnclosureArithmetic>(_ formula: Formula, _ arithmetic: A, _ outputs: [Int]) -> [A.Number]? {
    do {
        return try ExponentRange.widest { () throws(NeedsMorePrecision) in try formula.enclose(arithmetic, outputs) }
    } catch {
        return nil
    }
}
