// Double-double arithmetic: an unevaluated sum hi + lo of two Doubles with |lo| ≤ ulp(hi)/2,
// about 106 bits of significand. The working type of every Double kernel and of the kernels whose
// exact results cancel (gradients, MSE) in every format.
//
// Error-free transformations (exact while nothing overflows):
//   twoSum(a, b)     = (s, e) with s = fl(a + b), s + e = a + b           (Knuth, 6 flops)
//   fastTwoSum(a, b) = (s, e), the same when |a| ≥ |b| or a = 0           (Dekker, 3 flops)
//   twoProduct(a, b) = (p, e) with p = fl(a·b), p + e = a·b               (one fused multiply-add)
// Operations (u = 2⁻⁵³; bounds of Joldes, Muller & Popescu, "Tight and rigorous error bounds for
// basic building blocks of double-word arithmetic", ACM TOMS 2017):
//   DD + DD  ≤ 3u²   relative (the "accurate" sum, valid under cancellation)
//   DD + D   ≤ 2u²,  DD·D ≤ 2u²,  DD·DD ≤ 5u²,  DD/D ≤ 3u²,  DD/DD ≤ 10u²   relative
// An operation whose leading part overflows returns (±inf, 0) instead of a NaN low part, so that
// infinities propagate like Double's.

/// hi + lo, |lo| ≤ ulp(hi)/2 (normalized by every operation).
struct DoubleDouble: Sendable, Hashable {
    var hi: Double
    var lo: Double

    init(_ hi: Double, _ lo: Double) {
        self.hi = hi
        self.lo = lo
    }

    init(_ x: Double) {
        hi = x
        lo = 0
    }

    static let zero = DoubleDouble(0, 0)
    static let one = DoubleDouble(1, 0)

    var isFinite: Bool { hi.isFinite }
    var isZero: Bool { hi == 0 }

    static prefix func - (x: DoubleDouble) -> DoubleDouble { DoubleDouble(-x.hi, -x.lo) }

    /// x·2ⁿ, exact unless the result leaves the normal range.
    func scaled(by n: Int) -> DoubleDouble {
        DoubleDouble(Double(sign: .plus, exponent: n, significand: hi), Double(sign: .plus, exponent: n, significand: lo))
    }
}

// MARK: - Error-free transformations

@inline(__always)
func twoSum(_ a: Double, _ b: Double) -> (Double, Double) {
    let s = a + b
    let bb = s - a
    return (s, (a - (s - bb)) + (b - bb))
}

@inline(__always)
func fastTwoSum(_ a: Double, _ b: Double) -> (Double, Double) {
    let s = a + b
    return (s, b - (s - a))
}

@inline(__always)
func twoProduct(_ a: Double, _ b: Double) -> (Double, Double) {
    let p = a * b
    // Dekker's product: without an FMA instruction in the target (the default x86-64 baseline),
    // `addingProduct` is a library call, several times slower than these 17 flops.
    if a.magnitude < 0x1p995 && b.magnitude < 0x1p995 {
        let (ah, al) = split(a)
        let (bh, bl) = split(b)
        return (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }
    return (p, (-p).addingProduct(a, b))
}

/// a = hi + lo with hi holding the upper 26 bits (Veltkamp), exact for |a| < 2⁹⁹⁵.
@inline(__always)
func split(_ a: Double) -> (Double, Double) {
    let c = 134_217_729.0 * a  // 2²⁷ + 1
    let h = c - (c - a)
    return (h, a - h)
}

extension DoubleDouble {
    /// a − b exactly (two Doubles); on overflow (±inf, 0).
    ///
    /// TwoSum's intermediate s − a can overflow although s = fl(a − b) is finite: for
    /// a = 5.52·10³⁰⁷, b = 1.7976931348623157·10³⁰⁸, s − a rounds to −inf and the error term to
    /// NaN. The difference is then formed from the halves, 2·((a/2) − (b/2)): the error term of
    /// s is a multiple of ulp(s)/2 ≥ 2⁹⁷⁰, so such a and b are far above the subnormal range and
    /// halving and doubling are exact.
    static func difference(_ a: Double, _ b: Double) -> DoubleDouble {
        let (s, e) = twoSum(a, -b)
        if !s.isFinite { return DoubleDouble(s, 0) }
        if e.isFinite { return DoubleDouble(s, e) }
        let (h, l) = twoSum(a * 0.5, -b * 0.5)
        return DoubleDouble(h * 2, l * 2)
    }

    /// a·b exactly (two Doubles), unless it underflows.
    static func product(_ a: Double, _ b: Double) -> DoubleDouble {
        let (p, e) = twoProduct(a, b)
        return p.isFinite ? DoubleDouble(p, e) : DoubleDouble(p, 0)
    }

    static func normalized(_ s: Double, _ e: Double) -> DoubleDouble {
        let (h, l) = fastTwoSum(s, e)
        return h.isFinite ? DoubleDouble(h, l) : DoubleDouble(s.isFinite ? h : s, 0)
    }

    // MARK: Arithmetic

    static func + (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        let (s, e) = twoSum(a.hi, b.hi)
        guard s.isFinite else { return DoubleDouble(s, 0) }
        let (t, f) = twoSum(a.lo, b.lo)
        let (s1, e1) = fastTwoSum(s, e + t)
        return normalized(s1, e1 + f)
    }

    static func - (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { a + (-b) }

    /// a + b when a and b have the same sign or |b| ≤ |a|/4 (no cancellation): one TwoSum,
    /// ≤ 4u² relative (Horner steps of positive coefficients).
    static func sumWithoutCancellation(_ a: DoubleDouble, _ b: DoubleDouble) -> DoubleDouble {
        let (s, e) = twoSum(a.hi, b.hi)
        return normalized(s, e + (a.lo + b.lo))
    }

    static func + (a: DoubleDouble, b: Double) -> DoubleDouble {
        let (s, e) = twoSum(a.hi, b)
        guard s.isFinite else { return DoubleDouble(s, 0) }
        return normalized(s, e + a.lo)
    }

    static func - (a: DoubleDouble, b: Double) -> DoubleDouble { a + (-b) }

    static func * (a: DoubleDouble, b: Double) -> DoubleDouble {
        let (p, e) = twoProduct(a.hi, b)
        guard p.isFinite else { return DoubleDouble(p, 0) }
        return normalized(p, e + a.lo * b)
    }

    static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        let (p, e) = twoProduct(a.hi, b.hi)
        guard p.isFinite else { return DoubleDouble(p, 0) }
        let cross = a.hi * b.lo + a.lo * b.hi  // a.lo·b.lo < 2⁻¹⁰⁶·|p|: below the bound
        return normalized(p, e + cross)
    }

    static func / (a: DoubleDouble, b: Double) -> DoubleDouble {
        if a.hi.magnitude > 0x1p1000 { return (a.scaled(by: -4) / b).scaled(by: 4) }  // keep q·b finite
        if a.hi.magnitude < 0x1p-900 && a.hi != 0 { return (a.scaled(by: 300) / b).scaled(by: -300) }  // exact q·b
        let q = a.hi / b
        guard q.isFinite, q != 0 else { return DoubleDouble(q, 0) }
        // r = a − q·b exactly enough: (p, e) = q·b, then (a.hi − p) is exact (Sterbenz).
        let (p, e) = twoProduct(q, b)
        let r = ((a.hi - p) - e) + a.lo
        return normalized(q, r / b)
    }

    static func / (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        if a.hi.magnitude > 0x1p1000 { return (a.scaled(by: -4) / b).scaled(by: 4) }  // keep q·b finite
        let q1 = a.hi / b.hi
        guard q1.isFinite, q1 != 0 else { return DoubleDouble(q1, 0) }
        let r = a - b * q1
        let q2 = r.hi / b.hi
        let r2 = r - b * q2
        let q3 = r2.hi / b.hi
        let (h, l) = fastTwoSum(q1, q2)
        return normalized(h, l + q3)
    }

    /// The square, ≤ 5u² relative.
    var squared: DoubleDouble { self * self }
}

// MARK: - Rounding to a format

extension DoubleDouble {
    /// hi + lo rounded to odd at 53 bits (the truncation with its last bit set when inexact), so that a
    /// later rounding to ≤ 51 bits (Float, Float16) is the correct rounding of hi + lo: no double rounding.
    var roundedToOdd: Double {
        guard lo != 0, hi.isFinite else { return hi }
        var d = hi
        if (lo < 0) != (hi < 0) { d = hi < 0 ? d.nextUp : d.nextDown }  // truncate toward zero
        return Double(bitPattern: d.bitPattern | 1)
    }

    /// (hi + lo)·2ⁿ correctly rounded to Double, gradual underflow and overflow included.
    func roundedToDouble(scale n: Int) -> Double {
        guard hi.isFinite, hi != 0 else { return hi }
        if n == 0 && hi.magnitude >= Double.leastNormalMagnitude { return hi }
        let e = hi.exponent + n
        if e >= Double.leastNormalMagnitude.exponent {
            return Double(sign: .plus, exponent: n, significand: hi)  // exact or ±inf
        }
        if e < Double.leastNonzeroMagnitude.exponent - 2 { return hi < 0 ? -0.0 : 0 }
        // Subnormal: count units of 2⁻¹⁰⁷⁴ in |hi|; |hi|·2^(n+1074) < 2⁵² is exact.
        let negative = hi < 0
        let h = negative ? -hi : hi
        let l = negative ? -lo : lo
        let units = Double(sign: .plus, exponent: n + 1074, significand: h)
        let whole = units.rounded(.down)
        let excess = (units - whole) - 0.5  // exact: a multiple of ulp(units), or zero
        var k = whole
        if excess > 0 || (excess == 0 && (l > 0 || (l == 0 && whole.truncatingRemainder(dividingBy: 2) == 1))) {
            k += 1
        }
        let r = Double(sign: .plus, exponent: -1074, significand: k)
        return negative ? -r : r
    }
}
