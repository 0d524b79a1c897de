import ArbitraryPrecision

/// The operations the reference's formulas are written with, once, for every arithmetic that
/// evaluates them: `IntervalArithmetic` (a proven enclosure of each quantity, `Enclosure`) and
/// `FirstOrderArithmetic` (an enclosure of each quantity and of its derivative with respect to the
/// vanishing exponentials, to decide on which side of its limit a result lies) and
/// `SecondOrderArithmetic` (the second derivative too, for limits whose first derivative is 0) and
/// `PartialsAtZeroArithmetic` (one partial derivative per group of vanishing exponentials, at 0).
///
/// A formula only ever takes exponentials of exact rationals (the gaps dᵢ = (zᵢ − max)/T, or −|x|),
/// so `exponential` takes an `MPRational`: that is where an arithmetic sees which exponentials
/// vanish (`VanishingTerms`, in limit mode) and which are ordinary numbers.
///
/// Every conformance must be sound: each result encloses the exact value (and, for the first- and
/// second-order arithmetics, the exact derivatives) for every admissible value of the inputs it
/// encloses. Failing operations (a denominator or a logarithm's argument not bounded away from 0
/// at this precision) throw `NeedsMorePrecision`.
protocol EnclosureArithmetic {
    associatedtype Number

    /// Bits of each interval end.
    var precision: Int { get }

    /// An exact rational (a target, a gap, 1 − t, 1/T, …).
    func constant(_ q: MPRational) -> Number
    /// e^q for an exact rational q.
    func exponential(_ q: MPRational) -> Number

    func add(_ a: Number, _ b: Number) -> Number
    func negate(_ a: Number) -> Number
    func multiply(_ a: Number, _ b: Number) -> Number
    func divide(_ a: Number, _ b: Number) throws(NeedsMorePrecision) -> Number
    func log(_ a: Number) throws(NeedsMorePrecision) -> Number
    func log1p(_ a: Number) throws(NeedsMorePrecision) -> Number
    /// Σ terms.
    func sum(_ terms: [Number]) -> Number

    /// A quantity proved non-negative by algebra (for every value of the vanishing terms): its
    /// enclosure's lower end raised to 0.
    func atLeastZero(_ a: Number) -> Number
    /// A quantity proved non-positive by algebra: its enclosure's upper end lowered to 0.
    func atMostZero(_ a: Number) -> Number
}

extension EnclosureArithmetic {
    var zero: Number { constant(MPRational()) }
    var one: Number { constant(MPRational(integer: 1)) }

    func subtract(_ a: Number, _ b: Number) -> Number { add(a, negate(b)) }
}

/// A formula evaluated by Ziv's loop (`zivRound`): enclosures of some of its outputs in any
/// `EnclosureArithmetic`.
protocol EnclosureFormula {
    /// The enclosures of `outputs` (indices into the outputs), in that order.
    func enclose<A: EnclosureArithmetic>(_ arithmetic: A, _ outputs: [Int]) throws(NeedsMorePrecision) -> [A.Number]

    /// The exponents d of every exponential e^d the formula takes (with repetitions allowed):
    /// Ziv's loop picks the vanishing ones among them (`VanishingTerms`).
    var exponents: [MPRational] { get }

    /// The enclosures of `outputs` one at a time, `body(k, enclosure of outputs[k])` in order, so
    /// that a caller deciding each at once holds one output's enclosure, not the row's. Throws
    /// when the evaluation needs more precision, after the outputs it did give.
    func forEachEnclosure<A: EnclosureArithmetic>(_ arithmetic: A, _ outputs: [Int], _ body: (Int, A.Number) -> Void) throws(NeedsMorePrecision)
}

extension EnclosureFormula {
    func forEachEnclosure<A: EnclosureArithmetic>(_ arithmetic: A, _ outputs: [Int], _ body: (Int, A.Number) -> Void) throws(NeedsMorePrecision) {
        for (k, x) in try enclose(arithmetic, outputs).enumerated() { body(k, x) }
    }
}

extension IntervalArithmetic {
    /// Below this exponent e^d is not representable in MPFR's widest range (e^d < 2^(−2⁶¹)): a plain
    /// interval encloses it as [0, 2^(−2⁶¹)].
    static let mpfrRangeThreshold = MPRational(-0x1p61)
}

/// The exponentials that limit mode treats as vanishing, at one level of Ziv's loop: every e^d
/// with d < θ, an exact rational threshold (`zivRound` takes θ = −w at working precision w, so
/// e^d < e^(−w) < 2^(−1.44w): terms that are tiny next to anything the precision resolves).
///
/// With d_G the largest vanishing exponent, s = e^{d_G} is the perturbation parameter: every
/// vanishing exponential is e^{dⱼ} = s·rⱼ with rⱼ = e^{dⱼ − d_G} ∈ (0, 1] (r_G = 1 exactly), and the
/// result is f(s), a function of one real variable, with f(0) the limit limit mode computes. s lies
/// in [0, `bound`], bound = e^{d_G} rounded up (2^(−2⁶¹) when d_G is below MPFR's range).
///
/// The vanishing exponentials with the same exponent form a group (`groups`, the distinct
/// exponents, largest first): the partial derivatives at 0 with respect to each group separately
/// (`PartialsAtZeroArithmetic`) prove f′(0) = Σ_g r_g ∂_g f(0) exactly 0 when every ∂_g f(0) is.
struct VanishingTerms {
    let threshold: MPRational
    /// d_G.
    let largest: MPRational
    /// The distinct vanishing exponents, largest first; nil when there are more than `groupLimit`.
    let groups: [MPRational]?
    /// An upper bound of s = e^{d_G}.
    let bound: MPFloat

    static let groupLimit = 32

    /// The vanishing terms of `exponents` below `threshold`, nil when none vanishes.
    init?(_ exponents: [MPRational], below threshold: MPRational, precision: Int) {
        var distinct: [MPRational] = []
        var largest: MPRational? = nil
        var tooMany = false
        for q in exponents where q < threshold {
            if let l = largest {
                if q > l { largest = q }
            } else {
                largest = q
            }
            if !tooMany && !distinct.contains(q) {
                distinct.append(q)
                if distinct.count > Self.groupLimit { tooMany = true }
            }
        }
        guard let largest else { return nil }
        self.threshold = threshold
        self.largest = largest
        groups = tooMany ? nil : distinct.sorted(by: >)
        bound = IntervalArithmetic(precision: precision).interval(IntervalArithmetic(precision: precision).exponential(largest)).hi
    }

    /// True when e^q is one of the vanishing terms.
    func contains(_ q: MPRational) -> Bool { q < threshold }

    /// σ ∈ [0, bound].
    var range: Enclosure { .interval(lo: MPFloat(0.0), hi: bound) }
}
