// Correctly rounded elementwise functions of Float, the way correctly rounded libms work
// (CORE-MATH, Ziv): a fast evaluation in Double with a proven relative error bound, a cheap test
// that its rounding to Float is decided, and a more accurate slow path for the rare rest.
//
// Fast path (u = 2⁻⁵³; λ = 2⁻⁵¹ for the C library's exp, expm1 and log1p, 2 ulps, as in the
// reference's first evaluation). With E = e^{−|x|} (−|x| exact), Ê = E(1 + δ), |δ| ≤ λ, relative
// errors in units of 2⁻⁴⁹ (λ = 0.25, u = 0.0625; first-order sums, the products they stand for
// differ by a factor below 1 + 2⁻⁴⁵):
//   σ(|x|) = 1/(1 + Ê)  ≤ λ + 2u = 0.375;   σ(−|x|) = Ê/(1 + Ê)  ≤ 2λ + 2u = 0.625
//   bce = ℓ + log1p(Ê), ℓ = x − t·x (x ≥ 0) or −t·x (x < 0): t·x is exact (24 + 24 bits), ℓ ≥ 0
//     and log1p(Ê) > 0 for t ∈ [0, 1], so the absolute error u·ℓ + 2λ·log1p(Ê) + u·v is at most
//     0.625·v (log1p(E(1 + δ)) moves by ≤ λ·log1p(E) since log1p(E) ≥ E/(1 + E))
//   σ − t, only for t ∈ {0, ½, 1} (other targets take the slow path): (½ − t) ± ½·(−M/(2 + M))
//     for |x| < ¾, M = expm1(−|x|) (the quotient ≤ 2λ + 2u), else (1 − t) − σ(−x) or σ(x) − t.
//     The worst cancellation is ½ − σ(−x) at x = ¾: σ(−¾) < 0.3208, a factor 0.3208/0.1792 < 1.8
//     on 0.625, plus u: ≤ 1.18. For t = 0 or 1 the constant is 0 (exactly ∓σ, no cancellation) or
//     the sum has one sign.
//   (σ − t)²  ≤ 2·1.18 + u = 2.43;   2σ(−|x|)/(1 + Ê)·(σ − t)  ≤ 0.625 + 0.0625·3 + 1.18 + … ≤ 2.43
// So v has relative error below 2.5·2⁻⁴⁹ < 2⁻⁴⁷·⁶. For v in [2ᵉ, 2ᵉ⁺¹) that is below
// 2.5·2^(e−48) = 40 ulps of v (ulp 2^(e−52)). Round to nearest can differ between v and the exact
// value only if a rounding boundary of Float — a midpoint between two Floats — lies between them.
// In a binade of Float's normal range the midpoints are the Doubles whose 29 low significand bits
// are 1 followed by 28 zeros, so
//   |low29(v) − 2²⁸| > 64  ⇒  Float(v) is the correctly rounded result
// (a margin of 1.6 over the bound). Below Float's least normal 2⁻¹²⁶ (subnormal and zero results)
// the grid is coarser than the significand bits show; there the two ends v(1 ∓ 2⁻⁴⁶) are rounded
// and must agree (rounding is monotone). About 2⁻²² of the inputs fail the test: about a
// thousand of the 2³² Floats per function.
//
// Slow path: the double-double kernel (`ElementwiseKernel<Float, DoubleDouble>`), ≈ 2⁻¹⁰⁰ relative,
// rounded once through round-to-odd. It decides every Float input whose exact result is not within
// 2⁻¹⁰⁰ relative of a midpoint; the exhaustive sweep (`crosscheck audit --exhaustive`, see
// Docs/EXHAUSTIVE.md) checks all 2³² inputs against the MPFR reference.
//
// In the slow path σ − t, (σ − t)² and 2(σ − t)σ(x)σ(−x) run in double-double (they cancel) and
// are rounded once the same way — except at t = ½ for 0 < |x| < 2⁻³⁰. There the exact results are
//   σ − ½ = ½tanh(x/2) = x/4 − x³/48 + O(x⁵),   (σ − ½)² = x²/16 − x⁴/96 + O(x⁶),
//   2(σ − ½)σ(x)σ(−x) = (x/4 − x³/48)·½sech²(x/2) = x/8 − x³/24 + O(x⁵),
// a leading term exact in Double (x/4 of a Float subnormal can be a Float midpoint exactly) minus
// a correction 2⁶⁰ times smaller, which the double-double kernel cannot see (it is below 2⁻¹⁰⁶ of
// the result): its rounding of the midpoint was a coin toss. Leading term and correction as the two
// words of a double-double (the neglected terms are below 2⁻¹²⁰ relative), rounded through
// round-to-odd, round correctly.

/// The elementwise functions of Float, correctly rounded (see the file comment).
enum CorrectlyRoundedFloatElementwise {
    /// The correctly rounded `kind` at x with target t ∈ [0, 1].
    @inline(__always)
    static func evaluate(_ kind: ElementwiseKind, _ x: Float, _ t: Float) -> Float {
        let xd = Double(x), td = Double(t)
        if xd.isFinite && (!kind.isPrecise || td == 0 || td == 0.5 || td == 1) {
            let v = binary64(kind, xd, td)
            if isRoundingDecided(v) { return Float(v) }
        }
        return kind.isPrecise ? cancelling(kind, x, t) : ElementwiseKernel<Float, DoubleDouble>.evaluate(kind, x, t)
    }

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

    /// σ − t, (σ − t)² or 2(σ − t)σ(x)σ(−x): the double-double kernel, or the series near 0 at t = ½.
    static func cancelling(_ kind: ElementwiseKind, _ x: Float, _ t: Float) -> Float {
        let xd = Double(x)
        guard t == 0.5 && xd.magnitude < 0x1p-30 && xd != 0 else {
            return ElementwiseKernel<Float, DoubleDouble>.evaluate(kind, x, t)
        }
        let square = xd * xd  // exact: 48 bits, ≥ 2⁻²⁹⁸
        let series: DoubleDouble
        switch kind {
        case .bceGradient: series = .normalized(xd / 4, -(square * xd) / 48)
        case .mse: series = .normalized(square / 16, -(square * square) / 96)
        default: series = .normalized(xd / 8, -(square * xd) / 24)
        }
        return Float(series.roundedToOdd)
    }

    /// True when every value within relative 2⁻⁴⁶ of v rounds to Float(v).
    @inline(__always)
    static func isRoundingDecided(_ v: Double) -> Bool {
        if v.magnitude >= 0x1p-126 {
            let low = Int(truncatingIfNeeded: v.bitPattern & 0x1FFF_FFFF)
            return (low - 0x1000_0000).magnitude > 64
        }
        return Float(v * (1 - 0x1p-46)).bitPattern == Float(v * (1 + 0x1p-46)).bitPattern
    }
}
