// A binary floating-point number with a 192-bit significand and an Int exponent: the working
// arithmetic of the binary64 retry (Ziv's strategy, see `WorkingArithmetic.hasCancelled`).
//
// Why not a third Double word: a triple-double's error bounds under cancellation depend on
// renormalization algorithms whose proofs are long; an integer significand has one error source
// per +, −, × (the final truncation), and its exponent is unbounded (binary64 logits can be
// subnormal and their differences far below Double's range), so no extended-range wrapper is
// needed on top.
//
// A finite nonzero value is (−1)^negative · s · 2^(exponent − 191) with the integer
// s = high·2¹²⁸ + middle·2⁶⁴ + low ∈ [2¹⁹¹, 2¹⁹²), so |value| ∈ [2^exponent, 2^(exponent+1)).
// Zero (signed), ±infinity and NaN are kinds of their own. +, − and × form the exact result (or
// one within 2⁻³⁸² relative of it) in 384 bits and truncate it to 192; ÷ multiplies by a
// reciprocal:
//   +, −     relative error < 2⁻¹⁹¹ of the result, cancellation included (the operands are aligned
//            in 384 bits: what a shift beyond them drops is < 2⁻³⁸² of the larger operand, and a
//            shift by more than one bit leaves a result above half of it)
//   ×        relative error < 2⁻¹⁹¹ (the exact 384-bit product, truncated)
//   ÷        relative error < 2⁻¹⁸⁹ (Newton's iteration for the reciprocal, one correction)
// Operations with Doubles convert them first (exactly). Let ε = 2⁻¹⁸⁹ bound each operation.

/// A finite value's significand and the exact results of operations on significands: 384 bits as
/// six limbs, least significant first.
struct Limbs384: Sendable {
    private var storage = InlineArray<6, UInt64>(repeating: 0)

    init() {}

    /// A 192-bit significand in the top three limbs.
    init(_ high: UInt64, _ middle: UInt64, _ low: UInt64) {
        self[5] = high
        self[4] = middle
        self[3] = low
    }

    subscript(i: Int) -> UInt64 {
        get { storage[i] }
        set { storage[i] = newValue }
    }

    var isZero: Bool { (0..<6).allSatisfy { self[$0] == 0 } }

    var leadingZeroBitCount: Int {
        for i in stride(from: 5, through: 0, by: -1) where self[i] != 0 { return (5 - i) * 64 + self[i].leadingZeroBitCount }
        return 384
    }

    /// Adds v·2^(64i), carrying upward (a carry out of the top limb is dropped: callers keep room).
    mutating func add(_ v: UInt64, at i: Int) {
        var carry = v, j = i
        while carry != 0 && j < 6 {
            let (s, o) = self[j].addingReportingOverflow(carry)
            self[j] = s
            carry = o ? 1 : 0
            j += 1
        }
    }

    /// self + other and the carry out of the top limb.
    func adding(_ other: Limbs384) -> (sum: Limbs384, carry: Bool) {
        var r = Limbs384(), carry = false
        for i in 0..<6 {
            let (s1, c1) = self[i].addingReportingOverflow(other[i])
            let (s2, c2) = s1.addingReportingOverflow(carry ? 1 : 0)
            r[i] = s2
            carry = c1 || c2
        }
        return (r, carry)
    }

    /// self − other, for self ≥ other.
    func subtracting(_ other: Limbs384) -> Limbs384 {
        var r = Limbs384(), borrow = false
        for i in 0..<6 {
            let (d1, b1) = self[i].subtractingReportingOverflow(other[i])
            let (d2, b2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
            r[i] = d2
            borrow = b1 || b2
        }
        return r
    }

    /// self·2⁻ⁿ, the bits shifted out dropped (n ≥ 0).
    func shiftedRight(_ n: Int) -> Limbs384 {
        if n == 0 { return self }
        var r = Limbs384()
        if n >= 384 { return r }
        let limbs = n / 64, bits = UInt64(n % 64)
        for i in 0..<(6 - limbs) {
            let lower = self[i + limbs] >> bits
            let upper = bits == 0 || i + limbs + 1 > 5 ? 0 : self[i + limbs + 1] << (64 - bits)
            r[i] = lower | upper
        }
        return r
    }

    /// self·2ⁿ, the bits shifted out of the top dropped (n ≥ 0).
    func shiftedLeft(_ n: Int) -> Limbs384 {
        if n == 0 { return self }
        var r = Limbs384()
        if n >= 384 { return r }
        let limbs = n / 64, bits = UInt64(n % 64)
        for i in limbs..<6 {
            let upper = self[i - limbs] << bits
            let lower = bits == 0 || i - limbs - 1 < 0 ? 0 : self[i - limbs - 1] >> (64 - bits)
            r[i] = upper | lower
        }
        return r
    }
}

/// ±s·2^(exponent − 191), s a 192-bit significand with its top bit set; see the file comment.
struct Extended192: Sendable {
    enum Kind: UInt8, Sendable { case finite, zero, infinity, nan }

    var kind: Kind
    var negative: Bool
    /// |value| ∈ [2^exponent, 2^(exponent+1)) for a finite value.
    var exponent: Int
    var high: UInt64
    var middle: UInt64
    var low: UInt64

    private init(kind: Kind, negative: Bool) {
        self.kind = kind
        self.negative = negative
        exponent = 0
        high = 0
        middle = 0
        low = 0
    }

    /// The value L·2^(e − 383) for a 384-bit integer L, truncated to 192 bits (error < 2⁻¹⁹¹).
    init(negative: Bool, limbs: Limbs384, exponent e: Int) {
        let shift = limbs.leadingZeroBitCount
        guard shift < 384 else {
            self.init(kind: .zero, negative: false)
            return
        }
        let l = limbs.shiftedLeft(shift)
        self.init(kind: .finite, negative: negative)
        exponent = e - shift
        high = l[5]
        middle = l[4]
        low = l[3]
    }

    /// x exactly.
    init(_ x: Double) {
        if x.isNaN { self.init(kind: .nan, negative: false); return }
        if x.isInfinite { self.init(kind: .infinity, negative: x < 0); return }
        if x == 0 { self.init(kind: .zero, negative: x.sign == .minus); return }
        let bits = x.significandBitPattern | (x.isNormal ? 1 << 52 : 0)
        let shift = bits.leadingZeroBitCount
        self.init(kind: .finite, negative: x < 0)
        exponent = Int(x.exponent)
        high = bits << shift
    }

    var limbs: Limbs384 { Limbs384(high, middle, low) }

    /// Limb i of the significand, least significant first.
    @inline(__always) private func limb(_ i: Int) -> UInt64 { i == 0 ? low : i == 1 ? middle : high }
    var isFinite: Bool { kind == .finite || kind == .zero }

    /// ±1 for a finite nonzero value, else the special value: operations on specials follow
    /// Double's (0·inf = NaN, x/0 = ±inf, …) with this stand-in.
    private var standIn: Double {
        switch kind {
        case .finite: return negative ? -1 : 1
        case .zero: return negative ? -0.0 : 0
        case .infinity: return negative ? -.infinity : .infinity
        case .nan: return .nan
        }
    }

    /// |self| ≥ |other| for finite nonzero values.
    private func magnitudeIsAtLeast(_ other: Extended192) -> Bool {
        (exponent, high, middle, low) >= (other.exponent, other.high, other.middle, other.low)
    }

    // MARK: Arithmetic (each with relative error < 2⁻¹⁹¹, see the file comment)

    static prefix func - (a: Extended192) -> Extended192 {
        var r = a
        if a.kind != .nan { r.negative.toggle() }
        return r
    }

    static func + (a: Extended192, b: Extended192) -> Extended192 {
        if a.kind == .zero && b.kind == .zero { return Extended192(a.standIn + b.standIn) }
        if a.kind == .zero { return b }
        if b.kind == .zero { return a }
        guard a.kind == .finite && b.kind == .finite else { return Extended192(a.standIn + b.standIn) }
        let (big, small) = a.magnitudeIsAtLeast(b) ? (a, b) : (b, a)
        let aligned = small.limbs.shiftedRight(big.exponent - small.exponent)
        if big.negative == small.negative {
            let (sum, carry) = big.limbs.adding(aligned)
            guard carry else { return Extended192(negative: big.negative, limbs: sum, exponent: big.exponent) }
            var shifted = sum.shiftedRight(1)
            shifted[5] |= 1 << 63
            return Extended192(negative: big.negative, limbs: shifted, exponent: big.exponent + 1)
        }
        return Extended192(negative: big.negative, limbs: big.limbs.subtracting(aligned), exponent: big.exponent)
    }

    static func - (a: Extended192, b: Extended192) -> Extended192 { a + (-b) }

    static func * (a: Extended192, b: Extended192) -> Extended192 {
        guard a.kind == .finite && b.kind == .finite else { return Extended192(a.standIn * b.standIn) }
        var product = Limbs384()
        for i in 0..<3 {
            for j in 0..<3 {
                let (h, l) = a.limb(i).multipliedFullWidth(by: b.limb(j))
                product.add(l, at: i + j)
                product.add(h, at: i + j + 1)
            }
        }
        // s_a·s_b ∈ [2³⁸², 2³⁸⁴): the value is product·2^((e_a + e_b + 1) − 383).
        return Extended192(negative: a.negative != b.negative, limbs: product, exponent: a.exponent + b.exponent + 1)
    }

    static func / (a: Extended192, b: Extended192) -> Extended192 {
        guard a.kind == .finite && b.kind == .finite else { return Extended192(a.standIn / b.standIn) }
        // Newton's iteration for 1/b′, b′ = b·2^(−exponent) ∈ [1, 2): with y = (1 + δ)/b′,
        // y + y(1 − b′y) = (1 − δ² + η)/b′, |η| < 1.5·2⁻¹⁹⁰ (the product b′y truncated, the
        // rest of second order). From the Double reciprocal (|δ| < 2⁻⁵¹): 2⁻¹⁰², then < 2⁻¹⁸⁹·⁴.
        // q = a·y and one correction q + y(a − b′q) leave ≤ 2⁻¹⁹¹ (b′q) + 2⁻¹⁹¹ (the sum) + δq·δ:
        // relative error < 2⁻¹⁸⁹ in all.
        let divisor = b.scaled(by: -b.exponent)
        var y = Extended192(1 / divisor.leading)
        for _ in 0..<2 { y = y + y * (Extended192.one - divisor * y) }
        let q = a * y
        return (q + y * (a - divisor * q)).scaled(by: -b.exponent)
    }

    static func + (a: Extended192, b: Double) -> Extended192 { a + Extended192(b) }
    static func - (a: Extended192, b: Double) -> Extended192 { a + Extended192(-b) }
    static func * (a: Extended192, b: Double) -> Extended192 { a * Extended192(b) }
    static func / (a: Extended192, b: Double) -> Extended192 { a / Extended192(b) }

    /// self·2ⁿ, exact.
    func scaled(by n: Int) -> Extended192 {
        var r = self
        if kind == .finite { r.exponent += n }
        return r
    }
}

// MARK: - Conversions to Double

extension Extended192 {
    /// The top 53 bits as a Double (truncated; it may underflow to 0 or overflow to ±inf).
    var leading: Double {
        guard kind == .finite else { return standIn }
        return Double(sign: negative ? .minus : .plus, exponent: exponent - 52, significand: Double(high >> 11))
    }

    /// The top 106 bits as a double-double (exact, unless it underflows or overflows).
    var doubleDouble: DoubleDouble {
        guard kind == .finite else { return DoubleDouble(standIn) }
        let next = ((high & 0x7FF) << 42) | (middle >> 22)
        let lo = Double(sign: negative ? .minus : .plus, exponent: exponent - 105, significand: Double(next))
        return DoubleDouble.normalized(leading, lo)
    }

    /// self·2ⁿ rounded to Double: to nearest (ties to even) or to odd, gradual underflow included.
    /// The error of `self` aside, the nearest rounding is correct; rounding to odd at 53 bits
    /// (the truncation with its last bit set when inexact) lets a second rounding to ≤ 51 bits
    /// (Float, Float16) be correct.
    func roundedToDouble(scale n: Int, toOdd: Bool) -> Double {
        guard kind == .finite else { return standIn }
        let e = exponent + n
        let sign: FloatingPointSign = negative ? .minus : .plus
        if e > 1023 { return Double(sign: sign, exponent: 0, significand: .infinity) }
        // Bits the result keeps: 53 in the normal range, fewer below 2⁻¹⁰²², none below 2⁻¹⁰⁷⁵.
        let precision = e >= -1022 ? 53 : e + 1075
        if precision < 0 { return Double(sign: sign, exponent: 0, significand: toOdd ? .leastNonzeroMagnitude : 0) }
        let kept = precision == 0 ? 0 : high >> UInt64(64 - precision)
        let halfBit: UInt64 = 1 << UInt64(63 - precision)
        let half = high & halfBit != 0
        let sticky = high & (halfBit - 1) != 0 || middle != 0 || low != 0
        var k = kept
        if toOdd {
            if half || sticky { k |= 1 }
        } else if half && (sticky || k & 1 == 1) {
            k += 1
        }
        return Double(sign: sign, exponent: e - precision + 1, significand: Double(k))
    }
}
