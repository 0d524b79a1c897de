import CrossCheckCore

// The one place where CrossCheck's formats meet MPFR: each `FloatFormat` as the `IEEEBinaryFormat`
// that emulates it, derived from the format's own table (precision, exponent range), so a new
// format needs no entry here.

extension FloatFormat {
    /// The MPFR description of the format, for correct rounding: precision p, and MPFR's exponent
    /// range [emin, emax] (x = m·2ᵉ with ½ ≤ |m| < 1) with emin lowered by p − 1 for the subnormals.
    public var ieee: IEEEBinaryFormat {
        IEEEBinaryFormat(
            precision: precision, emin: minimumNormalExponent - precision + 2, emax: maximumExponent + 1,
            finiteLimit: hasInfinities ? nil : greatestFiniteMagnitude)
    }

    /// Reads `text` (decimal, hexadecimal float, `inf`, `-inf`, `nan`) as the nearest value of this
    /// format, correctly rounded (ties to even, subnormals, overflow to ±inf); nil when it is not a
    /// number.
    public func parse(_ text: String) -> Double? { ieee.parse(text) }
}
