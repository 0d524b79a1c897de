import CMPFR

/// A binary floating-point format, described the way MPFR needs it to emulate the format:
/// precision p and the exponent range [emin, emax] of MPFR's convention x = m·2ᵉ, ½ ≤ |m| < 1,
/// with emin lowered by p − 1 so that `mpfr_subnormalize` produces the subnormals. IEEE 754's
/// binary16/32/64, bfloat16 and OCP's float8_e5m2 overflow to ±inf; OCP's float8_e4m3fn has no
/// infinities (`finiteLimit`).
public struct IEEEBinaryFormat: Sendable, Hashable {
    /// Bits of significand, the implicit bit included (11, 24, 53).
    public let precision: Int
    /// MPFR exponent of the smallest subnormal (2^-24 = ½·2^-23 → −23 for binary16).
    public let emin: Int
    /// MPFR exponent bound: every finite value is < 2^emax (16 for binary16).
    public let emax: Int
    /// For a format without infinities, its largest finite magnitude (448 for float8_e4m3fn): a
    /// result that rounds above it, and an infinite input, is NaN — as ml_dtypes casts it (464, the
    /// midpoint of 448 and the NaN encoding's 480, ties to 448). Nil for formats that overflow to ±inf.
    public let finiteLimit: Double?

    public init(precision: Int, emin: Int, emax: Int, finiteLimit: Double? = nil) {
        self.precision = precision
        self.emin = emin
        self.emax = emax
        self.finiteLimit = finiteLimit
    }

    public static let binary16 = IEEEBinaryFormat(precision: 11, emin: -23, emax: 16)
    public static let binary32 = IEEEBinaryFormat(precision: 24, emin: -148, emax: 128)
    public static let binary64 = IEEEBinaryFormat(precision: 53, emin: -1073, emax: 1024)
    // bfloat16 and the FP8 formats: `FloatFormat.ieee`, derived from the format's own table.

    /// `x` (a value rounded by this format's exponent range) after the finite-only rule: NaN when
    /// |x| exceeds `finiteLimit` (480 and ±inf for float8_e4m3fn), else x.
    ///
    /// Rounding to a format without infinities is rounding to its `extended` twin (the same grid,
    /// with the NaN encoding's value and ±inf) followed by this rule, because the rule is applied
    /// to the rounded value: so correct-rounding decisions (Ziv's test, which neighbour a point just
    /// inside an interval rounds to) are made on the twin, and the rule is applied once at the end.
    public func applyingFiniteLimit(_ x: Double) -> Double {
        guard let finiteLimit, !x.isNaN, x.magnitude > finiteLimit else { return x }
        return .nan
    }

    /// This format with ±inf: for float8_e4m3fn, the IEEE-like format of the same precision and
    /// exponent range whose all-ones encodings are 480 and ±inf (overflow threshold 496); the
    /// format itself when it has infinities.
    public var extended: IEEEBinaryFormat { IEEEBinaryFormat(precision: precision, emin: emin, emax: emax) }

    /// Rounds `x` to this format, to nearest with ties to even, with gradual underflow and overflow
    /// to ±inf exactly as IEEE 754 specifies. The result is returned as a Double, which holds every
    /// value of these formats exactly.
    ///
    /// Method: round to p bits with an unbounded exponent, keeping MPFR's ternary value; then
    /// `mpfr_check_range` (overflow/underflow, ties decided by the ternary value) and
    /// `mpfr_subnormalize` (re-rounding to the subnormal grid without double rounding).
    ///
    /// With `rounding` `.down` or `.up` it rounds toward −inf or +inf instead (overflow then gives
    /// the largest finite value or ±inf by direction, as IEEE 754's directed roundings): the two
    /// neighbours of x in the format.
    public func round(_ x: MPFloat, rounding: Rounding = .nearest) -> Double {
        if !x.isRegular { return applyingFiniteLimit(x.double()) }  // ±0, NaN are exact; ±inf too where it exists
        var y = MPFloat(precision: precision)
        let mode = rounding.mpfr
        return y.withUnsafeMutablePointer { py -> Double in
            x.withUnsafePointer { px in
                var ternary = mpfr_set(py, px, mode)
                ExponentRange.with(emin: emin, emax: emax) {
                    ternary = mpfr_check_range(py, ternary, mode)
                    ternary = mpfr_subnormalize(py, ternary, mode)
                }
                return applyingFiniteLimit(mpfr_get_d(py, MPFR_RNDN))  // exact: py is a value of the format
            }
        }
    }

    /// Rounds a rational to this format, correctly (see `round(_:)`), via an exact MPFR
    /// intermediate when possible and round-to-odd otherwise.
    public func round(_ q: MPRational) -> Double {
        // Round to odd at precision + 2 bits keeps enough information for one correct final
        // rounding to `precision` bits (Boldo–Melquiond): truncate, then set the last bit if inexact.
        var t = MPFloat(precision: precision + 2)
        t.withUnsafeMutablePointer { pt in
            q.withUnsafePointer { pq in
                let ternary = mpfr_set_q(pt, pq, MPFR_RNDZ)
                if ternary != 0 {
                    // Make the significand odd: move one unit in the last place away from zero
                    // if it is even (the exact value lies strictly between t and its successor).
                    if mpfr_min_prec(pt) >= mpfr_get_prec(pt) {
                        // already odd
                    } else {
                        if mpfr_signbit(pt) != 0 { mpfr_nextbelow(pt) } else { mpfr_nextabove(pt) }
                    }
                }
            }
        }
        return round(t)
    }

    /// Parses `text` — decimal, hexadecimal (`0x1.8p+3`), `inf`, `-inf`, `nan`, with an optional
    /// sign — and returns the nearest value of this format (ties to even, subnormals, overflow to
    /// ±inf), or nil if `text` is not a number.
    ///
    /// A plain decimal is read by `Double(String)` (correctly rounded to binary64) and rounded once
    /// more to this format when that cannot round twice (`parsePlainDecimal`); every other text, and
    /// the rare Double exactly on a midpoint of a narrower format or overflowing it, goes through
    /// MPFR (`parseWithMPFR`), so there is never a double rounding (Swift's `Float16(String)` has
    /// one, through Float).
    public func parse(_ text: String) -> Double? {
        parsePlainDecimal(text) ?? parseWithMPFR(text)
    }

    /// `parse` through MPFR alone: every syntax, every case.
    func parseWithMPFR(_ text: String) -> Double? {
        let trimmed = text
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
        var body = Substring(trimmed)
        var negative = false
        if body.first == "+" || body.first == "-" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        switch body.lowercased() {
        case "inf", "infinity": return applyingFiniteLimit(negative ? -.infinity : .infinity)
        case "nan": return .nan
        default: break
        }
        // Digits, optional point, optional exponent: reject anything MPFR would read leniently.
        let isHex = body.lowercased().hasPrefix("0x")
        let allowed: Set<Character> = isHex
            ? Set("0123456789abcdefABCDEFxXpP.+-")
            : Set("0123456789.eE+-")
        guard body.allSatisfy({ allowed.contains($0) }), body.contains(where: { $0.isNumber }) else { return nil }

        // Read at a generous precision with round-to-odd semantics, then round once to the format.
        // A decimal string is read by MPFR correctly rounded at precision P with ternary t; a string
        // of d digits is exact at P ≥ 4d + 64 bits unless it has an infinite binary expansion, and the
        // sticky information survives through round-to-odd at P ≥ precision + 2.
        let workingPrecision = Swift.max(precision + 2, 4 * trimmed.count + 64)
        var t = MPFloat(precision: workingPrecision)
        let ok: Bool = t.withUnsafeMutablePointer { pt in
            trimmed.withCString { cstr -> Bool in
                var end: UnsafeMutablePointer<CChar>? = nil
                let ternary = ExponentRange.widest { mpfr_strtofr(pt, cstr, &end, 0, MPFR_RNDZ) }
                guard let end, end.pointee == 0, end != UnsafeMutablePointer(mutating: cstr) else { return false }
                if ternary != 0 && mpfr_regular_p(pt) != 0 && mpfr_min_prec(pt) < mpfr_get_prec(pt) {
                    if mpfr_signbit(pt) != 0 { mpfr_nextbelow(pt) } else { mpfr_nextabove(pt) }
                }
                return true
            }
        }
        guard ok else { return nil }
        return ExponentRange.widest { round(t) }
    }

    /// The fast path of `parse` for the common case, a plain decimal `[±]d*[.d*][(e|E)[±]d+]` with
    /// at least one digit: nil when `text` is anything else or the fast path cannot be sure.
    ///
    /// `Double(String)` rounds a decimal correctly to binary64 (glibc's strtod), which is the answer
    /// for binary64. For binary32 and binary16 rounding that Double again is correct unless the
    /// Double is exactly a midpoint of the narrower format — the decimal may lie on either side of
    /// it — or the narrower rounding overflows; those go to MPFR. (The two neighbours r and n of
    /// the narrower format have at most 25 significant bits together, so (r + n)/2 is exact.)
    func parsePlainDecimal(_ text: String) -> Double? {
        var utf8 = text.utf8.makeIterator()
        var digits = 0
        var state = 0  // 0 sign or digits, 1 integer digits, 2 fraction digits, 3 exponent sign, 4 exponent digits
        var exponentDigits = 0
        while let c = utf8.next() {
            switch c {
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                if state == 0 { state = 1 } else if state == 3 { state = 4 } else { return nil }
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if state == 3 || state == 4 { state = 4; exponentDigits += 1 } else { digits += 1; if state == 0 { state = 1 } }
            case UInt8(ascii: "."):
                if state <= 1 { state = 2 } else { return nil }
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                if state <= 2 && digits > 0 { state = 3 } else { return nil }
            default:
                return nil
            }
        }
        guard digits > 0, state != 3, state != 4 || exponentDigits > 0, let d = Double(text) else { return nil }
        switch self {
        case .binary64: return d
        case .binary32: return Self.roundedIfSure(d, as: Float.self)
        case .binary16: return Self.roundedIfSure(d, as: Float16.self)
        default: return nil  // bfloat16 and FP8 go through MPFR
        }
    }

    private static func roundedIfSure<F: BinaryFloatingPoint>(_ d: Double, as _: F.Type) -> Double? {
        let r = F(d)
        let back = Double(r)
        if back == d { return back }
        guard r.isFinite, d.isFinite else { return nil }
        let n = d > back ? r.nextUp : r.nextDown
        guard n.isFinite else { return nil }
        return (back + Double(n)) / 2 == d ? nil : back
    }
}
