import ArbitraryPrecision

/// The floating-point formats CrossCheck checks: IEEE 754 binary16, binary32 and binary64.
///
/// Values of every format are carried as `Double`, which holds each of them exactly.
public enum FloatFormat: String, CaseIterable, Sendable, Hashable, Codable {
    case float16, float32, float64

    /// The MPFR description of the format, for correct rounding.
    public var ieee: IEEEBinaryFormat {
        switch self {
        case .float16: return .binary16
        case .float32: return .binary32
        case .float64: return .binary64
        }
    }

    /// Bits of significand (11, 24, 53).
    public var precision: Int { ieee.precision }

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

    /// Reads `text` (decimal, hexadecimal float, `inf`, `-inf`, `nan`) as the nearest value of this
    /// format, correctly rounded; nil when it is not a number.
    public func parse(_ text: String) -> Double? { ieee.parse(text) }

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
