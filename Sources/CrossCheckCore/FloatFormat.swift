/// The floating-point formats CrossCheck checks: IEEE 754 binary16, binary32 and binary64.
///
/// Values of every format are carried as `Double`, which holds each of them exactly.
public enum FloatFormat: String, CaseIterable, Sendable, Hashable, Codable {
    case float16, float32, float64

    /// Bits of significand, the implicit bit included (11, 24, 53).
    public var precision: Int {
        switch self {
        case .float16: return 11
        case .float32: return 24
        case .float64: return 53
        }
    }

    /// The exponent of the largest finite value: it is (2 − 2^(1−p))·2^maximumExponent (15, 127, 1023).
    public var maximumExponent: Int {
        switch self {
        case .float16: return 15
        case .float32: return 127
        case .float64: return 1023
        }
    }

    /// The exponent of the least normal value, 1 − maximumExponent (−14, −126, −1022); the least
    /// subnormal is 2^(minimumNormalExponent − p + 1).
    public var minimumNormalExponent: Int { 1 - maximumExponent }

    /// The largest finite value.
    public var greatestFiniteMagnitude: Double {
        switch self {
        case .float16: return Double(Float16.greatestFiniteMagnitude)
        case .float32: return Double(Float.greatestFiniteMagnitude)
        case .float64: return .greatestFiniteMagnitude
        }
    }

    /// The smallest positive subnormal.
    public var leastNonzeroMagnitude: Double {
        switch self {
        case .float16: return Double(Float16.leastNonzeroMagnitude)
        case .float32: return Double(Float.leastNonzeroMagnitude)
        case .float64: return .leastNonzeroMagnitude
        }
    }

    /// The smallest positive normal value.
    public var leastNormalMagnitude: Double {
        switch self {
        case .float16: return Double(Float16.leastNormalMagnitude)
        case .float32: return Double(Float.leastNormalMagnitude)
        case .float64: return .leastNormalMagnitude
        }
    }

    /// `x` rounded to this format (to nearest, ties to even; Swift's conversions are correctly rounded).
    public func rounded(_ x: Double) -> Double {
        switch self {
        case .float16: return Double(Float16(x))
        case .float32: return Double(Float(x))
        case .float64: return x
        }
    }

    /// True when `x` is exactly a value of this format.
    public func represents(_ x: Double) -> Bool {
        x.isNaN || rounded(x).bitPattern == x.bitPattern
    }

    /// The shortest decimal that reads back to exactly `x` in this format: `inf`, `-inf`, `nan`,
    /// `-0.0` included. `x` must be a value of the format.
    public func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        switch self {
        case .float16: return Float16(x).description
        case .float32: return Float(x).description
        case .float64: return x.description
        }
    }

    /// The distance in units in the last place of this format between `computed` and the correctly
    /// rounded `expected`, measured as the number of format values strictly between them plus one
    /// (0 when equal, 1 for neighbours). Zeros of either sign are equal. A NaN or an infinity
    /// matching exactly is 0; any other mismatch involving a non-finite value is `.infinity`.
    public func ulpDistance(_ computed: Double, _ expected: Double) -> Double {
        if computed.isNaN || expected.isNaN { return computed.isNaN && expected.isNaN ? 0 : .infinity }
        if computed == expected { return 0 }
        if !computed.isFinite || !expected.isFinite { return .infinity }
        // Exact in Int; only ordinals of opposite sign at the binary64 extremes overflow, and then
        // the distance (over 2⁶³ ulps) is returned approximately.
        let (a, b) = (ordinal(computed), ordinal(expected))
        let (d, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? abs(Double(a) - Double(b)) : Double(d.magnitude)
    }

    /// The position of a finite value on this format's number line (…, −0 ≡ +0 = 0, 1 = least subnormal, …).
    public func ordinal(_ x: Double) -> Int {
        let magnitude: Int
        switch self {
        case .float16: magnitude = Int(Float16(x).magnitude.bitPattern)
        case .float32: magnitude = Int(Float(x).magnitude.bitPattern)
        case .float64: magnitude = Int(x.magnitude.bitPattern)
        }
        return x < 0 ? -magnitude : magnitude
    }
}

extension FloatFormat {
    /// Bits in the format's encoding (16, 32, 64).
    public var bitWidth: Int {
        switch self {
        case .float16: return 16
        case .float32: return 32
        case .float64: return 64
        }
    }

    /// The value with this bit pattern in the format's encoding (the low `bitWidth` bits).
    public func value(bitPattern bits: UInt64) -> Double {
        switch self {
        case .float16: return Double(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: return Double(bitPattern: bits)
        }
    }
}
