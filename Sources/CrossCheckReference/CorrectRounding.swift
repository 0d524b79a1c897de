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
func roundCorrectly(_ x: Enclosure, to format: FloatFormat) -> Double? {
    let ieee = format.ieee
    switch x {
    case .exact(let q):
        return ieee.round(q)
    case .interval(let lo, let hi):
        let (leastNormal, overflow) = FormatBounds.of(format)
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
        let down = roundJustInside(lo, above: true, format), up = roundJustInside(hi, above: false, format)
        if down == 0 && up == 0 {
            if lo.signum >= 0 { return 0.0 }
            if hi.signum <= 0 { return -0.0 }
            return nil
        }
        return down == up ? down : nil
    }
}

/// The correct rounding of points infinitesimally above (or below) v: RN(v) unless v is exactly a
/// rounding boundary — a midpoint between neighbours, half the least subnormal, or the overflow
/// threshold — where it is the neighbour on that side.
func roundJustInside(_ v: MPFloat, above: Bool, _ format: FloatFormat) -> Double {
    let ieee = format.ieee
    let r = ieee.round(v)
    guard v.isRegular else { return r }
    if r.isFinite && MPFloat.compare(MPFloat(r), v) == 0 { return r }  // v itself is a value of the format
    // Neighbours a < v < b of the format (b may be +inf past the largest finite value).
    let toward = MPFloat.compare(MPFloat(r), v) < 0
    let (a, b): (Double, Double)
    if r.isInfinite {
        let g = format.greatestFiniteMagnitude
        (a, b) = r > 0 ? (g, .infinity) : (-.infinity, -g)
    } else {
        let other = step(r, up: toward, format)
        (a, b) = toward ? (r, other) : (other, r)
    }
    let boundary: MPFloat
    if b.isInfinite || a.isInfinite {
        boundary = b.isInfinite ? FormatBounds.of(format).overflow : FormatBounds.of(format).overflow.negated
    } else {
        boundary = MPFloat.sum(MPFloat(a), MPFloat(b), precision: 64).scaled(byPowerOfTwo: -1)
    }
    guard MPFloat.compare(boundary, v) == 0 else { return r }
    return above ? b : a
}

private func step(_ x: Double, up: Bool, _ format: FloatFormat) -> Double {
    up ? format.nextUp(x) : format.nextDown(x)
}

/// The ends of a format's normal range: the least normal value, and the overflow threshold
/// (largest finite value plus half its ulp; at or beyond it rounding to nearest gives ±inf).
enum FormatBounds {
    static let bounds: [FloatFormat: (leastNormal: MPFloat, overflow: MPFloat)] = Dictionary(
        uniqueKeysWithValues: FloatFormat.allCases.map { format in
            let halfUlp = MPFloat(1.0).scaled(byPowerOfTwo: format.ieee.emax - format.precision - 1)
            let overflow = MPFloat.sum(MPFloat(format.greatestFiniteMagnitude), halfUlp, precision: 64)
            return (format, (MPFloat(format.leastNormalMagnitude), overflow))
        }
    )

    static func of(_ format: FloatFormat) -> (leastNormal: MPFloat, overflow: MPFloat) { bounds[format]! }
}
