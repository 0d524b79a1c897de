import ArbitraryPrecision

/// The operations the reference's formulas are written with, once, for every arithmetic that
/// evaluates them: `IntervalArithmetic` (a proven enclosure of each quantity, `Enclosure`) and
/// `FirstOrderArithmetic` (an enclosure of each quantity and of its derivative with respect to the
/// vanishing exponentials, to decide on which side of its limit a result lies) and
/// `SecondOrderArithmetic` (the second derivative too, for limits whose first derivative is 0).
///
/// A formula only ever takes exponentials of exact rationals (the gaps dᵢ = (zᵢ − max)/T, or −|x|),
/// so `exponential` takes an `MPRational`: that is where an arithmetic sees which exponentials
/// vanish (below MPFR's range) and which are ordinary numbers.
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

    /// d_G: the largest exponent among the formula's exponentials e^d that vanish (d < −2⁶¹, see
    /// `IntervalArithmetic.vanishes`), nil when none does. Every vanishing exponential of the
    /// formula is then e^d = s·e^{d − d_G} with s = e^{d_G} and e^{d − d_G} ≤ 1.
    var largestVanishingExponent: MPRational? { get }
}

extension IntervalArithmetic {
    /// The threshold of `vanishes`, exactly.
    static let vanishingThreshold = MPRational(-0x1p61)

    /// True when e^q is below MPFR's widest range (q < −2⁶¹, so e^q < 2^(−2⁶¹)): an interval
    /// encloses it as [0, 2^(−2⁶¹)], limit mode as 0.
    static func vanishes(_ q: MPRational) -> Bool { (q - vanishingThreshold).signum < 0 }

    /// The largest of `exponents` whose exponential vanishes, nil when none does.
    static func largestVanishing<S: Sequence<MPRational>>(_ exponents: S) -> MPRational? {
        var largest: MPRational? = nil
        for q in exponents where vanishes(q) {
            if let l = largest, (q - l).signum <= 0 { continue }
            largest = q
        }
        return largest
    }
}
