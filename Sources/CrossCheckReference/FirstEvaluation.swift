import CrossCheckCore
import Foundation

/// A cheap first evaluation in binary64 with a rigorous error bound, for results in any output
/// format narrower than binary64 (binary16, binary32, bfloat16, the FP8 formats; mixed precision
/// too — inputs of any format are exact Doubles, and only the output format's rounding is tested): when both ends of [v − B, v + B] round to the same value of the format, that value is
/// the correctly rounded result and MPFR is not needed; otherwise (about once in 10⁷ outputs,
/// near a rounding boundary) the caller falls back to the MPFR evaluation.
///
/// The error analysis, with u = 2⁻⁵³ and the C library's exp, log1p within 2 ulps (relative 2⁻⁵¹;
/// glibc documents at most 1 ulp for these on x86-64):
/// - dᵢ = (zᵢ − max)/T is formed with two roundings: |d̂ᵢ − dᵢ| ≤ |dᵢ|·2u(1 + u); hence
///   êᵢ = exp(d̂ᵢ)(1 + δ) has relative error ρᵢ ≤ expm1(|d̂ᵢ|·2.0001u) + 2⁻⁵¹; an exponential that
///   underflows to 0 (d̂ᵢ < −745, so dᵢ < −745 too) has instead an absolute error below 2⁻¹⁰⁷⁴.
///   At the maximum dᵢ = 0 and êᵢ = 1 exactly. Any bound that is not finite sends the problem to MPFR.
/// - s = Σ_{j≠k} eⱼ (k the first maximum) by recursive summation: |ŝ − s| ≤ E_s = Σ êⱼρⱼ + γ_{n}ŝ + n·2⁻¹⁰⁷⁴,
///   S = 1 + s, |Ŝ − S| ≤ E_S = E_s + uŜ.
/// - pᵢ = eᵢ/S:               |p̂ᵢ − pᵢ| ≤ p̂ᵢ(ρᵢ + E_S/(Ŝ − E_S) + u) + 2⁻¹⁰⁷⁰
/// - log S = log1p(s):        |L̂ − L| ≤ E_s/(1 + ŝ − E_s) + 2⁻⁵¹L̂
/// - log_softmaxᵢ = dᵢ − L:   |d̂ᵢ − dᵢ| + |L̂ − L| + u|result|
/// - LSE = max/T + L:         u|max/T| + |L̂ − L| + u|result|
/// Every bound is then inflated by 1 % and 2⁻¹⁰⁷⁰ to cover the rounding of the bound itself.
enum FirstEvaluation {
    /// The correctly rounded answer, or nil when this path does not apply or cannot decide.
    static func answer(_ p: Problem) -> Answer? {
        let output = p.outputFormat
        guard output != .float64, p.logits.allSatisfy(\.isFinite), p.logits.count <= 1 << 20 else { return nil }
        switch p.function {
        case .softmax, .logSoftmax, .logsumexp: break
        default: return nil
        }
        let z = p.logits, T = p.temperature, n = z.count
        let u = 0x1p-53, libm = 0x1p-51, tiny = 0x1p-1070
        var k = 0
        for i in 1..<n where z[i] > z[k] { k = i }
        let top = z[k]
        var d = [Double](repeating: 0, count: n)
        var e = [Double](repeating: 0, count: n)
        var rho = [Double](repeating: 0, count: n)
        var s = 0.0, weightedError = 0.0
        for i in 0..<n {
            let di = (z[i] - top) / T
            d[i] = di
            if i == k { e[i] = 1; continue }
            let ei = Foundation.exp(di)
            // An exponential that underflowed to 0 has only its absolute error (d < −745 for sure).
            let r = ei == 0 ? 0 : expm1(abs(di) * 2.0001 * u) + libm
            e[i] = ei
            rho[i] = r
            s += ei
            weightedError += ei * r
        }
        let gamma = Double(n) * u / (1 - Double(n) * u)
        let errorS = (weightedError + gamma * s + Double(n) * 0x1p-1074) * 1.01 + tiny
        let S = 1 + s
        let errorBigS = errorS + u * S
        let L = log1p(s)
        let errorL = (errorS / max(1 + s - errorS, 0.5) + libm * L) * 1.01 + tiny

        func decide(_ v: Double, _ bound: Double) -> Double? {
            let b = bound * 1.01 + tiny
            guard v.isFinite, b.isFinite else { return nil }
            let lo = output.rounded(v - b), hi = output.rounded(v + b)
            return lo.bitPattern == hi.bitPattern ? lo : nil
        }

        switch p.function {
        case .logsumexp:
            let m = top / T
            let v = m + L
            guard let r = decide(v, u * abs(m) + errorL + u * abs(v)) else { return nil }
            return .scalar(r)
        case .softmax:
            var out = [Double](repeating: 0, count: n)
            let relativeS = errorBigS / (S - errorBigS)
            for i in 0..<n {
                let v = e[i] / S
                guard let r = decide(v, v * (rho[i] + relativeS + u)) else { return nil }
                out[i] = r
            }
            return .vector(out)
        default:  // log_softmax
            var out = [Double](repeating: 0, count: n)
            for i in 0..<n {
                let v = d[i] - L
                guard let r = decide(v, abs(d[i]) * 2.0001 * u + errorL + u * abs(v)) else { return nil }
                out[i] = r
            }
            return .vector(out)
        }
    }
}
