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
    /// Like `decide`, for the limit-mode enclosure of a result f(s) perturbed by vanishing terms
    /// (`limit` encloses f(0)). `perturbation` is the proven sign of f(s) − f(0) — 1, −1, or 0 when
    /// f(s) = f(0) — or nil when unknown. An exact limit that is itself a rounding boundary
    /// (including 0, between −0 and +0) is decided by that sign, and only by it.
    func decideLimit(_ limit: Enclosure, perturbation: Int?) -> Value?
}

extension Finisher {
    func decideLimit(_ limit: Enclosure, perturbation: Int?) -> Value? { decide(limit) }
}

/// Correct rounding to a format: Ziv's test of `roundCorrectly`.
struct RoundingFinisher: Finisher {
    let format: FloatFormat
    var precision: Int { format.precision }
    func decide(_ x: Enclosure) -> Double? { roundCorrectly(x, to: format) }
    func constant(_ x: Double) -> Double { x }
    func decideLimit(_ limit: Enclosure, perturbation: Int?) -> Double? {
        if case .exact(let q) = limit, perturbation != 0 {
            if q.isZero {
                // f(s) is not 0 (it would have been exact): its sign is the perturbation's.
                guard let perturbation else { return nil }
                return perturbation > 0 ? 0.0 : -0.0
            }
            // A dyadic limit on a boundary (a midpoint, half the least subnormal, the overflow
            // threshold): f(s) rounds as the points just beside it on the perturbation's side.
            let (v, isExact) = q.rounded(precision: 4096)
            if isExact && v.isRegular {
                let above = roundJustInside(v, above: true, format), below = roundJustInside(v, above: false, format)
                if above != below {
                    guard let perturbation else { return nil }
                    return perturbation > 0 ? above : below
                }
            }
        }
        return decide(limit)
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
}

/// Ziv's strategy over the outputs of one problem.
///
/// `formula.enclose(arithmetic, pending)` returns a proven enclosure of each pending output at the
/// arithmetic's working precision. Outputs whose enclosure decides the correct rounding are done;
/// the rest are evaluated again with twice the precision. Exact results are rationals and round at
/// once; all others are irrational (see `Enclosure`), so the loop ends. The precision cap only
/// turns a defect in that argument into an error instead of a hang.
///
/// Limit mode. An exponential below MPFR's range (e^d, d < −2⁶¹) is enclosed as [0, 2^(−2⁶¹)];
/// when that interval still leaves a result undecided at the cap, the loop starts again from the
/// first precision in limit mode, where those exponentials are exactly 0: the enclosure is then
/// that of the limit f(0) as they vanish, which rounds like the result unless it is exactly a
/// rounding boundary (a rational limit: a midpoint, 0, …). For such a limit the formula is
/// evaluated once more in `FirstOrderArithmetic`: a derivative enclosure that excludes 0 proves on
/// which side of f(0) the result lies (mean value theorem), and the finisher rounds accordingly.
/// When it contains 0, a first derivative proven exactly 0 at s = 0 hands the side to the second
/// derivative (`SecondOrderArithmetic`, Taylor's theorem). A limit whose first derivative contains
/// 0 without being proven 0 at s = 0, or whose second derivative's enclosure contains 0, even at
/// the cap, stays an error.
func zivRound<F: Finisher, Formula: EnclosureFormula>(
    count: Int,
    finisher: F,
    initialPrecision: Int,
    formula: Formula
) throws(ReferenceError) -> [F.Value] {
    var results = [F.Value?](repeating: nil, count: count)
    var pending = Array(0..<count)
    var precision = initialPrecision
    let cap = 1 << 14
    var limitMode = false
    while !pending.isEmpty {
        if precision > cap && !limitMode {
            limitMode = true
            precision = initialPrecision
        }
        guard precision <= cap else {
            throw ReferenceError(message: "could not round output \(pending[0]) correctly within \(cap) bits (an undetected exact result, or a limit on a rounding boundary whose perturbation is decided neither at first nor at second order)")
        }
        let arithmetic = IntervalArithmetic(precision: precision, limitMode: limitMode)
        do {
            let enclosures = try ExponentRange.widest { () throws(NeedsMorePrecision) in try formula.enclose(arithmetic, pending) }
            var stillPending: [Int] = []
            var onBoundary: [(index: Int, limit: Enclosure)] = []
            for (k, index) in pending.enumerated() {
                let x = enclosures[k]
                if !limitMode {
                    if let rounded = ExponentRange.widest({ finisher.decide(x) }) { results[index] = rounded } else { stillPending.append(index) }
                } else if let rounded = ExponentRange.widest({ finisher.decideLimit(x, perturbation: nil) }) {
                    results[index] = rounded
                } else if x.exactValue != nil {
                    onBoundary.append((index, x))
                } else {
                    stillPending.append(index)
                }
            }
            if !onBoundary.isEmpty {
                let signs = perturbationSigns(formula, precision: precision, outputs: onBoundary.map(\.index))
                for (k, (index, limit)) in onBoundary.enumerated() {
                    if let rounded = ExponentRange.widest({ finisher.decideLimit(limit, perturbation: signs[k]) }) {
                        results[index] = rounded
                    } else {
                        stillPending.append(index)
                    }
                }
            }
            pending = stillPending
        } catch {
            // A denominator's ball contained zero: retry everything pending at a higher precision.
        }
        precision *= 2
    }
    return results.map { $0! }
}

/// The proven signs of f(s) − f(0) for `outputs`, nil where unknown.
///
/// First order (`FirstOrderArithmetic`): the sign of f′ over the vanishing range, when its
/// enclosure excludes 0 (or is exactly 0: then f is constant). For the outputs it leaves unknown,
/// second order: when f′(0) is proven exactly 0 (the first-order arithmetic at the point σ = 0) and
/// the enclosure of f″ over the range excludes 0, f(s) − f(0) = (s²/2)·f″(ξ) has the sign of f″
/// (Taylor's theorem, see `SecondOrderArithmetic`).
private func perturbationSigns<Formula: EnclosureFormula>(_ formula: Formula, precision: Int, outputs: [Int]) -> [Int?] {
    guard let largest = formula.largestVanishingExponent else { return outputs.map { _ in nil } }
    var signs = enclose(formula, FirstOrderArithmetic(precision: precision, largestVanishingExponent: largest), outputs)
        .map { $0?.derivative.provenSign }
    let unknown = signs.indices.filter { signs[$0] == nil }
    guard !unknown.isEmpty else { return signs }
    let atZero = enclose(formula, FirstOrderArithmetic(precision: precision, largestVanishingExponent: largest, atZero: true),
                         unknown.map { outputs[$0] })
    let flat = unknown.indices.filter { atZero[$0]?.derivative.isExactZero ?? false }.map { unknown[$0] }
    guard !flat.isEmpty else { return signs }
    let second = enclose(formula, SecondOrderArithmetic(precision: precision, largestVanishingExponent: largest),
                         flat.map { outputs[$0] })
    for (k, index) in flat.enumerated() { signs[index] = second[k]?.second.provenSign }
    return signs
}

/// The formula's `outputs` in `arithmetic`, nil for each when the evaluation needs more precision.
private func enclose<Formula: EnclosureFormula, A: EnclosureArithmetic>(_ formula: Formula, _ arithmetic: A, _ outputs: [Int]) -> [A.Number?] {
    do {
        return try ExponentRange.widest { () throws(NeedsMorePrecision) in try formula.enclose(arithmetic, outputs) }
    } catch {
        return outputs.map { _ in nil }
    }
}
