#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// exp, expm1 and log1p in Extended192, and its conformance to `WorkingArithmetic`: the retry of
// the binary64 kernels runs the same generic kernels in this type. Speed is secondary (the retry
// is rare): plain Taylor series, no tables. ε = 2⁻¹⁸⁹ bounds one operation (Extended192.swift).
//
// exp(x) = 2ⁿ·e^r,  n = round(x/ln 2),  r = x − n·ln 2,  |r| ≤ 0.347 (+ tiny), |x| < 2¹²:
//   ln 2 is the constant below, truncated to 192 bits (error < 2⁻¹⁹³); |n| < 2¹³, so n·ln 2 has
//   absolute error < 2¹³·2⁻¹⁹³ + 2¹²·ε < 2⁻¹⁷⁷ and r one more ε: e^r then has relative error
//   < 2⁻¹⁷⁶ from r. e^r = Σ_{k≤38} rᵏ/k! by Horner: truncation < 0.347³⁹/39! < 2⁻²⁰⁰; the
//   coefficients 1/k! are computed once by k divisions (relative error < k·2⁻¹⁹¹ < 2⁻¹⁸⁴);
//   Horner with |r| < 0.35 adds ≤ 2ε per step to partial sums that stay within a factor 1.5 of
//   each other: < 120ε < 2⁻¹⁸². In all e^x ≤ 2⁻¹⁷⁵ relative, as mantissa·2ⁿ: it never
//   underflows (0 below e^{−4096}, +inf above e^{4096}, as ExtendedDoubleDouble).
// expm1(x), |x| ≤ 0.75: x·Σ_{k≤45} xᵏ/(k+1)!, truncation < 0.75⁴⁶/47! < 2⁻²¹⁰; the sum is at least
//   (1 − e^{−0.75})/0.75 > 0.7 and its Horner steps add < 2⁻¹⁸⁰ in all: ≤ 2⁻¹⁷⁹ relative to expm1
//   itself (x + x²/2 below 2⁻²⁰⁰, where the next term is < 2⁻⁴⁰⁰ relative).
// log1p(s), s ≥ 0: three Newton steps y ← y + (s − expm1(y))/(1 + expm1(y)) from the C library's
//   log1p (≤ 2⁻⁵¹ relative): the error squares each step (2⁻¹⁰³, 2⁻²⁰⁷, …), the residual s − expm1(y)
//   is formed with absolute error < 2⁻¹⁷⁵·max(s, 1), so y is within 2⁻¹⁷³ relative (y ≥ s/2.2 for
//   s ≤ 1.2, y > 0.75 beyond). Below s = 2⁻⁷⁰: s − s²/2 + s³/3 (next term < 2⁻²¹⁰ relative).
extension Extended192 {
    /// ln 2 truncated to 192 bits: 0x0.B17217F7D1CF79AB C9E3B39803F2F6AF 40F343267298B62D…
    /// (checked against MPFR in Extended192Tests).
    static let ln2: Extended192 = {
        var v = Extended192(0.5)
        v.high = 0xB172_17F7_D1CF_79AB
        v.middle = 0xC9E3_B398_03F2_F6AF
        v.low = 0x40F3_4326_7298_B62D
        return v
    }()

    /// 1/k! for k = 0 … 47.
    static let inverseFactorials: [Extended192] = {
        var table = [Extended192.one]
        for k in 1...47 { table.append(table[k - 1] / Double(k)) }
        return table
    }()

    /// e^x as a value with its own exponent (≤ 2⁻¹⁷⁵ relative; 0 below e^{−4096}).
    static func expExtended(_ x: Extended192) -> Extended192 {
        switch x.kind {
        case .nan: return x
        case .zero: return .one
        case .infinity: return x.negative ? .zero : x
        case .finite: break
        }
        if x.exponent >= 12 { return x.negative ? .zero : Extended192(Double.infinity) }
        if x.exponent < -200 { return x + 1 }
        let n = (x.leading * 0x1.71547652b82fep0).rounded()  // x/ln 2
        let r = x - ln2 * n
        var sum = inverseFactorials[38]
        for k in stride(from: 37, through: 0, by: -1) { sum = sum * r + inverseFactorials[k] }
        return sum.scaled(by: Int(n))
    }

    /// e^x − 1 for |x| ≤ 0.75, ≤ 2⁻¹⁷⁹ relative to itself (beyond, e^x − 1).
    static func expm1Extended(_ x: Extended192) -> Extended192 {
        guard x.kind == .finite else { return x.kind == .infinity ? expExtended(x) - 1 : x }
        if x.leading.magnitude > 0.75 { return expExtended(x) - 1 }
        if x.exponent < -200 { return x + x * x * 0.5 }
        var sum = inverseFactorials[46]
        for k in stride(from: 44, through: 0, by: -1) { sum = sum * x + inverseFactorials[k + 1] }
        return x * sum
    }

    /// log(1 + s) for s ≥ 0, ≤ 2⁻¹⁷³ relative.
    static func log1pExtended(_ s: Extended192) -> Extended192 {
        guard s.kind == .finite else { return s }
        if s.exponent < -70 { return s - s * s * 0.5 + s * s * s / 3 }
        var y = Extended192(libmLog1p(s.leading))
        for _ in 0..<3 {
            let m = expm1Extended(y)
            y = y + (s - m) / (m + 1)
        }
        return y
    }
}

extension Extended192: WorkingArithmetic {
    static let zero = Extended192(0.0)
    static let one = Extended192(1.0)
    static var tracksExponent: Bool { false }
    var isZero: Bool { kind == .zero }
    var binade: Int { kind == .finite ? exponent : kind == .zero ? Binade.zero : Binade.infinite }

    static func difference(_ a: Double, _ b: Double) -> Extended192 { Extended192(a) - Extended192(b) }
    static func product(_ a: Double, _ b: Double) -> Extended192 { Extended192(a) * Extended192(b) }
    static func exp(_ x: Extended192) -> Scaled<Extended192> { Scaled(expExtended(x)) }
    static func expm1Near(_ x: Extended192) -> Extended192 { expm1Extended(x) }
    static func log1p(_ x: Extended192) -> Extended192 { log1pExtended(x) }

    func rounded<T: KernelScalar>(to: T.Type, scale n: Int) -> T {
        T(roundedToDouble(scale: n, toOdd: T.floatFormat != .float64))
    }
}
