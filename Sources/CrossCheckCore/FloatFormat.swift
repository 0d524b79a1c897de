/// The floating-point formats CrossCheck checks: IEEE 754 binary16, binary32 and binary64,
/// Google's bfloat16, and the OCP 8-bit formats E4M3FN and E5M2.
///
/// A format is one entry of a table — its exponent bits, its precision and whether it has
/// infinities (`encoding`) — and everything else (range, rounding, encoding, ulps, printing) is
/// derived from that entry, so a new format is one case and one line.
///
/// Values of every format are carried as `Double`, which holds each of them exactly.
public enum FloatFormat: String, CaseIterable, Sendable, Hashable, Codable {
    case float16, float32, float64
    /// bfloat16: binary32's exponent range with 8 bits of significand (7 stored).
    case bfloat16
    /// OCP FP8 E4M3FN: 4 exponent bits, 3 stored significand bits, no infinities, one NaN
    /// encoding per sign (S.1111.111), largest finite 448. Overflow gives NaN (as ml_dtypes casts).
    case float8E4M3FN = "float8_e4m3fn"
    /// OCP FP8 E5M2: IEEE-like with 5 exponent bits and 2 stored significand bits, largest 57344.
    case float8E5M2 = "float8_e5m2"

    /// The table: bits of exponent, bits of significand with the implicit bit (p), and whether the
    /// all-ones exponent encodes ±inf and NaNs (IEEE) or, as in E4M3FN, finite values and one NaN.
    public var encoding: (exponentBits: Int, precision: Int, hasInfinities: Bool) {
        switch self {
        case .float16: return (5, 11, true)
        case .float32: return (8, 24, true)
        case .float64: return (11, 53, true)
        case .bfloat16: return (8, 8, true)
        case .float8E4M3FN: return (4, 4, false)
        case .float8E5M2: return (5, 3, true)
        }
    }

    /// The IEEE formats binary16, binary32, binary64: what a check covers when neither the user nor
    /// the implementation names formats.
    public static let ieeeFormats: [FloatFormat] = [.float16, .float32, .float64]

    /// Bits of significand, the implicit bit included (11, 24, 53, 8, 4, 3).
    public var precision: Int { encoding.precision }

    /// Bits in the format's encoding (16, 32, 64, 16, 8, 8).
    public var bitWidth: Int { 1 + encoding.exponentBits + encoding.precision - 1 }

    /// Whether the format has ±inf (all but E4M3FN); without them, overflow gives NaN.
    public var hasInfinities: Bool { encoding.hasInfinities }

    /// The exponent bias, 2^(exponentBits − 1) − 1.
    var bias: Int { (1 << (encoding.exponentBits - 1)) - 1 }

    /// The exponent of the largest finite value (15, 127, 1023, 127, 8, 15).
    public var maximumExponent: Int { hasInfinities ? bias : bias + 1 }

    /// The exponent of the least normal value, 1 − bias (−14, −126, −1022, −126, −6, −14); the least
    /// subnormal is 2^(minimumNormalExponent − p + 1).
    public var minimumNormalExponent: Int { 1 - bias }

    /// The largest finite value: (2 − 2^(1−p))·2^maximumExponent, or (2 − 2^(2−p))·2^maximumExponent
    /// without infinities (the all-ones significand is NaN): 448 for E4M3FN.
    public var greatestFiniteMagnitude: Double {
        let spare = hasInfinities ? 1 : 2
        return (2 - Double(sign: .plus, exponent: spare - precision, significand: 1))
            * Double(sign: .plus, exponent: maximumExponent, significand: 1)
    }

    /// The smallest positive subnormal, 2^(minimumNormalExponent − p + 1).
    public var leastNonzeroMagnitude: Double {
        Double(sign: .plus, exponent: minimumNormalExponent - precision + 1, significand: 1)
    }

    /// The smallest positive normal value, 2^minimumNormalExponent.
    public var leastNormalMagnitude: Double { Double(sign: .plus, exponent: minimumNormalExponent, significand: 1) }

    /// `x` rounded to this format: to nearest, ties to even, gradual underflow, overflow to ±inf (or
    /// NaN without infinities). Binary16/32/64 use Swift's conversions (correctly rounded); the
    /// others round the Double on the format's grid (exact: Double has more bits and range).
    public func rounded(_ x: Double) -> Double {
        switch self {
        case .float16: return Double(Float16(x))
        case .float32: return Double(Float(x))
        case .float64: return x
        default: return roundedOnGrid(x)
        }
    }

    /// `rounded` by the table alone, for any format narrower than binary64.
    func roundedOnGrid(_ x: Double) -> Double {
        guard x.isFinite else { return x.isNaN || hasInfinities ? x : .nan }
        if x == 0 { return x }
        // The spacing of the format at |x|: 2^(max(e, emin) − p + 1); |x|/q is exact.
        let e = Swift.max(Int(x.exponent), minimumNormalExponent)
        let q = Double(sign: .plus, exponent: e - precision + 1, significand: 1)
        let r = (x.magnitude / q).rounded(.toNearestOrEven) * q
        if r > greatestFiniteMagnitude { return hasInfinities ? (x < 0 ? -.infinity : .infinity) : .nan }
        return x < 0 ? -r : r
    }

    /// True when `x` is exactly a value of this format (NaN counts as one).
    public func represents(_ x: Double) -> Bool {
        x.isNaN || rounded(x).bitPattern == x.bitPattern
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

    /// The position of a finite value on this format's number line (…, −0 ≡ +0 = 0, 1 = least
    /// subnormal, …): its encoding's magnitude bits, signed.
    public func ordinal(_ x: Double) -> Int {
        let magnitude = Int(bitPattern(x.magnitude))
        return x < 0 ? -magnitude : magnitude
    }

    /// The finite value at `ordinal` (the inverse of `ordinal(_:)`; 0 is +0). Past the largest finite
    /// value it gives ±inf, or NaN without infinities.
    public func value(ordinal: Int) -> Double {
        let v = value(bitPattern: UInt64(ordinal.magnitude))
        return ordinal < 0 ? -v : v
    }

    /// The next value of the format above `x` (x a value of it): as `nextUp`, with NaN past the
    /// largest finite value of a format without infinities.
    public func nextUp(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        if x == -.infinity { return -greatestFiniteMagnitude }
        if x == 0 { return leastNonzeroMagnitude }
        return value(ordinal: ordinal(x) + 1)
    }

    /// The next value of the format below `x`.
    public func nextDown(_ x: Double) -> Double { -nextUp(-x) }
}

extension FloatFormat {
    /// The value with this bit pattern in the format's encoding (the low `bitWidth` bits).
    public func value(bitPattern bits: UInt64) -> Double {
        switch self {
        case .float16: return Double(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: return Double(bitPattern: bits)
        default: break
        }
        let fractionBits = precision - 1
        let negative = bits >> UInt64(bitWidth - 1) & 1 == 1
        let exponentField = Int(bits >> UInt64(fractionBits)) & ((1 << encoding.exponentBits) - 1)
        let fraction = bits & ((1 << UInt64(fractionBits)) - 1)
        let allOnes = (1 << encoding.exponentBits) - 1
        let magnitude: Double
        if exponentField == allOnes && hasInfinities {
            magnitude = fraction == 0 ? .infinity : .nan
        } else if exponentField == allOnes && fraction == (1 << UInt64(fractionBits)) - 1 {
            magnitude = .nan
        } else if exponentField == 0 {
            magnitude = Double(fraction) * leastNonzeroMagnitude
        } else {
            magnitude = Double((1 << UInt64(fractionBits)) | fraction)
                * Double(sign: .plus, exponent: exponentField - bias - fractionBits, significand: 1)
        }
        return negative ? -magnitude : magnitude
    }

    /// The encoding of `x` rounded to the format (to nearest, ties to even, as `rounded`; NaN: the
    /// format's canonical quiet NaN). Total, the same for every format: a value that is not of the
    /// format is rounded, never truncated, so distances in ulps never hide an error.
    public func bitPattern(_ x: Double) -> UInt64 {
        switch self {
        case .float16: return UInt64(Float16(x).bitPattern)
        case .float32: return UInt64(Float(x).bitPattern)
        case .float64: return x.bitPattern
        default: break
        }
        let x = rounded(x)
        let fractionBits = precision - 1
        let sign: UInt64 = x.sign == .minus ? 1 << UInt64(bitWidth - 1) : 0
        let allOnes = UInt64((1 << encoding.exponentBits) - 1)
        if x.isNaN {
            return allOnes << UInt64(fractionBits) | (hasInfinities ? 1 << UInt64(fractionBits - 1) : (1 << UInt64(fractionBits)) - 1)
        }
        if x.isInfinite { return sign | allOnes << UInt64(fractionBits) }
        let a = x.magnitude
        if a < leastNormalMagnitude { return sign | UInt64(a / leastNonzeroMagnitude) }
        let e = Int(a.exponent)
        let fraction = UInt64(a.significand * Double(1 << fractionBits)) & ((1 << UInt64(fractionBits)) - 1)
        return sign | UInt64(e + bias) << UInt64(fractionBits) | fraction
    }
}
