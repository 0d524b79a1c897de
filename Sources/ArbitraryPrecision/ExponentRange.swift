import CMPFR

/// MPFR's current exponent range, which this MPFR keeps per thread.
///
/// Every change is scoped: the range is saved, changed, and restored before returning, with no
/// suspension point in between (the state is thread-local).
public enum ExponentRange {
    /// Runs `body` with MPFR's exponent range set to [emin, emax].
    public static func with<R>(emin: Int, emax: Int, _ body: () throws -> R) rethrows -> R {
        let savedMin = mpfr_get_emin()
        let savedMax = mpfr_get_emax()
        _ = mpfr_set_emin(mpfr_exp_t(emin))
        _ = mpfr_set_emax(mpfr_exp_t(emax))
        defer {
            _ = mpfr_set_emin(savedMin)
            _ = mpfr_set_emax(savedMax)
        }
        return try body()
    }

    /// Runs `body` with the widest exponent range MPFR supports (about ±2^62), so that no
    /// intermediate value of a reference computation overflows or underflows unnoticed.
    public static func widest<R>(_ body: () throws -> R) rethrows -> R {
        try with(emin: Int(mpfr_get_emin_min()), emax: Int(mpfr_get_emax_max()), body)
    }

    /// The smallest exponent of the widest range.
    public static var widestMinimum: Int { Int(mpfr_get_emin_min()) }
    /// The largest exponent of the widest range.
    public static var widestMaximum: Int { Int(mpfr_get_emax_max()) }
}
