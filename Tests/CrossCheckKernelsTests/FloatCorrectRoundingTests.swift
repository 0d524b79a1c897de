import CrossCheckCore
@testable import CrossCheckKernels
import Testing

/// The Float elementwise paths round correctly where the exact result sits next to a midpoint —
/// the cases a Double evaluation or a double-double one rounds wrongly. Every expected value here
/// follows from the Taylor series with its sign (see `Elementwise+CorrectRounding.swift`); the
/// exhaustive sweep against MPFR (Docs/EXHAUSTIVE.md) checks all 2³² inputs.
@Suite struct FloatCorrectRoundingTests {
    func run(_ f: SoftmaxFunction, _ x: Float, t: Float? = nil) throws -> Float {
        try SoftmaxKernels.evaluate(f, logits: [x], target: t.map { .vector([Double($0)]) })[0]
    }

    /// σ(6·2⁻²⁴) = ½ + 1.5·2⁻²⁴ − 2⁻⁶⁷·… lies just below the midpoint between ½ + 2⁻²⁴ and ½ + 2⁻²³:
    /// the Double evaluation gave ½ + 2⁻²³ (0.5000001).
    @Test func sigmoidJustBelowAMidpoint() throws {
        for k in [1, 5, 9] {
            let x = Float(4 * k + 2) * 0x1p-24
            #expect(try run(.sigmoid, x) == 0.5 + Float(k) * 0x1p-24, "σ(\(x))")
            // 1 − σ(x) = ½ − (2k + 1)·2⁻²⁵ + x³/48: a Float itself (the spacing below ½ is 2⁻²⁵).
            #expect(try run(.sigmoid, -x) == 0.5 - Float(2 * k + 1) * 0x1p-25, "σ(\(-x))")
        }
        #expect(try run(.sigmoid, 6 * 0x1p-24) == 0.50000006)
    }

    /// At t = ½ and a subnormal x = (4k + 2)·2⁻¹⁴⁹, σ − ½ = x/4 − x³/48 + … is just below the midpoint
    /// (k + ½)·2⁻¹⁴⁹: it rounds to k·2⁻¹⁴⁹ (the double-double kernel rounded half of them up).
    @Test func halfTargetGradientsOfSubnormals() throws {
        let tiny = Float.leastNonzeroMagnitude
        for k in [0, 1, 2, 3, 1000] {
            let x = Float(4 * k + 2) * tiny
            #expect(try run(.bceWithLogitsGrad, x, t: 0.5) == Float(k) * tiny, "bce′(\(x))")
            #expect(try run(.bceWithLogitsGrad, -x, t: 0.5) == -Float(k) * tiny, "bce′(\(-x))")
            // 2(σ − ½)σ(x)σ(−x) = x/8 − x³/24 + …: the midpoint (k + ½)·2⁻¹⁴⁹ at x = (8k + 4)·2⁻¹⁴⁹.
            let y = Float(8 * k + 4) * tiny
            #expect(try run(.mseSigmoidGrad, y, t: 0.5) == Float(k) * tiny, "mse′(\(y))")
        }
        // (σ − ½)² = x²/16 − x⁴/96 at x = 4097·2⁻⁴⁰: x²/16 = 16785409·2⁻⁸⁴ is a midpoint; below it.
        #expect(try run(.mseSigmoid, 4097 * 0x1p-40, t: 0.5) == 16_785_408 * 0x1p-84)
    }

    /// The fast test sends exactly the values near a midpoint to the slow path.
    @Test func roundingTestFlagsOnlyValuesNearMidpoints() {
        let midpoint = 0.5 + 1.5 * 0x1p-24
        #expect(!CorrectlyRoundedFloatElementwise.isRoundingDecided(midpoint))
        #expect(!CorrectlyRoundedFloatElementwise.isRoundingDecided(midpoint + 64 * 0x1p-53))
        #expect(CorrectlyRoundedFloatElementwise.isRoundingDecided(midpoint + 65 * 0x1p-53))
        #expect(CorrectlyRoundedFloatElementwise.isRoundingDecided(0.5))
        #expect(CorrectlyRoundedFloatElementwise.isRoundingDecided(0))
        #expect(!CorrectlyRoundedFloatElementwise.isRoundingDecided(1.5 * 0x1p-149))  // subnormal midpoint
        #expect(CorrectlyRoundedFloatElementwise.isRoundingDecided(1.25 * 0x1p-149))
    }
}
