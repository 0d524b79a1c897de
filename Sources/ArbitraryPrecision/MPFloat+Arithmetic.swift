import CMPFR

// Arithmetic, elementary functions and queries. Every result is MPFR's correctly rounded value of
// the exact operation at the requested precision and direction.

extension MPFloat {
    /// Computes a fresh value of `precision` bits with `body(result)`, an MPFR call.
    static func make(precision: Int, _ body: (UnsafeMutablePointer<__mpfr_struct>) -> Int32) -> MPFloat {
        var result = MPFloat(precision: precision)
        result.withUnsafeMutablePointer { _ = body($0) }
        return result
    }

    static func binary(
        _ a: MPFloat, _ b: MPFloat, precision: Int,
        _ op: (UnsafeMutablePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>) -> Int32
    ) -> MPFloat {
        a.withUnsafePointer { pa in
            b.withUnsafePointer { pb in
                make(precision: precision) { op($0, pa, pb) }
            }
        }
    }

    func unary(
        precision: Int,
        _ op: (UnsafeMutablePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>) -> Int32
    ) -> MPFloat {
        withUnsafePointer { p in MPFloat.make(precision: precision) { op($0, p) } }
    }

    /// a + b rounded to `precision` bits.
    public static func sum(_ a: MPFloat, _ b: MPFloat, precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        binary(a, b, precision: precision) { mpfr_add($0, $1, $2, rounding.mpfr) }
    }

    /// a − b rounded to `precision` bits.
    public static func difference(_ a: MPFloat, _ b: MPFloat, precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        binary(a, b, precision: precision) { mpfr_sub($0, $1, $2, rounding.mpfr) }
    }

    /// a · b rounded to `precision` bits.
    public static func product(_ a: MPFloat, _ b: MPFloat, precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        binary(a, b, precision: precision) { mpfr_mul($0, $1, $2, rounding.mpfr) }
    }

    /// a / b rounded to `precision` bits.
    public static func quotient(_ a: MPFloat, _ b: MPFloat, precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        binary(a, b, precision: precision) { mpfr_div($0, $1, $2, rounding.mpfr) }
    }

    /// eˣ rounded to `precision` bits.
    public func exp(precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        unary(precision: precision) { mpfr_exp($0, $1, rounding.mpfr) }
    }

    /// eˣ − 1 rounded to `precision` bits.
    public func expm1(precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        unary(precision: precision) { mpfr_expm1($0, $1, rounding.mpfr) }
    }

    /// log x rounded to `precision` bits.
    public func log(precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        unary(precision: precision) { mpfr_log($0, $1, rounding.mpfr) }
    }

    /// log(1 + x) rounded to `precision` bits.
    public func log1p(precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        unary(precision: precision) { mpfr_log1p($0, $1, rounding.mpfr) }
    }

    /// −x, exactly (at the same precision).
    public var negated: MPFloat { unary(precision: precision) { mpfr_neg($0, $1, MPFR_RNDN) } }

    /// |x|, exactly (at the same precision).
    public var magnitude: MPFloat { unary(precision: precision) { mpfr_abs($0, $1, MPFR_RNDN) } }

    /// x · 2ᵏ, exactly (barring overflow of MPFR's exponent range).
    public func scaled(byPowerOfTwo k: Int) -> MPFloat {
        unary(precision: precision) { mpfr_mul_2si($0, $1, k, MPFR_RNDN) }
    }

    /// The larger of a and b, exactly (at the larger precision).
    public static func maximum(_ a: MPFloat, _ b: MPFloat) -> MPFloat {
        binary(a, b, precision: Swift.max(a.precision, b.precision)) { mpfr_max($0, $1, $2, MPFR_RNDN) }
    }

    // MARK: Queries

    public var isNaN: Bool { withUnsafePointer { mpfr_nan_p($0) != 0 } }
    public var isInfinite: Bool { withUnsafePointer { mpfr_inf_p($0) != 0 } }
    public var isFinite: Bool { withUnsafePointer { mpfr_number_p($0) != 0 } }
    public var isZero: Bool { withUnsafePointer { mpfr_zero_p($0) != 0 } }
    /// True for a finite non-zero value.
    public var isRegular: Bool { withUnsafePointer { mpfr_regular_p($0) != 0 } }
    /// True when the sign bit is set (−0 and −inf included).
    public var signBit: Bool { withUnsafePointer { mpfr_signbit($0) != 0 } }
    /// −1, 0 or +1 (0 for zeros; NaN is reported as 0).
    public var signum: Int { withUnsafePointer { mpfr_nan_p($0) != 0 ? 0 : Int(mpfr_sgn($0)) } }

    /// For a regular value x = m·2ᵉ with ½ ≤ |m| < 1, the exponent e (so 2^(e−1) ≤ |x| < 2ᵉ).
    public var exponent: Int {
        precondition(isRegular, "exponent of a non-regular MPFR value")
        return withUnsafePointer { crosscheck_mpfr_get_exp($0) }
    }

    /// The value rounded to a Double in `rounding` direction (exact when it is a Double).
    public func double(rounding: Rounding = .nearest) -> Double {
        withUnsafePointer { mpfr_get_d($0, rounding.mpfr) }
    }

    /// −1, 0, +1 as a compares to b (NaN compares as unordered: 0).
    public static func compare(_ a: MPFloat, _ b: MPFloat) -> Int {
        a.withUnsafePointer { pa in b.withUnsafePointer { pb in Int(mpfr_cmp(pa, pb)) } }
    }

    /// `mpfr_can_round`: true when rounding `self` — an approximation with |self − x| ≤ 2^(exponent − errorBits) —
    /// to `precision` bits to nearest is certain to give the correctly rounded value of x.
    ///
    /// Implemented as MPFR recommends for round-to-nearest: directed rounding must be decidable at
    /// `precision + 1` bits, so that no representable number nor midpoint lies in the error interval.
    public func canRoundToNearest(errorBits: Int, precision: Int) -> Bool {
        guard isRegular, errorBits > 0 else { return false }
        return withUnsafePointer {
            mpfr_can_round($0, mpfr_exp_t(errorBits), MPFR_RNDN, MPFR_RNDZ, mpfr_prec_t(precision + 1)) != 0
        }
    }
}

extension MPFloat: CustomStringConvertible {
    /// A decimal rendering with enough digits to identify the value (for diagnostics).
    public var description: String {
        if isNaN { return "nan" }
        if isInfinite { return signBit ? "-inf" : "inf" }
        if isZero { return signBit ? "-0" : "0" }
        return withUnsafePointer { p -> String in
            var exp: mpfr_exp_t = 0
            guard let chars = mpfr_get_str(nil, &exp, 10, 0, p, MPFR_RNDN) else { return "?" }
            defer { mpfr_free_str(chars) }
            var digits = String(cString: chars)
            let negative = digits.hasPrefix("-")
            if negative { digits.removeFirst() }
            return (negative ? "-" : "") + "0." + digits + "e" + String(exp)
        }
    }
}
