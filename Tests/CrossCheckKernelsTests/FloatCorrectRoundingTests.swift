import CrossCheckCore
@testable import CrossCheckKernels
import Testing

/// The elementwise paths of Float (and bfloat16, Float16: one generic implementation) round
/// correctly where the exact result sits next to a midpoint —
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

    /// The same next to midpoints in bfloat16 and Float16 (p = 8, 11), with one generic path: σ at
    /// x = (4k + 2)·2⁻ᵖ lies just below ½ + (k + ½)·2⁻ᵖ, σ(−x) just above ½ − (2k + 1)·2⁻ᵖ⁻¹.
    @Test func sigmoidJustBelowAMidpointInEveryFormat() throws {
        func check<T: KernelScalar>(_: T.Type) throws {
            let step = Double(sign: .plus, exponent: -T.floatFormat.precision, significand: 1)
            for k in [1, 5, 9] {
                let x = T(Double(4 * k + 2) * step)
                #expect(try SoftmaxKernels.evaluate(.sigmoid, logits: [x])[0] == T(0.5 + Double(k) * step), "σ(\(x))")
                #expect(try SoftmaxKernels.evaluate(.sigmoid, logits: [-x])[0] == T(0.5 - Double(2 * k + 1) * step / 2), "σ(\(-x))")
            }
        }
        try check(Float.self)
        try check(BFloat16.self)
        try check(Float16.self)
    }

    /// bfloat16 has subnormals down to 2⁻¹³³: at t = ½ its x = (4k + 2)·2⁻¹³³ give midpoints
    /// x/4 = (k + ½)·2⁻¹³³ that the series decides, as in Float.
    @Test func halfTargetGradientsOfBFloat16Subnormals() throws {
        let tiny = BFloat16.leastNonzeroMagnitude.kernelDouble
        func run(_ f: SoftmaxFunction, _ x: Double) throws -> Double {
            try SoftmaxKernels.evaluate(f, logits: [BFloat16(x)], target: .vector([0.5]))[0].kernelDouble
        }
        for k in [0, 1, 2, 3, 15] {
            let x = Double(4 * k + 2) * tiny
            #expect(try run(.bceWithLogitsGrad, x) == Double(k) * tiny, "bce′(\(x))")
            #expect(try run(.bceWithLogitsGrad, -x) == -Double(k) * tiny, "bce′(\(-x))")
            let y = Double(8 * k + 4) * tiny
            #expect(try run(.mseSigmoidGrad, y) == Double(k) * tiny, "mse′(\(y))")
        }
    }

    /// The fast test sends exactly the values near a midpoint to the slow path, in each format:
    /// in [½, 1) the midpoints are ½ + (k + ½)·2⁻ᵖ, below the least normal (k + ½)·2^(emin − p + 1).
    @Test func roundingTestFlagsOnlyValuesNearMidpoints() {
        func check<T: KernelScalar>(_: T.Type) {
            let format = T.floatFormat, boundary = RoundingBoundary(format)
            func decided(_ v: Double) -> Bool { CorrectlyRoundedElementwise<T>.isRoundingDecided(v, boundary) }
            let p = format.precision
            let midpoint = 0.5 + 1.5 * Double(sign: .plus, exponent: -p, significand: 1)
            #expect(!decided(midpoint), "\(format)")
            #expect(!decided(midpoint + 64 * 0x1p-53) && !decided(midpoint - 64 * 0x1p-53), "\(format)")
            #expect(decided(midpoint + 65 * 0x1p-53) && decided(midpoint - 65 * 0x1p-53), "\(format)")
            #expect(decided(0.5) && decided(0) && decided(-0.75), "\(format)")
            let tiny = format.leastNonzeroMagnitude
            #expect(!decided(1.5 * tiny) && !decided(-2.5 * tiny), "\(format): subnormal midpoints")
            #expect(decided(1.25 * tiny) && decided(0.25 * tiny), "\(format)")
        }
        check(Float.self)
        check(BFloat16.self)
        check(Float16.self)
    }
}
