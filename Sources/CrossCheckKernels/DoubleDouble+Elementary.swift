#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

// exp, expm1 and log1p for double-double arguments, accurate to about 2⁻¹⁰⁰ relative.
//
// exp(x) = 2ⁿ·2^{j/256}·(1 + expm1(r)),  N = round(256x/ln 2) = 256n + j,  r = x − N·(ln 2)/256
//   (ln 2)/256 is carried in three parts (32 + 53 + 53 bits), so N·L₁ is exact for |N| < 2²⁰ and
//   r is exact up to 2⁻¹⁴⁰ absolute; |r| ≤ (ln 2)/512 < 0.00136. The 256 values 2^{j/256} are
//   double-doubles computed once (by the slower squaring method below, ≤ 2⁻¹⁰⁰). The exponent n
//   is returned apart, so e^x never underflows: a probability 2⁻¹⁰⁹⁰ divided by a temperature
//   10⁻³ still rounds correctly.
// expm1(r), |r| < 0.00136: Taylor polynomial of degree 10 (truncation < 2⁻¹²⁰ relative), terms of
//   degree ≥ 6 in Double (each below 2⁻⁵⁶ relative), the rest in double-double; relative to
//   expm1 itself, so e^x − 1 for x = −10⁻³⁰⁰ keeps full accuracy. Larger |r| ≤ 0.75: via exp,
//   (2ⁿ·2^{j/256} − 1) + 2ⁿ·2^{j/256}·expm1(r), the first difference exact (Sterbenz).
// log1p(s), s ≥ 0: one Newton step from y₀ = log1p(s.hi) (libm, < 2 ulp): with E = e^{y₀} in
//   double-double, δ = ((1 + s) − E)/E is O(2⁻⁵²) and y = y₀ + δ − δ²/2 to 2⁻¹⁰⁰ relative. For
//   y₀ ≤ 0.7 the residual is formed as s − expm1(y₀), so tiny s keeps its relative accuracy.
enum DDConstants {
    /// (ln 2)/256 = L1 + L2 + L3 to 138 bits; L1 has 32 significant bits.
    static let ln2Over256Part1 = 0x1.62e42fee00000p-9
    static let ln2Over256Part2 = 0x1.a39ef35793c76p-41
    static let ln2Over256Part3 = 0x1.cc01f97b57a08p-95
    static let inverse = 0x1.71547652b82fep+8
    /// ln 2 in double-double.
    static let ln2 = DoubleDouble(0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56)
    /// 1/3!, 1/4!, 1/5! in double-double; 1/6! … 1/10! in Double.
    static let c3 = DoubleDouble(0x1.5555555555555p-3, 0x1.5555555555555p-57)
    static let c4 = DoubleDouble(0x1.5555555555555p-5, 0x1.5555555555555p-59)
    static let c5 = DoubleDouble(0x1.1111111111111p-7, 0x1.1111111111111p-63)
    static let c6 = 0x1.6c16c16c16c17p-10
    static let c7 = 0x1.a01a01a01a01ap-13
    static let c8 = 0x1.a01a01a01a01ap-16
    static let c9 = 0x1.71de3a556c734p-19
    static let c10 = 0x1.27e4fb7789f5cp-22
    /// 2^{j/256}, j = 0 … 255 (a pointer, not an array: no reference counting in the hot loop).
    nonisolated(unsafe) static let powersOfTwo: UnsafePointer<DoubleDouble> = {
        let table = UnsafeMutablePointer<DoubleDouble>.allocate(capacity: 256)
        for j in 0..<256 { (table + j).initialize(to: DoubleDouble.expm1BySquaring(ln2 * (Double(j) / 256)) + 1) }
        return UnsafePointer(table)
    }()
}

extension DoubleDouble {
    /// e^r − 1 for |r| < 0.00136 (Taylor, degree 10).
    static func expm1Small(_ r: DoubleDouble) -> DoubleDouble {
        let h = r.hi
        if h.magnitude < 0x1p-60 { return r + 0.5 * h * h }
        let tail = DDConstants.c6 + h * (DDConstants.c7 + h * (DDConstants.c8 + h * (DDConstants.c9 + h * DDConstants.c10)))
        // |r·p| < c/500 at each step: the sums cannot cancel.
        var p = DoubleDouble.sumWithoutCancellation(DDConstants.c5, DoubleDouble.product(h, tail))
        p = DoubleDouble.sumWithoutCancellation(DDConstants.c4, r * p)
        p = DoubleDouble.sumWithoutCancellation(DDConstants.c3, r * p)
        p = r * p + 0.5
        p = r * p + 1
        return r * p
    }

    /// e^x = (2^{j/256} scaled)·2ⁿ for |x| ≤ 1600: returns (2^{j/256}, 1 + expm1(r) − 1, n).
    static func expParts(_ x: DoubleDouble) -> (table: DoubleDouble, m: DoubleDouble, n: Int) {
        let big = (x.hi * DDConstants.inverse).rounded()
        let (a, b) = twoSum(x.hi, -big * DDConstants.ln2Over256Part1)  // big·L1 exact
        var r = DoubleDouble.normalized(a, b)
        r = r - DoubleDouble.product(big, DDConstants.ln2Over256Part2)
        r = r + x.lo
        r = r - big * DDConstants.ln2Over256Part3
        let k = Int(big)
        return (DDConstants.powersOfTwo[k & 255], expm1Small(r), k >> 8)
    }

    /// e^r − 1 for |r| ≤ 0.75, ≤ 2⁻¹⁰⁰ relative.
    static func expm1Core(_ r: DoubleDouble) -> DoubleDouble {
        if r.hi.magnitude < 0.00135 { return expm1Small(r) }
        let (table, m, n) = expParts(r)
        let t = table.scaled(by: n)
        return (t - 1) + t * m
    }

    /// e^x as mantissa·2ⁿ with mantissa ∈ [1, 2) (zero below e^{−1600}, inf above e^{1600}).
    static func expScaled(_ x: DoubleDouble) -> (mantissa: DoubleDouble, exponent: Int) {
        if x.hi.isNaN { return (DoubleDouble(.nan), 0) }
        if x.hi < -1600 { return (.zero, 0) }
        if x.hi > 1600 { return (DoubleDouble(.infinity), 0) }
        let (table, m, n) = expParts(x)
        return (table + table * m, n)
    }

    /// e^r − 1 for |r| ≤ 0.75 by ten squarings of a Taylor polynomial at r/2¹⁰ (slow: it only
    /// builds the table 2^{j/256}): m ← m·(m + 2) is (1 + m)² − 1, ≤ 6u² relative per step.
    static func expm1BySquaring(_ r: DoubleDouble) -> DoubleDouble {
        if r.hi.magnitude < 0x1p-60 { return r + 0.5 * r.hi * r.hi }
        var m = expm1Small(r.scaled(by: -10))
        for _ in 0..<10 { m = m * (m + 2) }
        return m
    }

    /// log(1 + s) for s ≥ 0, ≤ 2⁻¹⁰⁰ relative.
    static func log1p(_ s: DoubleDouble) -> DoubleDouble {
        if s.hi == 0 || !s.hi.isFinite { return s }
        if s.hi < 0x1p-60 { return s - 0.5 * s.hi * s.hi }
        let y0 = libmLog1p(s.hi)
        let residual: DoubleDouble, e: Double
        if y0 <= 0.7 {
            let m = expm1Core(DoubleDouble(y0))
            residual = s - m
            e = 1 + m.hi
        } else {
            let (mantissa, n) = expScaled(DoubleDouble(y0))
            let big = mantissa.scaled(by: n)
            residual = (s + 1) - big
            e = big.hi
        }
        let delta = residual.hi / e
        return DoubleDouble(y0) + (delta - 0.5 * delta * delta)
    }
}

@inline(__always) func libmExp(_ x: Double) -> Double { exp(x) }
@inline(__always) func libmExpm1(_ x: Double) -> Double { expm1(x) }
@inline(__always) func libmLog1p(_ x: Double) -> Double { log1p(x) }
