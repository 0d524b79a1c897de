// Correctly rounded elementwise functions of the formats of at most 24 bits — Float16, bfloat16
// and Float — the way correctly rounded libms work (CORE-MATH, Ziv): a fast evaluation in Double
// with a proven relative error bound, a cheap test that its rounding to the format is decided, and
// a more accurate slow path for the rare rest. One implementation, generic over the output format
// T; the test reads only T's precision p and least normal value from `FloatFormat`'s table.
//
// Fast path (u = 2⁻⁵³; λ = 2⁻⁵¹ for the C library's exp, expm1 and log1p, 2 ulps, as in the
// reference's first evaluation). With E = e^{−|x|} (−|x| exact), Ê = E(1 + δ), |δ| ≤ λ, relative
// errors in units of 2⁻⁴⁹ (λ = 0.25, u = 0.0625; first-order sums, the products they stand for
// differ by a factor below 1 + 2⁻⁴⁵):
//   σ(|x|) = 1/(1 + Ê)  ≤ λ + 2u = 0.375;   σ(−|x|) = Ê/(1 + Ê)  ≤ 2λ + 2u = 0.625
//   bce = ℓ + log1p(Ê), ℓ = x − t·x (x ≥ 0) or −t·x (x < 0): t·x is exact (at most 24 + 24 bits),
//     ℓ ≥ 0 and log1p(Ê) > 0 for t ∈ [0, 1], so the absolute error u·ℓ + 2λ·log1p(Ê) + u·v is at
//     most 0.625·v (log1p(E(1 + δ)) moves by ≤ λ·log1p(E) since log1p(E) ≥ E/(1 + E))
//   σ − t, only for t ∈ {0, ½, 1} (other targets take the slow path): (½ − t) ± ½·(−M/(2 + M))
//     for |x| < ¾, M = expm1(−|x|) (the quotient ≤ 2λ + 2u), else (1 − t) − σ(−x) or σ(x) − t.
//     The worst cancellation is ½ − σ(−x) at x = ¾: σ(−¾) < 0.3208, a factor 0.3208/0.1792 < 1.8
//     on 0.625, plus u: ≤ 1.18. For t = 0 or 1 the constant is 0 (exactly ∓σ, no cancellation) or
//     the sum has one sign.
//   (σ − t)²  ≤ 2·1.18 + u = 2.43;   2σ(−|x|)/(1 + Ê)·(σ − t)  ≤ 0.625 + 0.0625·3 + 1.18 + … ≤ 2.43
// None of this depends on the format: v has relative error below 2.5·2⁻⁴⁹ < 2⁻⁴⁷·⁶ for every x
// of a format inside Double's range. For v in [2ᵉ, 2ᵉ⁺¹) that is below 2.5·2^(e−48) = 40 ulps of
// v (ulp 2^(e−52)). Round to nearest can differ between v and the exact value only if a rounding
// boundary of T — a midpoint between two values of T — lies between them. In a binade of T's
// normal range (p bits, 2 ≤ p ≤ 24) the midpoints are the Doubles whose 53 − p low significand
// bits are 1 followed by 52 − p zeros (29 bits for Float, 45 for bfloat16, 42 for Float16), so
//   |low₅₃₋ₚ(v) − 2⁵²⁻ᵖ| > 64  ⇒  T(v) is the correctly rounded result
// (a margin of 1.6 over the bound; a midpoint of the binade below 2ᵉ, for v just above it, is
// 2⁵¹⁻ᵖ ≥ 2²⁷ Double ulps away). The boundary between T's largest value and +inf is the midpoint
// of its last binade like any other. Below T's least normal (subnormal and zero results) the
// grid is coarser than the significand bits show; there the two ends v(1 ∓ 2⁻⁴⁶) are rounded and
// must agree (rounding is monotone). About 2⁻²² of the inputs fail the test in Float (a thousand
// of the 2³² Floats per function), fewer in the narrower formats.
//
// Slow path: the double-double kernel (`ElementwiseKernel<T, DoubleDouble>`), ≈ 2⁻¹⁰⁰ relative,
// rounded once through round-to-odd. It decides every input whose exact result is not within
// 2⁻¹⁰⁰ relative of a midpoint; the exhaustive sweeps (`crosscheck audit --exhaustive`, see
// Docs/EXHAUSTIVE.md) check all 2³² Floats and every Float16 and bfloat16 against MPFR.
//
// In the slow path σ − t, (σ − t)² and 2(σ − t)σ(x)σ(−x) run in double-double (they cancel) and
// are rounded once the same way — except at t = ½ for 0 < |x| < 2⁻³⁰ (Float and bfloat16 x; no
// Float16 is that small). There the exact results are
//   σ − ½ = ½tanh(x/2) = x/4 − x³/48 + O(x⁵),   (σ − ½)² = x²/16 − x⁴/96 + O(x⁶),
//   2(σ − ½)σ(x)σ(−x) = (x/4 − x³/48)·½sech²(x/2) = x/8 − x³/24 + O(x⁵),
// a leading term exact in Double (x/4 of a subnormal can be a midpoint exactly) minus a correction
// 2⁶⁰ times smaller, which the double-double kernel cannot see (it is below 2⁻¹⁰⁶ of the
// result): its rounding of the midpoint was a coin toss. Leading term and correction as the two
// words of a double-double (the neglected terms are below 2⁻¹²⁰ relative), rounded through
// round-to-odd (53 ≥ p + 2 bits, so rounding that to T once more is correct), round correctly.

import CrossCheckCore

/// The elementwise functions of a format of at most 24 bits, correctly rounded (see the file comment).
enum CorrectlyRoundedElementwise<T: KernelScalar> {
    /// True for the formats this path serves: precision at most 24 (Float16, bfloat16, Float).
    static var applies: Bool { T.floatFormat.precision <= 24 }

    /// The correctly rounded `kind` at x with target t ∈ [0, 1]; `boundary` is T's rounding test.
    @inline(__always)
    static func evaluate(_ kind: ElementwiseKind, _ x: T, _ t: T, _ boundary: RoundingBoundary) -> T {
        let xd = x.kernelDouble, td = t.kernelDouble
        if xd.isFinite && (!kind.isPrecise || td == 0 || td == 0.5 || td == 1) {
            let v = binary64(kind, xd, td)
            if isRoundingDecided(v, boundary) { return T(v) }
        }
        return kind.isPrecise ? cancelling(kind, x, t) : ElementwiseKernel<T, DoubleDouble>.evaluate(kind, x, t)
    }

    /// σ − t, (σ − t)² or 2(σ − t)σ(x)σ(−x): the double-double kernel, or the series near 0 at t = ½.
    static func cancelling(_ kind: ElementwiseKind, _ x: T, _ t: T) -> T {
        let xd = x.kernelDouble
        guard t == 0.5 && xd.magnitude < 0x1p-30 && xd != 0 else {
            return ElementwiseKernel<T, DoubleDouble>.evaluate(kind, x, t)
        }
        let square = xd * xd  // exact: at most 48 bits, ≥ 2⁻²⁹⁸
        let series: DoubleDouble
        switch kind {
        case .bceGradient: series = .normalized(xd / 4, -(square * xd) / 48)
        case .mse: series = .normalized(square / 16, -(square * square) / 96)
        default: series = .normalized(xd / 8, -(square * xd) / 24)
        }
        return T(series.roundedToOdd)
    }

    /// True when every value within relative 2⁻⁴⁶ of v rounds to T(v).
    @inline(__always)
    static func isRoundingDecided(_ v: Double, _ boundary: RoundingBoundary) -> Bool {
        if v.magnitude >= boundary.leastNormal {
            let low = Int64(bitPattern: v.bitPattern & boundary.lowMask)
            return (low - boundary.midpoint).magnitude > 64
        }
        return T(v * (1 - 0x1p-46)) == T(v * (1 + 0x1p-46))  // same sign: ±0 never meet here
    }
}

/// Where a format's rounding boundaries lie in a Double, from `FloatFormat`'s table: built once
/// per call of a kernel, not per element.
struct RoundingBoundary: Sendable {
    /// The Double significand bits below the format's last place: 2⁵³⁻ᵖ − 1.
    let lowMask: UInt64
    /// Those bits at a midpoint: 2⁵²⁻ᵖ.
    let midpoint: Int64
    /// The format's least normal magnitude: below it the grid is coarser than p bits.
    let leastNormal: Double

    init(_ format: FloatFormat) {
        let below = 53 - format.precision
        lowMask = (1 << UInt64(below)) - 1
        midpoint = 1 << Int64(below - 1)
        leastNormal = format.leastNormalMagnitude
    }
}

extension CorrectlyRoundedElementwise {
    /// The fast evaluation in Double (finite x; for σ − t and what uses it, t ∈ {0, ½, 1}).
    @inline(__always)
    static func binary64(_ kind: ElementwiseKind, _ x: Double, _ t: Double) -> Double {
        let a = x.magnitude
        let e = libmExp(-a)
        let denominator = 1 + e
        switch kind {
        case .sigmoid:
            return (x >= 0 ? 1 : e) / denominator
        case .bce:
            return (x >= 0 ? x - t * x : -(t * x)) + libmLog1p(e)
        default:
            break
        }
        let small = e / denominator
        let d: Double
        if a < 0.75 {
            let m = libmExpm1(-a)
            d = (0.5 - t) + (-m) / (2 + m) * (x < 0 ? -0.5 : 0.5)
        } else if x > 0 {
            d = t == 1 ? -small : (1 - t) - small  // −σ(−x) keeps its sign where it underflows
        } else {
            d = t == 0 ? small : small - t
        }
        switch kind {
        case .bceGradient: return d
        case .mse: return d * d
        default: return 2 * small / denominator * d
        }
    }
}
