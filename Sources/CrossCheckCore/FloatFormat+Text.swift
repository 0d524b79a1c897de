extension FloatFormat {
    /// The shortest decimal that reads back to exactly `x` in this format (read as the nearest
    /// value of the format, ties to even): `inf`, `-inf`, `nan`, `-0.0` included. `x` must be a
    /// value of the format.
    ///
    /// Binary16/32/64 use Swift's shortest round-trip `description`. The narrower formats try
    /// 1, 2, … significant digits (never fewer than the integer digits of a value below 10⁷, so 448
    /// prints as 448.0, not as 450.0, which also reads back to 448 in float8_e4m3fn): the d-digit decimal nearest to x, kept when it rounds back to x
    /// (checked through Double: a decimal whose Double lands exactly on a midpoint of the format is
    /// skipped, so the check never rounds twice); binary32's description, exact for every value of
    /// these formats, is the fallback.
    public func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        switch self {
        case .float16: return Float16(x).description
        case .float32: return Float(x).description
        case .float64: return x.description
        default: break
        }
        if x.isInfinite || x == 0 { return Float(x).description }
        // ⌊log₁₀|x|⌋, from the binary exponent, corrected by one where the estimate falls short.
        var decimalExponent = Int((Double(x.magnitude.exponent) * 0.30102999566398120).rounded(.down))
        if decimalExponent >= 0 ? x.magnitude >= Self.pow10(decimalExponent + 1) : x.magnitude * Self.pow10(-decimalExponent - 1) >= 1 {
            decimalExponent += 1
        }
        // Integers written without an exponent keep every integer digit (448, not 450).
        let integerDigits = (0...6).contains(decimalExponent) ? decimalExponent + 1 : 1
        for digits in integerDigits...9 {
            for e in [decimalExponent, decimalExponent + 1] {
                let scale = digits - 1 - e  // x·10^scale has `digits` digits before the point
                guard let text = Self.decimal(x, digits: digits, scale: scale),
                      let d = Double(text), readsBack(d, to: x) else { continue }
                return text
            }
        }
        return Float(x).description
    }

    /// True when the Double `d` of a decimal rounds to `x` in this format without a double rounding.
    private func readsBack(_ d: Double, to x: Double) -> Bool {
        guard rounded(d) == x else { return false }
        if d == x { return true }
        let neighbour = d > x ? nextUp(x) : nextDown(x)
        return !neighbour.isFinite || (x + neighbour) / 2 != d
    }

    /// round(x·10^scale)·10^−scale written out exactly as `[-]digits.digitsE±n`; nil if the integer
    /// does not have `digits` digits.
    private static func decimal(_ x: Double, digits: Int, scale: Int) -> String? {
        let scaled = scale >= 0 ? x.magnitude * pow10(scale) : x.magnitude / pow10(-scale)
        let m = scaled.rounded(.toNearestOrEven)
        guard m >= 1, m < 1e9 else { return nil }
        let integer = String(Int(m))
        guard integer.count == digits else { return nil }
        let exponent = digits - 1 - scale
        var s: String
        if (-4...6).contains(exponent) {
            s = plain(integer, exponent: exponent)
        } else {
            s = integer
            if digits > 1 { s.insert(".", at: s.index(after: s.startIndex)) }
            s += "e\(exponent)"
        }
        return (x < 0 ? "-" : "") + s
    }

    /// The digits d₀d₁… of a value d₀.d₁…·10^exponent written without an exponent.
    private static func plain(_ digits: String, exponent: Int) -> String {
        if exponent < 0 { return "0." + String(repeating: "0", count: -exponent - 1) + digits }
        let integerCount = exponent + 1
        if digits.count <= integerCount { return digits + String(repeating: "0", count: integerCount - digits.count) + ".0" }
        var s = digits
        s.insert(".", at: s.index(s.startIndex, offsetBy: integerCount))
        return s
    }

    private static func pow10(_ n: Int) -> Double {
        var r = 1.0, base = 10.0, k = n
        while k > 0 { if k & 1 == 1 { r *= base }; base *= base; k >>= 1 }
        return r
    }
}
