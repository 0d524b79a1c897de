import ArbitraryPrecision
import CrossCheckCore

/// Ziv's rounding test for one enclosure of an exact result x; nil when it cannot decide yet.
///
/// - An exact rational is rounded directly (`IEEEBinaryFormat.round`, correctly rounded).
/// - An interval inside the format's normal range is tested with `mpfr_can_round` on its midpoint
///   m and radius r (|x − m| ≤ r < 2^(e(r)), so err = e(m) − e(r)), in round-to-nearest at the
///   format's precision; when it succeeds, rounding m gives the correctly rounded x.
/// - Elsewhere (subnormal, zero or overflow range, where the grid is not p bits relative to x), and
///   where `mpfr_can_round` is too conservative (an interval touching a power of two), both
///   ends are rounded to the format, with IEEE gradual underflow and overflow; rounding to nearest
///   is monotone, so when the two agree every point between them — x included — rounds the same.
///   Two zeros agree on the sign of x when the interval does not straddle 0 (x is irrational
///   whenever it is an interval, so it is never exactly 0).
///
/// A format without infinities (float8_e4m3fn) is decided on its `extended` twin (values up to 480,
/// then ±inf) and mapped through the finite-only rule (|v| > 448 → NaN) at the end: the rule acts
/// on the rounded value, so the twin's correct rounding maps to the format's.
func roundCorrectly(_ x: Enclosure, to format: FloatFormat) -> Double? {
    let ieee = format.ieee
    return roundCorrectlyOnTwin(x, ieee.extended).map(ieee.applyingFiniteLimit)
}

/// `roundCorrectly` for a format with ±inf (`IEEEBinaryFormat.extended`).
private func roundCorrectlyOnTwin(_ x: Enclosure, _ ieee: IEEEBinaryFormat) -> Double? {
    switch x {
    case .exact(let q):
        return ieee.round(q)
    case .interval(let lo, let hi):
        let (leastNormal, overflow) = FormatBounds.of(ieee)
        let sameSign = (lo.signum > 0 && hi.signum > 0) || (lo.signum < 0 && hi.signum < 0)
        if sameSign {
            let inner = lo.signum > 0 ? lo : hi.magnitude
            let outer = lo.signum > 0 ? hi : lo.magnitude
            if MPFloat.compare(inner, leastNormal) >= 0 && MPFloat.compare(outer, overflow) < 0 {
                let w = Swift.max(lo.precision, hi.precision) + 1
                let mid = MPFloat.sum(lo, hi, precision: w).scaled(byPowerOfTwo: -1)
                let radius = MPFloat.maximum(
                    MPFloat.difference(hi, mid, precision: 32, rounding: .up),
                    MPFloat.difference(mid, lo, precision: 32, rounding: .up))
                if radius.isZero || mid.canRoundToNearest(errorBits: mid.exponent - radius.exponent, precision: ieee.precision) {
                    return ieee.round(mid)
                }
                // mpfr_can_round is conservative next to a power of two; the end test below is exact.
            }
        }
        // x is irrational, so it is neither end: round each end as a point just inside the interval
        // (this matters when an end is exactly a midpoint — say 1 − t minus a far smaller e^{−x}).
        let down = roundJustInsideOnTwin(lo, above: true, ieee), up = roundJustInsideOnTwin(hi, above: false, ieee)
        if down == 0 && up == 0 {
            if lo.signum >= 0 { return 0.0 }
            if hi.signum <= 0 { return -0.0 }
            return nil
        }
        return down == up ? down : nil
    }
}

/// The correct rounding to `format` of points infinitesimally above (or below) v: RN(v) unless v
/// is exactly a rounding boundary — a midpoint between neighbours, half the least subnormal, or
/// the overflow threshold — where it is the neighbour on that side. Decided on the format's
/// `extended` twin, then mapped by the finite-only rule (so 464 is a boundary of float8_e4m3fn,
/// between 448 and NaN, and 496 is not: NaN on both sides).
func roundJustInside(_ v: MPFloat, above: Bool, _ format: FloatFormat) -> Double {
    let ieee = format.ieee
    return ieee.applyingFiniteLimit(roundJustInsideOnTwin(v, above: above, ieee.extended))
}

/// `roundJustInside` for a format with ±inf: the neighbours a < v < b are v rounded down and up.
private func roundJustInsideOnTwin(_ v: MPFloat, above: Bool, _ ieee: IEEEBinaryFormat) -> Double {
    let r = ieee.round(v)
    guard v.isRegular else { return r }
    let a = ieee.round(v, rounding: .down), b = ieee.round(v, rounding: .up)
    if a == b { return r }  // v itself is a value of the format
    let overflow = FormatBounds.of(ieee).overflow
    let boundary: MPFloat
    if b.isInfinite {
        boundary = overflow
    } else if a.isInfinite {
        boundary = overflow.negated
    } else {
        boundary = MPFloat.sum(MPFloat(a), MPFloat(b), precision: 64).scaled(byPowerOfTwo: -1)
    }
    guard MPFloat.compare(boundary, v) == 0 else { return r }
    return above ? b : a
}

/// The ends of a format's normal range (the format with ±inf): the least normal value 2^(emin+p−2),
/// and the overflow threshold 2^emax·(1 − 2^(−p−1)), the largest finite value plus half its ulp
/// (at or beyond it rounding to nearest gives ±inf).
enum FormatBounds {
    private static let bounds: [IEEEBinaryFormat: (leastNormal: MPFloat, overflow: MPFloat)] = Dictionary(
        uniqueKeysWithValues: FloatFormat.allCases.map { format in
            let ieee = format.ieee.extended
            let overflow = MPFloat.difference(
                MPFloat(1.0).scaled(byPowerOfTwo: ieee.emax),
                MPFloat(1.0).scaled(byPowerOfTwo: ieee.emax - ieee.precision - 1), precision: 64)
            return (ieee, (MPFloat(1.0).scaled(byPowerOfTwo: ieee.emin + ieee.precision - 2), overflow))
        }
    )

    static func of(_ ieee: IEEEBinaryFormat) -> (leastNormal: MPFloat, overflow: MPFloat) { bounds[ieee.extended]! }
}
