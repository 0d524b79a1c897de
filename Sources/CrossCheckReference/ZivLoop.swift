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
    /// Like `decide`, for the limit-mode enclosure of a result perturbed by vanishing terms: an exact
    /// limit that is itself a rounding boundary cannot be decided (the perturbation's sign would).
    func decideLimit(_ x: Enclosure) -> Value?
}

extension Finisher {
    func decideLimit(_ x: Enclosure) -> Value? { decide(x) }
}

/// Correct rounding to a format: Ziv's test of `roundCorrectly`.
struct RoundingFinisher: Finisher {
    let format: FloatFormat
    var precision: Int { format.precision }
    func decide(_ x: Enclosure) -> Double? { roundCorrectly(x, to: format) }
    func constant(_ x: Double) -> Double { x }
    func decideLimit(_ x: Enclosure) -> Double? {
        if case .exact(let q) = x {
            // A dyadic limit on a boundary (a midpoint, half the least subnormal, the overflow
            // threshold): the side is the perturbation's, unknown here.
            let (v, isExact) = q.rounded(precision: 4096)
            if isExact && v.isRegular && roundJustInside(v, above: true, format) != roundJustInside(v, above: false, format) {
                return nil
            }
        }
        return decide(x)
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
/// `formula.enclose(arithmetic, pending)` returns a proven enclosure of each pending
/// output at the arithmetic's working precision. Outputs whose enclosure decides the correct
/// rounding are done; the rest are evaluated again with twice the precision. Exact results are
/// rationals and round at once; all others are irrational (see `Enclosure`), so the loop ends. The
/// precision cap only turns a defect in that argument into an error instead of a hang.
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
            // Terms below MPFR's range (e^x, x < −2⁶¹) only perturb the result by less than
            // 2^(−2⁶¹); when their interval [0, 2^(−2⁶¹)] still leaves it undecided, round the limit
            // as they vanish — correct unless that limit is exactly a rounding boundary, which the
            // finisher refuses (`decideLimit`).
            limitMode = true
            precision = initialPrecision
        }
        guard precision <= cap else {
            throw ReferenceError(message: "could not round output \(pending[0]) correctly within \(cap) bits (an undetected exact result?)")
        }
        let arithmetic = IntervalArithmetic(precision: precision, limitMode: limitMode)
        do {
            let enclosures = try ExponentRange.widest { () throws(NeedsMorePrecision) in try formula.enclose(arithmetic, pending) }
            var stillPending: [Int] = []
            for (k, index) in pending.enumerated() {
                let x = enclosures[k]
                if let rounded = ExponentRange.widest({ limitMode ? finisher.decideLimit(x) : finisher.decide(x) }) {
                    results[index] = rounded
                } else {
                    stillPending.append(index)
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
