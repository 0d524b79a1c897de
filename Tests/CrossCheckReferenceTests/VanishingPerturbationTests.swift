import CrossCheckCore
@testable import CrossCheckReference
import ArbitraryPrecision
import Testing

/// Rows whose limit, as an exponential below MPFR's range vanishes, is exactly a rounding boundary
/// (a midpoint between two values of the format, or 0 between −0 and +0): the side is the sign of
/// the first-order perturbation (`FirstOrderArithmetic`), or of the second-order one when the
/// first is proven exactly 0 at s = 0 (`SecondOrderArithmetic`).
///
/// Every row is [M, 0, M] (one longer row pads it with zeros) with M the format's largest finite
/// value and T = 1, so the middle class's exponential is ε = e^(−M), and p₀ = p₂ = 1/(2 + ε),
/// p₁ = ε/(2 + ε). The expected values
/// were computed independently with mpmath by `Fixtures/perturbation/verify_perturbation.py`: the
/// defining formulas with ε = 2^−2000 and 2^−4000 at 20000 bits, correctly rounded by integer
/// arithmetic (both ε agree). They agree with the closed forms, for targets t = (t₀, 0, t₂):
///   MSE gradient₀ = (t₂ − t₀)/2 + ε·(½ − t₂)/2 + O(ε²),  gradient₂ = (t₀ − t₂)/2 + ε·(½ − t₀)/2 + O(ε²)
///   CE gradient₀ = ((t₂ − t₀) − t₀ε)/(2 + ε) = (t₂ − t₀)/2 − ε·Σt/4 + O(ε²), likewise for class 2.
@Suite struct VanishingPerturbationTests {
    let reference = ReferenceImplementation()

    /// The row [M, 0, M], padded with logits 0 to as many classes as there are targets.
    func values(_ f: SoftmaxFunction, _ format: FloatFormat, targets: [Double]) throws -> [Double] {
        let m = format == .float64 ? Double.greatestFiniteMagnitude : Double(Float.greatestFiniteMagnitude)
        let logits = [m, 0, m] + Array(repeating: 0, count: targets.count - 3)
        return try reference.evaluate(Problem(function: f, format: format, logits: logits, target: .vector(targets))).values
    }

    /// The shrunk counterexamples of `crosscheck check --external "crosscheck eval --reference"`
    /// --seed 13 and --seed 35, which ended in "could not round output 0 … within 16384 bits".
    /// Output 0's limit (t₂ − t₀)/2 is a binary64 midpoint and its coefficient (½ − t₂)/2 > 0: the
    /// upper neighbour; output 2's limit is minus that midpoint and (½ − t₀)/2 > 0: toward 0.
    @Test func propertyEngineCounterexamples() throws {
        let seed13 = try values(.mseSoftmaxGrad, .float64, targets: [0.009883263608049843, 0, 0.09375])
        #expect(sameBits(seed13, [0x1.5784a5a0692e6p-5, -0.0, -0x1.5784a5a0692e5p-5]), "\(seed13)")
        let seed35 = try values(.mseSoftmaxGrad, .float64, targets: [0.01720333893671284, 0, 0.0625])
        #expect(sameBits(seed35, [0x1.7311fbbc50677p-6, -0.0, -0x1.7311fbbc50676p-6]), "\(seed35)")
    }

    /// t₂ = ¾ > ½ makes output 0's coefficient negative (the lower neighbour); t₂ = ⅜ positive.
    @Test func mseSoftmaxGradientOnBothSides() throws {
        let below = try values(.mseSoftmaxGrad, .float64, targets: [0x1p-54, 0, 0.75])
        #expect(sameBits(below, [0x1.7ffffffffffffp-2, -0.0, -0x1.7ffffffffffffp-2]), "\(below)")
        let below32 = try values(.mseSoftmaxGrad, .float32, targets: [0x1p-25, 0, 0.75])
        #expect(sameBits(below32, [0x1.7ffffep-2, -0.0, -0x1.7ffffep-2]), "\(below32)")
        let above32 = try values(.mseSoftmaxGrad, .float32, targets: [0x1p-26, 0, 0.375])
        #expect(sameBits(above32, [0x1.8p-3, -0.0, -0x1.7ffffep-3]), "\(above32)")
        // Past `RowEvaluation.pairwiseLimit` classes (the O(n) grouped form, `groupedSums`), 517 more vanishing terms.
        let long = try values(.mseSoftmaxGrad, .float64, targets: [0x1p-54, 0, 0.75] + Array(repeating: 0, count: 517))
        #expect(sameBits(long, [0x1.7ffffffffffffp-2, -0.0, -0x1.7ffffffffffffp-2] + Array(repeating: -0.0, count: 517)))
    }

    /// The coefficient −Σt/4: negative with positive targets, positive with negative ones.
    @Test func crossEntropyGradientOnBothSides() throws {
        let below = try values(.crossEntropyGrad, .float64, targets: [0x1p-54, 0, 0.75])
        #expect(sameBits(below, [0x1.7ffffffffffffp-2, 0.0, -0x1.8p-2]), "\(below)")
        let above = try values(.crossEntropyGrad, .float64, targets: [-0.75, 0, -0x1p-54])
        #expect(sameBits(above, [0x1.8p-2, -0.0, -0x1.7ffffffffffffp-2]), "\(above)")
        let below32 = try values(.crossEntropyGrad, .float32, targets: [0x1p-25, 0, 0.75])
        #expect(sameBits(below32, [0x1.7ffffep-2, 0.0, -0x1.8p-2]), "\(below32)")
    }

    /// A limit of exactly 0 takes the perturbation's sign (t₀ = t₂: CE gradient₀ = −t₀ε/(2 + ε) < 0),
    /// where rounding the limit would give +0.
    @Test func zeroLimitTakesThePerturbationSign() throws {
        let v = try values(.crossEntropyGrad, .float64, targets: [0.25, 0, 0.25])
        #expect(sameBits(v, [-0.0, 0.0, -0.0]), "\(v)")
    }

    /// With t₂ − t₁ = ½ output 0's first-order coefficient (t₁ − t₂)/2 + ¼ is exactly 0, and its
    /// side is the sign of the second-order one, t₀/8 − t₁/2 + 3t₂/8 − 5/8 (`SecondOrderArithmetic`;
    /// output 2 is its mirror image). mpmath agrees on both sides (eps² coefficients −0.4375 and
    /// 0.0625, the same at ε = 2^−2000 and 2^−4000).
    @Test func secondOrderDecidesWhenTheFirstOrderVanishes() throws {
        // The limit ¼ − 2^−56 (a binary64 midpoint), c₂ < 0: the lower neighbour.
        let below = try values(.mseSoftmaxGrad, .float64, targets: [0x1p-55, 0, 0.5])
        #expect(sameBits(below, [0x1.fffffffffffffp-3, -0.0, -0x1.fffffffffffffp-3]), "\(below)")
        let below32 = try values(.mseSoftmaxGrad, .float32, targets: [0x1p-26, 0, 0.5])
        #expect(sameBits(below32, [0x1.fffffep-3, -0.0, -0x1.fffffep-3]), "\(below32)")
        // The limit −1.75 − 2^−53, c₂ = 1/16 + t₀/8 > 0: above, toward −1.75.
        let above = try values(.mseSoftmaxGrad, .float64, targets: [0x1p-52, -4, -3.5])
        #expect(sameBits(above, [-0x1.cp0, 0.0, 0x1.cp0]), "\(above)")
        let above32 = try values(.mseSoftmaxGrad, .float32, targets: [0x1p-23, -4, -3.5])
        #expect(sameBits(above32, [-0x1.cp0, 0.0, 0x1.cp0]), "\(above32)")
    }

    /// t = (½, 0, ½): every output's limit is 0 and every first-order coefficient is 0; the
    /// second-order ones are −3/8, 3/4, −3/8 (mpmath), so the zeros are −0, +0, −0.
    @Test func zeroLimitsTakeTheSecondOrderSign() throws {
        let v = try values(.mseSoftmaxGrad, .float64, targets: [0.5, 0, 0.5])
        #expect(sameBits(v, [-0.0, 0.0, -0.0]), "\(v)")
    }

    /// Two vanishing exponentials of different sizes ([M, 0, M, 1]: ε and eε) make r = e^(−1)
    /// transcendental: f′(0) = (¼ − t₂/2)·(1 + e^(−1)) is 0, but the single-direction derivative at
    /// s = 0 is an interval, not an exact 0. The partial derivatives with respect to each group
    /// (`PartialsAtZeroArithmetic`) are both the exact rational 0, which proves f′(0) = 0, and the
    /// second order decides: the limit ¼ − 2^−56 is a midpoint, f″ < 0, the lower neighbour.
    /// mpmath (`verify_perturbation.py`, ε = 2^−2000 and 2^−4000, ratio e): the same bits, second-
    /// order coefficient −4.6895677.
    @Test func firstOrderZeroThroughSeparatePartials() throws {
        let m = Double.greatestFiniteMagnitude
        let problem = Problem(function: .mseSoftmaxGrad, format: .float64, logits: [m, 0, m, 1], target: .vector([0x1p-55, 0, 0.5, 0]))
        let v = try reference.evaluate(problem).values
        #expect(sameBits(v, [0x1.fffffffffffffp-3, -0.0, -0x1.fffffffffffffp-3, -0.0]), "\(v)")
    }

    /// The vanishing terms e^{d_G} and e^{d_G − 1} below MPFR's range (θ = −2⁶¹).
    static func vanishing(_ dG: MPRational) -> VanishingTerms {
        VanishingTerms([dG, dG - MPRational(integer: 1)], below: MPRational(-0x1p61), precision: 100)!
    }

    /// The derivative rules themselves, on g(s) = log1p(ε₁)/(2 + ε₂) with ε₁ = s (d_G = −2⁶²) and
    /// ε₂ = s·e^(−1): g′(σ) ∈ 1/(2 + ε₂)·1/(1 + ε₁) − log1p(ε₁)e^(−1)/(2 + ε₂)², so [½ − tiny, ½].
    @Test func firstOrderRules() throws {
        let dG = MPRational(-0x1p62)
        let a = FirstOrderArithmetic(precision: 100, vanishing: Self.vanishing(dG))
        let g = try ExponentRange.widest { () throws(NeedsMorePrecision) in
            let e1 = a.exponential(dG), e2 = a.exponential(dG - MPRational(integer: 1))
            return try a.divide(try a.log1p(e1), a.add(a.constant(MPRational(integer: 2)), e2))
        }
        #expect(a.exponential(dG).derivative.exactValue == MPRational(integer: 1))  // r_G = 1
        guard case .interval(let lo, let hi) = g.derivative else { Issue.record("not an interval"); return }
        let half = MPFloat(0.5), tolerance = MPFloat(0x1p-90)
        #expect(MPFloat.compare(lo, half) <= 0 && MPFloat.compare(hi, half) >= 0)
        #expect(MPFloat.compare(MPFloat.difference(hi, lo, precision: 64, rounding: .up), tolerance) < 0)
        #expect(g.derivative.provenSign == 1)
    }

    /// The second-order rules and the point evaluation, on g(s) = log1p(ε₁)/(2 + ε₂) as above: at
    /// σ = 0, g′(0) = 1/2 exactly; over the range, g″(σ) encloses g″(0) = (−1 − e^(−1))/2 (from
    /// q″ = (u″ − 2q′v′ − qv″)/v with u″ = −1, q′ = ½, v′ = e^(−1), q = 0, v = 2), tightly.
    @Test func secondOrderRules() throws {
        let dG = MPRational(-0x1p62)
        let point = FirstOrderArithmetic(precision: 100, vanishing: Self.vanishing(dG), atZero: true)
        let g0 = try ExponentRange.widest { () throws(NeedsMorePrecision) in
            try point.divide(try point.log1p(point.exponential(dG)),
                             point.add(point.constant(MPRational(integer: 2)), point.exponential(dG - MPRational(integer: 1))))
        }
        #expect(g0.value.isExactZero)
        #expect(g0.derivative.exactValue == MPRational(integer: 1) / MPRational(integer: 2))
        let a = SecondOrderArithmetic(precision: 100, vanishing: Self.vanishing(dG))
        let g = try ExponentRange.widest { () throws(NeedsMorePrecision) in
            try a.divide(try a.log1p(a.exponential(dG)), a.add(a.constant(MPRational(integer: 2)), a.exponential(dG - MPRational(integer: 1))))
        }
        guard case .interval(let lo, let hi) = g.second else { Issue.record("not an interval"); return }
        let expected = -0.6839397205857212  // (−1 − e^(−1))/2 to binary64
        #expect(MPFloat.compare(lo, MPFloat(expected + 0x1p-50)) <= 0 && MPFloat.compare(hi, MPFloat(expected - 0x1p-50)) >= 0)
        #expect(MPFloat.compare(MPFloat.difference(hi, lo, precision: 64, rounding: .up), MPFloat(0x1p-90)) < 0)
        #expect(g.second.provenSign == -1)
    }
}

/// The bound of exponentials below MPFR's range must not depend on the exponent range of the
/// thread that first uses it: made in a narrow range it underflowed to 0, and vanishing terms lost
/// their perturbation (seen as flaky wrong signs of zero limits, depending on test order).
@Suite struct UnderflowBoundTests {
    @Test func boundIsPositiveWhateverTheCallersRange() {
        let bound = ExponentRange.with(emin: -1074, emax: 1024) { IntervalArithmetic.expUnderflowBound }
        #expect(!bound.isZero && bound.isFinite)
        #expect(ExponentRange.widest { bound.exponent } < -(1 << 60))
    }
}
