import ArbitraryPrecision
import CrossCheckCore
import Foundation

/// A first evaluation of the elementwise functions in binary64 with a rigorous absolute error
/// bound B, for binary16, bfloat16 and binary32 results: when both ends of [v − B, v + B] (clipped at 0 on
/// the side the exact result's sign excludes) round to the same value of the format, that value is
/// the correctly rounded result; otherwise — about once in 2²⁶ outputs, next to a rounding
/// boundary, and at the exact zero σ(0) − ½ — the caller falls back to MPFR (`ElementwiseReference`).
///
/// Formulas (those of `ElementwiseReference`), with a = |x|, E = e^{−a}, M = e^{−a} − 1:
///   σ(a)  = 1/(1 + E),  σ(−a) = E/(1 + E)
///   σ − t = (½ − t) ± ½·(−M/(2 + M))  for a < ¾ (½tanh(x/2); exact-ratio form, no cancellation)
///         = (1 − t) − σ(−x)  for x ≥ ¾,   σ(x) − t  for x ≤ −¾
///   bce   = ℓ + log1p(E),  ℓ = x − t·x (x ≥ 0) or −t·x (x < 0);   mse = (σ − t)²;
///   mse′  = 2(σ − t)·σ(x)·σ(−x)
///
/// Error analysis. u = 2⁻⁵³ (a rounding of binary64); λ = 2⁻⁵¹ bounds the relative error of the
/// C library's exp, expm1 and log1p (2 ulps: glibc documents at most 1 ulp for them on x86-64;
/// `FirstEvaluation` assumes the same). x and t are values of the format (`Problem.validate`),
/// t ∈ [0, 1]. Results that underflow binary64 add absolute errors of at
/// most a few units of 2⁻¹⁰⁷⁴, covered by the final 2⁻¹⁰⁶⁰. −a, t·x (at most 24 + 24 bits, ≥ 2⁻²⁹⁸)
/// and the halvings are exact. Relative errors ρ below (first-order sums of the δᵢ; the products
/// Π(1 + δᵢ) − 1 they stand for exceed the sums by a factor ≤ 1 + Σδᵢ < 1.0001, covered by the
/// final 1 % inflation):
/// - Ê = E(1 + δ), |δ| ≤ λ;  1 + Ê rounded: ρ ≤ λ·E/(1 + E) + u ≤ λ + u
/// - σ(a) = 1/(1 + Ê): ρ_big ≤ λ + 2u;  σ(−a) = Ê/(1 + Ê): ρ_small ≤ 2λ + 2u
/// - −M/(2 + M̂): M̂ has λ; 2 + M̂ has λ·|M|/(2 + M) + u ≤ λ + u (|M| < ½); the quotient 2λ + 2u
/// - log1p(Ê): the perturbation of E moves log1p by E·δ/(1 + E) ≤ λ·log1p(E) (log1p(E) ≥ E/(1 + E)),
///   and the library adds λ: ρ ≤ 2λ
/// Absolute bounds of the results (v the computed value):
/// - σ: ρ·v
/// - σ − t: B_d = ρ·|term| + u·|½ − t| or u·|1 − t| (the constant, exact for t ∈ {0, ½, 1} but not
///   for every target) + u·|v|
/// - bce: u·|ℓ| (x ≥ 0 only; −t·x is exact) + 2λ·log1p(Ê) + u·|v|
/// - mse: |d² − d̂²| ≤ B_d(2|d̂| + B_d), plus u·v
/// - mse′: 2σ̂σ̂ₙ·(B_d + |d̂|(ρ_big + ρ_small + 2u)) + u·|v|
/// Every bound is then inflated by 1 % and 2⁻¹⁰⁶⁰. The sign of the exact result is known for σ
/// (> 0), bce (> 0 for 0 ≤ t ≤ 1), and — when |d̂| > B_d, or when the constant ½ − t, 1 − t or −t is
/// exactly 0 (then σ − t is ± a σ or tanh term: nonzero for x ≠ 0, even where it underflows) — for
/// σ − t, mse (> 0) and mse′ (that of σ − t); the interval is clipped at that zero, so that a
/// result far below the format's least subnormal rounds to the zero of the right sign without MPFR.
/// At t = ½ and 0 < |x| < 2⁻³⁰ the sign of the Taylor remainder decides instead
/// (`leadingTermAtHalf`).
enum ElementwiseFirstEvaluation {
    static let u = 0x1p-53, libm = 0x1p-51, tiny = 0x1p-1060

    /// True for the formats this path decides: results of at most 24 bits in binary32's exponent
    /// range or a narrower one (binary16, bfloat16, binary32), whose rounding boundaries are all
    /// Doubles far above binary64's underflow.
    static func applies(to format: FloatFormat) -> Bool { format == .float16 || format == .bfloat16 || format == .float32 }

    /// The correctly rounded value of `function` at a finite x (target t), or nil when the first
    /// evaluation cannot decide it.
    @inline(__always)
    static func value(_ function: SoftmaxFunction, x: Double, t: Double, format: FloatFormat) -> Double? {
        if t == 0.5 && x != 0 && x.magnitude < 0x1p-30, let v = leadingTermAtHalf(function, x) {
            // |result| is below |v| by less than 2⁻⁶¹|v|: it lies strictly between v and its Double
            // neighbour toward 0, w, where no rounding boundary lies (boundaries are Doubles). When
            // v and w round alike so does everything between; else one of them is a boundary.
            let w = v > 0 ? v.nextDown : v.nextUp
            let r = format.rounded(v)
            return r.bitPattern == format.rounded(w).bitPattern ? r : roundJustInside(MPFloat(v), above: v < 0, format)
        }
        let (v, bound, sign) = evaluate(function, x: x, t: t)
        return decide(v, bound * 1.01 + tiny, sign: sign, format)
    }

    /// v, its absolute error bound and the exact result's sign (0 when unknown).
    @inline(__always)
    static func evaluate(_ function: SoftmaxFunction, x: Double, t: Double) -> (v: Double, bound: Double, sign: Int) {
        let a = x.magnitude
        let e = Foundation.exp(-a)
        let denominator = 1 + e
        let big = 1 / denominator, small = e / denominator
        let rhoBig = libm + 2 * u, rhoSmall = 2 * libm + 2 * u
        switch function {
        case .sigmoid:
            return x >= 0 ? (big, rhoBig * big, 1) : (small, rhoSmall * small, 1)
        case .bceWithLogits:
            let log1pE = Foundation.log1p(e)
            let linear = x >= 0 ? x - t * x : -(t * x)
            let v = linear + log1pE
            let bound = (x >= 0 ? u * linear.magnitude : 0) + 2 * libm * log1pE + u * v.magnitude
            return (v, bound, t >= 0 && t <= 1 ? 1 : 0)
        default:
            break
        }
        // σ − t = constant + term: its sign is that of d̂ when |d̂| exceeds the bound, and that of
        // the (nonzero) term when the constant is exactly 0 — also when the term underflowed.
        let d: Double, boundD: Double, constant: Double, termSign: Int
        if a < 0.75 {
            let m = Foundation.expm1(-a)
            let half = -m / (2 + m) * (x < 0 ? -0.5 : 0.5)
            constant = 0.5 - t
            termSign = x > 0 ? 1 : x < 0 ? -1 : 0
            d = constant + half
            boundD = (2 * libm + 2 * u) * half.magnitude + u * constant.magnitude + u * d.magnitude
        } else if x > 0 {
            constant = 1 - t
            termSign = -1
            d = constant - small
            boundD = rhoSmall * small + u * constant.magnitude + u * d.magnitude
        } else {
            constant = -t
            termSign = 1
            d = small - t
            boundD = rhoSmall * small + u * d.magnitude
        }
        let signD = d.magnitude > boundD * 1.01 + tiny ? (d > 0 ? 1 : -1) : constant == 0 ? termSign : 0
        switch function {
        case .bceWithLogitsGrad:
            return (d, boundD, signD)
        case .mseSigmoid:
            let v = d * d
            return (v, boundD * (2 * d.magnitude + boundD) + u * v, signD == 0 ? 0 : 1)
        default:  // mse_sigmoid_grad
            let product = 2 * big * small
            let v = product * d
            let bound = product * (boundD + d.magnitude * (rhoBig + rhoSmall + 2 * u)) + u * v.magnitude
            return (v, bound, signD)
        }
    }

    /// At t = ½ and 0 < |x| < 2⁻³⁰: the leading term v, exact in Double, of σ − ½ = ½tanh(x/2)
    /// (x/4), (σ − ½)² (x²/16) and 2(σ − ½)σ(x)σ(−x) = ½tanh(x/2)·½sech²(x/2) (x/8). With y = x/2,
    /// y − y³/3 ≤ tanh y < y and 1 − y² ≤ sech² y < 1 (y > 0; odd in y), so each result lies
    /// strictly between v·(1 − x²/2) and v, toward 0: within 2⁻⁶¹|v|, less than half an ulp of v.
    /// x/4 of a Float subnormal is a Float midpoint exactly for a quarter of them: binary64 alone
    /// cannot round those, and MPFR needs ~300 bits. nil for the other functions.
    static func leadingTermAtHalf(_ function: SoftmaxFunction, _ x: Double) -> Double? {
        switch function {
        case .bceWithLogitsGrad: return x / 4
        case .mseSigmoid: return x * x / 16  // x² exact: at most 48 bits, ≥ 2⁻²⁹⁸
        case .mseSigmoidGrad: return x / 8
        default: return nil
        }
    }

    /// The common rounding of every point of [v − b, v + b] (clipped at 0 by a known sign), or nil.
    @inline(__always)
    static func decide(_ v: Double, _ b: Double, sign: Int, _ format: FloatFormat) -> Double? {
        guard v.isFinite, b.isFinite else { return nil }
        var lo = v - b, hi = v + b
        if sign > 0 && lo <= 0 { lo = 0 }
        if sign < 0 && hi >= 0 { hi = -0.0 }
        let down = format.rounded(lo), up = format.rounded(hi)
        return down.bitPattern == up.bitPattern ? down : nil
    }
}
