import ArbitraryPrecision

/// A real number known either exactly, as a rational, or by an interval proven to contain it.
///
/// This is the error analysis of the reference, done once and applied by construction to every
/// formula: interval arithmetic with outward rounding. At working precision w an interval
/// [lo, hi] claims lo ≤ x ≤ hi. Each operation computes its lower end rounded down and its upper
/// end rounded up (MPFR's directed roundings are exact-then-rounded, so each end is a proven
/// bound); each end is within 2¹⁻ʷ relative of the exact end, so the width of a result is at most
/// its inputs' widths propagated through the operation's derivative plus 2·2¹⁻ʷ|x|. Monotonicity
/// gives the rules:
///   a + b = [lo_a + lo_b ↓, hi_a + hi_b ↑],   −a = [−hi_a, −lo_a]
///   a · b = [min of the four end products ↓, max of them ↑]
///   a / b = a · [1/hi_b ↓, 1/lo_b ↑]                         (needs 0 ∉ b)
///   eˣ, log x, log1p x: increasing, applied to each end with its own rounding direction
///                                                            (log needs lo > 0, log1p lo > −1)
/// Intervals keep signs: an exponential below MPFR's range (x < −2⁶¹, e^x < 2^(−2⁶¹)) is the
/// interval [0, 2^(−2⁶¹)], and results built from it keep a known sign, which decides whether a
/// result that rounds to zero is +0 or −0. (When that is not enough, Ziv's loop goes to limit
/// mode: the exponentials tiny next to the working precision vanish (`VanishingTerms`), the
/// result is enclosed around its limit by the mean value theorem, and a limit on a rounding
/// boundary is decided by the side `FirstOrderArithmetic` — or `SecondOrderArithmetic` when the
/// first derivative is exactly 0 — proves.)
///
/// Exact rationals stay exact through +, −, ×, ÷; e⁰ = 1, log 1 = 0, log1p 0 = 0 are exact; and an
/// exact zero times anything is an exact zero. That is how exact results are detected: by
/// Lindemann–Weierstrass, eᵃ is transcendental for every rational a ≠ 0, so a result that is
/// rational is one whose transcendental parts vanished exactly — which these rules track — and
/// every other result is irrational: never a rounding boundary, never exactly 0, so Ziv's loop
/// ends on it.
enum Enclosure: Sendable {
    case exact(MPRational)
    case interval(lo: MPFloat, hi: MPFloat)

    static var zero: Enclosure { .exact(MPRational()) }
    static var one: Enclosure { .exact(MPRational(integer: 1)) }

    var exactValue: MPRational? {
        if case .exact(let q) = self { return q }
        return nil
    }

    var isExactZero: Bool { exactValue?.isZero ?? false }
}

/// Thrown when the working precision is too low to carry on (a denominator's interval contains 0).
struct NeedsMorePrecision: Error {}

/// Interval arithmetic at one working precision.
struct IntervalArithmetic: EnclosureArithmetic {
    /// Bits of each end.
    let precision: Int

    /// Limit mode: the exponentials of these vanishing terms are taken as exactly 0 — the limit
    /// f(0) of the result as they vanish. Ziv's loop uses it only when plain intervals cannot
    /// settle a result (see `zivRound`). nil: every exponential is enclosed.
    let vanishing: VanishingTerms?

    init(precision: Int, vanishing: VanishingTerms? = nil) {
        self.precision = precision
        self.vanishing = vanishing
    }

    /// The enclosure as an interval at this precision (a rational becomes [q↓, q↑]).
    func interval(_ a: Enclosure) -> (lo: MPFloat, hi: MPFloat) {
        switch a {
        case .interval(let lo, let hi): return (lo, hi)
        case .exact(let q):
            let (down, exact) = q.rounded(precision: precision, rounding: .down)
            return (down, exact ? down : q.mpFloat(precision: precision, rounding: .up))
        }
    }

    func constant(_ q: MPRational) -> Enclosure { .exact(q) }

    func add(_ a: Enclosure, _ b: Enclosure) -> Enclosure {
        if let x = a.exactValue, let y = b.exactValue { return .exact(x + y) }
        let (la, ha) = interval(a), (lb, hb) = interval(b)
        return .interval(lo: .sum(la, lb, precision: precision, rounding: .down),
                         hi: .sum(ha, hb, precision: precision, rounding: .up))
    }

    func negate(_ a: Enclosure) -> Enclosure {
        switch a {
        case .exact(let q): return .exact(-q)
        case .interval(let lo, let hi): return .interval(lo: hi.negated, hi: lo.negated)
        }
    }

    func multiply(_ a: Enclosure, _ b: Enclosure) -> Enclosure {
        if a.isExactZero || b.isExactZero { return .zero }
        if let x = a.exactValue, let y = b.exactValue { return .exact(x * y) }
        let (la, ha) = interval(a), (lb, hb) = interval(b)
        if la.signum >= 0 && lb.signum >= 0 {  // the common case: both non-negative
            return .interval(lo: .product(la, lb, precision: precision, rounding: .down),
                             hi: .product(ha, hb, precision: precision, rounding: .up))
        }
        let pairs = [(la, lb), (la, hb), (ha, lb), (ha, hb)]
        var lo = MPFloat.product(pairs[0].0, pairs[0].1, precision: precision, rounding: .down)
        var hi = MPFloat.product(pairs[0].0, pairs[0].1, precision: precision, rounding: .up)
        for (x, y) in pairs.dropFirst() {
            let down = MPFloat.product(x, y, precision: precision, rounding: .down)
            let up = MPFloat.product(x, y, precision: precision, rounding: .up)
            if MPFloat.compare(down, lo) < 0 { lo = down }
            if MPFloat.compare(up, hi) > 0 { hi = up }
        }
        return .interval(lo: lo, hi: hi)
    }

    func divide(_ a: Enclosure, _ b: Enclosure) throws(NeedsMorePrecision) -> Enclosure {
        if a.isExactZero { return .zero }
        if let x = a.exactValue, let y = b.exactValue, !y.isZero { return .exact(x / y) }
        let (lb, hb) = interval(b)
        guard lb.signum > 0 || hb.signum < 0 else { throw NeedsMorePrecision() }
        let one = MPFloat(1.0)
        let reciprocal = Enclosure.interval(lo: .quotient(one, hb, precision: precision, rounding: .down),
                                            hi: .quotient(one, lb, precision: precision, rounding: .up))
        return multiply(a, reciprocal)
    }

    /// Below this argument e^x is not representable in MPFR's widest exponent range.
    static let expUnderflowArgument = MPFloat(-0x1p61)
    /// e^(−2⁶¹) < 2^(−2⁶¹). Made in MPFR's widest exponent range whatever the thread's range is at
    /// first use: in the default range 2^(−2⁶¹) underflows to 0, and a vanishing term bounded by
    /// [0, 0] would silently lose its perturbation (the sign of a zero limit, the side of a midpoint).
    static let expUnderflowBound = ExponentRange.widest { MPFloat(1.0).scaled(byPowerOfTwo: -(1 << 61)) }

    /// e^q for an exact q: exact 1 at q = 0; exactly 0 in limit mode when it is a vanishing term;
    /// otherwise each end of q's interval, rounded outward ([0, 2^(−2⁶¹)] below MPFR's range).
    func exponential(_ q: MPRational) -> Enclosure {
        if q.isZero { return .one }
        if let vanishing, vanishing.contains(q) { return .zero }
        let (lo, hi) = interval(.exact(q))
        func expEnd(_ x: MPFloat, _ rounding: Rounding) -> MPFloat {
            if MPFloat.compare(x, Self.expUnderflowArgument) < 0 {
                return rounding == .down ? MPFloat(0.0) : Self.expUnderflowBound
            }
            return x.exp(precision: precision, rounding: rounding)
        }
        return .interval(lo: expEnd(lo, .down), hi: expEnd(hi, .up))
    }

    func log(_ a: Enclosure) throws(NeedsMorePrecision) -> Enclosure {
        if let q = a.exactValue, q == MPRational(integer: 1) { return .zero }
        let (lo, hi) = interval(a)
        guard lo.signum > 0 else { throw NeedsMorePrecision() }
        return .interval(lo: lo.log(precision: precision, rounding: .down), hi: hi.log(precision: precision, rounding: .up))
    }

    func log1p(_ a: Enclosure) throws(NeedsMorePrecision) -> Enclosure {
        if a.isExactZero { return .zero }
        let (lo, hi) = interval(a)
        guard MPFloat.compare(lo, MPFloat(-1.0)) > 0 else { throw NeedsMorePrecision() }
        return .interval(lo: lo.log1p(precision: precision, rounding: .down), hi: hi.log1p(precision: precision, rounding: .up))
    }

    /// The enclosure of a quantity proved non-negative by algebra: its lower end raised to 0.
    func atLeastZero(_ a: Enclosure) -> Enclosure {
        guard case .interval(let lo, let hi) = a, lo.signum < 0 else { return a }
        return .interval(lo: MPFloat(0.0, precision: precision), hi: hi)
    }

    /// The enclosure of a quantity proved non-positive by algebra: its upper end lowered to 0.
    func atMostZero(_ a: Enclosure) -> Enclosure {
        guard case .interval(let lo, let hi) = a, hi.signum > 0 else { return a }
        return .interval(lo: lo, hi: MPFloat(0.0, precision: precision))
    }

    /// Σ terms: exact terms are added exactly, intervals end by end.
    func sum(_ terms: [Enclosure]) -> Enclosure {
        var exact = MPRational()
        var lo: MPFloat? = nil, hi: MPFloat? = nil
        for t in terms {
            switch t {
            case .exact(let q): exact = exact + q
            case .interval(let l, let h):
                lo = lo.map { MPFloat.sum($0, l, precision: precision, rounding: .down) } ?? MPFloat(l, precision: precision, rounding: .down)
                hi = hi.map { MPFloat.sum($0, h, precision: precision, rounding: .up) } ?? MPFloat(h, precision: precision, rounding: .up)
            }
        }
        guard let lo, let hi else { return .exact(exact) }
        return add(.exact(exact), .interval(lo: lo, hi: hi))
    }
}
