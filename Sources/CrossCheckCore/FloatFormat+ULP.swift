extension FloatFormat {
    /// The spacing of the format's values at x: ulp(x) = 2^(max(e, emin) − p + 1) with e = ⌊log₂|x|⌋
    /// (the least subnormal below the normal range).
    public func ulp(_ x: Double) -> Double {
        guard x.isFinite else { return .nan }
        let y = rounded(x)
        guard y.isFinite else { return .nan }
        let e = y == 0 ? minimumNormalExponent : Swift.max(Int(y.exponent), minimumNormalExponent)
        return Double(sign: .plus, exponent: e - precision + 1, significand: 1)
    }

    /// 2⁻ᵖ: the unit roundoff (half the spacing just above 1).
    public var unitRoundoff: Double { Double(sign: .plus, exponent: -precision, significand: 1) }
}
