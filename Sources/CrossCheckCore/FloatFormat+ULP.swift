extension FloatFormat {
    /// The spacing of the format's values at x: ulp(x) (the least subnormal below the normal range).
    public func ulp(_ x: Double) -> Double {
        guard x.isFinite else { return .nan }
        switch self {
        case .float16: return Double(Float16(x).ulp)
        case .float32: return Double(Float(x).ulp)
        case .float64: return x.ulp
        }
    }

    /// 2⁻ᵖ: the unit roundoff (half the spacing just above 1).
    public var unitRoundoff: Double { Double(sign: .plus, exponent: -precision, significand: 1) }
}
