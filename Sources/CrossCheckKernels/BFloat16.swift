import CrossCheckCore

/// bfloat16: the upper half of a binary32 — sign, 8 exponent bits (Float's range), 7 stored
/// significand bits (precision p = 8) — with subnormals, ±inf and NaNs, stored as its 16 bits.
///
/// The kernels' storage type for bfloat16 (`[BFloat16]` in, `[BFloat16]` out, like `[Float16]`);
/// the arithmetic here exists so that the type is a `BinaryFloatingPoint`, not for speed.
///
/// Conversions: to `Float` and `Double` exact (a 16-bit shift). From `Float`: round to nearest,
/// ties to even, on the bits (one rounding; NaN stays NaN, quieted). From `Double` (and every
/// wider source): one correct rounding — round-to-odd to 10 bits first (the dropped bits folded
/// into a sticky last bit), which `Float` then holds exactly for every |x| ≥ 2⁻¹⁴⁰, and that
/// value rounded to nearest-even at 8 bits is the correct rounding of x (Boldo–Melquiond:
/// 10 ≥ 8 + 2; below 2⁻¹⁴⁰ everything rounds to ±0, as x itself would).
/// Arithmetic: +, −, ×, ÷ and √ in Float rounded to bfloat16 are correctly rounded
/// (24 ≥ 2·8 + 2: a second rounding after an operation in that much precision is innocuous).
@frozen
public struct BFloat16: Sendable {
    /// The encoding: the high 16 bits of the binary32 with the same value.
    public var bitPattern: UInt16

    @inlinable public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// The value as a Float (exact).
    @inlinable public var float: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    /// `value` rounded to nearest, ties to even (NaNs stay NaN with their sign).
    @inlinable public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
        } else {
            // Adding 0x7FFF plus the lowest kept bit carries into the kept bits exactly when the
            // dropped half is above the midpoint, or at it with an odd kept part; the carry may
            // reach the exponent (the next binade, or +inf past the largest finite value).
            let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
            bitPattern = UInt16(truncatingIfNeeded: rounded >> 16)
        }
    }

    /// `value` correctly rounded (round-to-odd at 10 bits, then to nearest-even at 8).
    @inlinable public init(_ value: Double) {
        guard value.isFinite else { self.init(Float(value)); return }
        let dropped: UInt64 = (1 << 43) - 1
        var bits = value.bitPattern
        if bits & dropped != 0 { bits = (bits & ~dropped) | (1 << 43) }
        self.init(Float(Double(bitPattern: bits)))
    }
}

extension BFloat16: FormatScalar {
    public static var floatFormat: FloatFormat { .bfloat16 }
}

extension BFloat16: CustomStringConvertible, CustomDebugStringConvertible {
    /// The shortest decimal that reads back as this value in bfloat16.
    public var description: String { FloatFormat.bfloat16.format(Double(float)) }
    public var debugDescription: String { description }
}

extension BFloat16: Hashable {
    @inlinable public static func == (a: BFloat16, b: BFloat16) -> Bool { a.float == b.float }
    public func hash(into hasher: inout Hasher) { hasher.combine(float) }
}

extension BFloat16: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    @inlinable public init(floatLiteral value: Double) { self.init(value) }
    /// Rounded once, as every integer (`init<Source: BinaryInteger>`).
    public init(integerLiteral value: Int64) { self.init(value) }
}

extension BFloat16: BinaryFloatingPoint {
    public typealias Exponent = Int
    public typealias RawSignificand = UInt16
    public typealias RawExponent = UInt
    public typealias Magnitude = BFloat16
    public typealias Stride = BFloat16

    public static var exponentBitCount: Int { 8 }
    public static var significandBitCount: Int { 7 }

    public init(sign: FloatingPointSign, exponentBitPattern: UInt, significandBitPattern: UInt16) {
        let s: UInt16 = sign == .minus ? 0x8000 : 0
        self.init(bitPattern: s | UInt16(truncatingIfNeeded: (exponentBitPattern & 0xFF) << 7) | (significandBitPattern & 0x7F))
    }

    #if arch(x86_64) || arch(i386)
    /// Rounded to odd at Double's 53 bits first (53 ≥ 8 + 2), then once to bfloat16.
    public init(_ value: Float80) {
        var d = Double(value)
        if d.isFinite && Float80(d) != value {
            if Float80(d).magnitude > value.magnitude { d = d.nextTowardZero }
            d = Double(bitPattern: d.bitPattern | 1)
        }
        self.init(d)
    }
    #endif

    @inlinable public init(_ value: Float16) { self.init(Float(value)) }

    public init(sign: FloatingPointSign, exponent: Int, significand: BFloat16) {
        self.init(Float(sign: sign, exponent: exponent, significand: significand.float))
    }

    /// Integers beyond 2⁵³ are rounded to odd in Double first (53 ≥ 8 + 2), then once to bfloat16.
    public init<Source: BinaryInteger>(_ value: Source) {
        let d = Double(value)
        guard d.isFinite, d.magnitude > 0x1p53 else { self.init(d); return }
        let back = Source(exactly: d)
        if back == value { self.init(d); return }
        let tooLarge = back.map { value > 0 ? $0 > value : $0 < value } ?? true
        let truncated = tooLarge ? d.nextTowardZero : d
        self.init(Double(bitPattern: truncated.bitPattern | 1))
    }

    public init?<Source: BinaryInteger>(exactly value: Source) {
        self.init(value)
        guard isFinite, Source(exactly: float) == value else { return nil }
    }

    public var exponentBitPattern: UInt { UInt((bitPattern >> 7) & 0xFF) }
    public var significandBitPattern: UInt16 { bitPattern & 0x7F }
    public var binade: BFloat16 { BFloat16(float.binade) }
    public var significandWidth: Int { float.significandWidth }

    public static var nan: BFloat16 { BFloat16(bitPattern: 0x7FC0) }
    public static var signalingNaN: BFloat16 { BFloat16(bitPattern: 0x7FA0) }
    public static var infinity: BFloat16 { BFloat16(bitPattern: 0x7F80) }
    public static var greatestFiniteMagnitude: BFloat16 { BFloat16(bitPattern: 0x7F7F) }
    public static var pi: BFloat16 { BFloat16(bitPattern: 0x4049) }  // π rounded toward zero
    public static var leastNormalMagnitude: BFloat16 { BFloat16(bitPattern: 0x0080) }
    public static var leastNonzeroMagnitude: BFloat16 { BFloat16(bitPattern: 0x0001) }

    public var ulp: BFloat16 {
        guard isFinite else { return .nan }
        let e = Swift.max(Int(float.exponent), -126)
        return BFloat16(Float(sign: .plus, exponent: e - 7, significand: 1))
    }

    public var sign: FloatingPointSign { bitPattern & 0x8000 != 0 ? .minus : .plus }
    public var exponent: Int { Int(float.exponent) }
    public var significand: BFloat16 { BFloat16(float.significand) }
    public var magnitude: BFloat16 { BFloat16(bitPattern: bitPattern & 0x7FFF) }

    @inlinable public static func + (a: BFloat16, b: BFloat16) -> BFloat16 { BFloat16(a.float + b.float) }
    @inlinable public static func - (a: BFloat16, b: BFloat16) -> BFloat16 { BFloat16(a.float - b.float) }
    @inlinable public static func * (a: BFloat16, b: BFloat16) -> BFloat16 { BFloat16(a.float * b.float) }
    @inlinable public static func / (a: BFloat16, b: BFloat16) -> BFloat16 { BFloat16(a.float / b.float) }
    @inlinable public static func += (a: inout BFloat16, b: BFloat16) { a = a + b }
    @inlinable public static func -= (a: inout BFloat16, b: BFloat16) { a = a - b }
    @inlinable public static func *= (a: inout BFloat16, b: BFloat16) { a = a * b }
    @inlinable public static func /= (a: inout BFloat16, b: BFloat16) { a = a / b }
    @inlinable public static prefix func - (a: BFloat16) -> BFloat16 { BFloat16(bitPattern: a.bitPattern ^ 0x8000) }
    public mutating func negate() { bitPattern ^= 0x8000 }

    /// The remainders are exact in Float (and exactly representable in bfloat16: IEEE remainders are).
    public mutating func formRemainder(dividingBy other: BFloat16) { self = BFloat16(float.remainder(dividingBy: other.float)) }
    public mutating func formTruncatingRemainder(dividingBy other: BFloat16) {
        self = BFloat16(float.truncatingRemainder(dividingBy: other.float))
    }
    public mutating func formSquareRoot() { self = BFloat16(float.squareRoot()) }
    /// self + a·b rounded once: the product of two 8-bit significands is exact in Double, and one
    /// addition rounded to Double and then to bfloat16 is correctly rounded (53 ≥ 2·8 + 2).
    public mutating func addProduct(_ a: BFloat16, _ b: BFloat16) {
        self = BFloat16(Double(float) + Double(a.float) * Double(b.float))
    }
    public mutating func round(_ rule: FloatingPointRoundingRule) { self = BFloat16(float.rounded(rule)) }

    public var nextUp: BFloat16 {
        if isNaN || self == .infinity { return self }
        if bitPattern == 0x8000 || bitPattern == 0 { return .leastNonzeroMagnitude }
        return BFloat16(bitPattern: sign == .minus ? bitPattern - 1 : bitPattern + 1)
    }

    @inlinable public func isEqual(to other: BFloat16) -> Bool { float == other.float }
    @inlinable public func isLess(than other: BFloat16) -> Bool { float < other.float }
    @inlinable public func isLessThanOrEqualTo(_ other: BFloat16) -> Bool { float <= other.float }
    public func isTotallyOrdered(belowOrEqualTo other: BFloat16) -> Bool { float.isTotallyOrdered(belowOrEqualTo: other.float) }

    public var isNormal: Bool { float.isNormal }
    public var isFinite: Bool { float.isFinite }
    public var isZero: Bool { bitPattern & 0x7FFF == 0 }
    public var isSubnormal: Bool { float.isSubnormal }
    public var isInfinite: Bool { float.isInfinite }
    @inlinable public var isNaN: Bool { bitPattern & 0x7FFF > 0x7F80 }
    public var isSignalingNaN: Bool { isNaN && bitPattern & 0x0040 == 0 }
    public var isCanonical: Bool { true }

    public func distance(to other: BFloat16) -> BFloat16 { other - self }
    public func advanced(by n: BFloat16) -> BFloat16 { self + n }
}

extension Double {
    /// The neighbour of self toward zero.
    fileprivate var nextTowardZero: Double { self > 0 ? nextDown : nextUp }
}
