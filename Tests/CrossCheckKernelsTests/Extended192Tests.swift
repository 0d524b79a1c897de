import ArbitraryPrecision
import CrossCheckCore
@testable import CrossCheckKernels
import Foundation
import Testing

/// The retry arithmetic of the binary64 kernels against MPFR at 320 bits: each operation within its
/// documented bound (Extended192.swift, Extended192+Elementary.swift), on edge arguments.
@Suite struct Extended192Tests {
    static let precision = 320

    /// The exact value of x in MPFR (192 bits and the sign: exact at 320 bits).
    static func exact(_ x: Extended192) -> MPFloat {
        switch x.kind {
        case .zero: return MPFloat(x.negative ? -0.0 : 0, precision: precision)
        case .infinity: return MPFloat(x.negative ? -.infinity : .infinity, precision: precision)
        case .nan: return MPFloat(.nan, precision: precision)
        case .finite: break
        }
        var sum = MPFloat(0, precision: precision)
        for (k, limb) in [x.high, x.middle, x.low].enumerated() {
            for (h, half) in [limb >> 32, limb & 0xFFFF_FFFF].enumerated() {
                let weight = x.exponent - 191 + 128 - 64 * k + 32 - 32 * h
                let piece = MPFloat(Double(half), precision: precision).scaled(byPowerOfTwo: weight)
                sum = MPFloat.sum(sum, piece, precision: precision)
            }
        }
        return x.negative ? sum.negated : sum
    }

    /// log₂ of the relative error of `got` against `expected` (−inf when exact).
    static func errorBits(_ got: Extended192, _ expected: MPFloat) -> Double {
        let difference = MPFloat.difference(exact(got), expected, precision: precision)
        if difference.isZero { return -.infinity }
        let relative = MPFloat.quotient(difference, expected, precision: 64).magnitude
        return Double(relative.exponent) // 2^(e−1) ≤ |relative| < 2^e
    }

    static func mp(_ x: Double) -> MPFloat { MPFloat(x, precision: precision) }

    static let edgeArguments: [Double] = [
        0x1p-1074, 1e-300, 0x1p-201, 0x1p-199, 1e-20, 0x1p-60, 1e-3, 0.25, 0.34657359027997264, 0.3465735902799727, 0.5,
        0.6931471805599453, 0.75, 1, 2.5, 10, 88.72283905206835, 100 * 0.6931471805599453, 700, 709.782712893384,
        745.1332191019411, 1000.5, 2000, 4095.5,
    ]

    @Test func ln2IsCorrectTo192Bits() {
        let ln2 = Self.mp(2).log(precision: Self.precision)
        #expect(Self.errorBits(Extended192.ln2, ln2) <= -192)
    }

    @Test(arguments: edgeArguments)
    func expMatchesMPFR(_ a: Double) {
        for x in [a, -a] {
            let got = Extended192.exp(Extended192(x)).mantissa
            let bits = Self.errorBits(got, Self.mp(x).exp(precision: Self.precision))
            #expect(bits <= -175, "exp(\(x)): 2^\(bits)")
        }
    }

    @Test func expLimits() {
        #expect(Extended192.exp(Extended192(-5000)).mantissa.isZero)
        #expect(Extended192.exp(Extended192(5000)).mantissa.leading == .infinity)
        #expect(Extended192.exp(Extended192(-.infinity)).mantissa.isZero)
        #expect(Extended192.exp(Extended192(.nan)).mantissa.leading.isNaN)
        #expect(Extended192.exp(.zero).mantissa.leading == 1)
    }

    @Test(arguments: edgeArguments.filter { $0 <= 0.75 })
    func expm1MatchesMPFRRelativeToItself(_ a: Double) {
        for x in [a, -a] {
            let got = Extended192.expm1Near(Extended192(x))
            let bits = Self.errorBits(got, Self.mp(x).expm1(precision: Self.precision))
            #expect(bits <= -179, "expm1(\(x)): 2^\(bits)")
        }
    }

    @Test(arguments: [0x1p-1074, 0x1p-71, 0x1p-69, 1e-10, 0.5, 1, 1.1170000166126748, 2, 1000, 32767])
    func log1pMatchesMPFR(_ s: Double) {
        let got = Extended192.log1p(Extended192(s))
        let bits = Self.errorBits(got, Self.mp(s).log1p(precision: Self.precision))
        #expect(bits <= -173, "log1p(\(s)): 2^\(bits)")
    }

    /// +, −, × within 2⁻¹⁹⁰ and ÷ within 2⁻¹⁸⁹ on operands of 192 bits: sums of three Doubles at various scales,
    /// cancelling sums, subnormal Doubles.
    @Test func arithmeticIsWithinItsBound() {
        var rng = SplitMix64(seed: 192)
        func operand() -> Extended192 {
            let scale = Int.random(in: -1100...1100, using: &rng)
            let a = Double.random(in: -2...2, using: &rng)
            return (Extended192(a) + Extended192(Double.random(in: -1...1, using: &rng)) * 0x1p-60 + Extended192(Double.random(in: -1...1, using: &rng)) * 0x1p-130)
                .scaled(by: scale)
        }
        for _ in 0..<400 {
            let a = operand()
            var b = operand()
            if Bool.random(using: &rng) { b = a + a * Extended192(Double.random(in: -1...1, using: &rng) * 0x1p-150) }  // a − b cancels
            let (ma, mb) = (Self.exact(a), Self.exact(b))
            let p = Self.precision
            let cases: [(String, Extended192, MPFloat)] = [
                ("+", a + b, MPFloat.sum(ma, mb, precision: 2 * p)), ("−", a - b, MPFloat.difference(ma, mb, precision: 2 * p)),
                ("×", a * b, MPFloat.product(ma, mb, precision: 2 * p)), ("÷", a / b, MPFloat.quotient(ma, mb, precision: 2 * p)),
            ]
            for (name, got, expected) in cases where !expected.isZero {
                let bits = Self.errorBits(got, expected)
                #expect(bits <= (name == "÷" ? -189 : -190), "\(name): 2^\(bits)")
            }
        }
        #expect(Self.errorBits((Extended192(1) + Extended192(0x1p-150)) - 1, Self.mp(0x1p-150)) == -.infinity)  // exact
        #expect(((Extended192(1) + Extended192(0x1p-1074)) - 1).isZero)  // below the last of 192 bits
        #expect(Self.errorBits(Extended192(0x1.8p-1070) / Extended192(3), MPFloat.quotient(Self.mp(0x1.8p-1070), Self.mp(3), precision: 400)) <= -189)
    }

    /// Rounding to binary64 (nearest, ties to even, gradual underflow) agrees with MPFR's.
    @Test func roundingToDoubleIsCorrect() {
        var rng = SplitMix64(seed: 64)
        let ieee = FloatFormat.float64.ieee
        for _ in 0..<2000 {
            let scale = Int.random(in: -1130...1030, using: &rng)
            var x = Extended192(Double.random(in: 1..<2, using: &rng)) + Extended192(Double.random(in: -1...1, using: &rng)) * 0x1p-53
            if Bool.random(using: &rng) { x = x + Extended192(Double(sign: .plus, exponent: -53, significand: 1)) }  // near a tie
            x = x.scaled(by: scale)
            #expect(x.rounded(to: Double.self, scale: 0) == ieee.round(Self.exact(x)), "\(x.leading)")
        }
        let halfLeast = Extended192(0x1p-1074).scaled(by: -1)
        #expect(halfLeast.rounded(to: Double.self, scale: 0) == 0)  // a tie: to even
        #expect((halfLeast + Extended192(0x1p-1074).scaled(by: -120)).rounded(to: Double.self, scale: 0) == 0x1p-1074)
        #expect(Extended192(0x3p-1074).scaled(by: -1).rounded(to: Double.self, scale: 0) == 0x1p-1073)  // 1.5 units: to even
        #expect(Extended192(0x1.fffffffffffffp1023).rounded(to: Double.self, scale: 1) == .infinity)
        #expect((-Extended192(1)).rounded(to: Double.self, scale: -1080) == -0.0)
    }

    /// Ziv's test flags σ − t and (Σt)eᵢ − tᵢS that cancel beyond the thresholds, and nothing
    /// ordinary; the double-double kernels of the other formats never flag.
    @Test func zivTestFlagsOnlyCancellingDifferences() {
        func flags<W: WorkingArithmetic>(_: W.Type, _ x: Double, _ t: Double) -> Bool {
            var cancelled = false
            _ = ElementwiseKernel<Double, W>.evaluate(.bceGradient, x, t, cancelled: &cancelled)
            return cancelled
        }
        #expect(flags(ExtendedDoubleDouble.self, -1.6321805843714172, 0.16353186195913888))
        #expect(!flags(DoubleDouble.self, -1.6321805843714172, 0.16353186195913888))
        for (x, t) in [(1.0, 0.3), (-1.6321805843714172, 0.16), (0.1, 0.5), (-20.0, 0.0), (5.0, 1.0), (0.0, 0.5), (-700.0, 1e-300)] {
            #expect(!flags(ExtendedDoubleDouble.self, x, t), "\(x), \(t)")
        }

        let z = [1.3302278024821605, -2.176024019687867, 0.09319923169450933, -0.6426846383424939, 0.883551858489745]
        let near = [0.001251801114355922, 3.756552954633927e-05, 0.00036332949195758954, 0.0001740645563424477, 0.0008008412524323617]
        let workspace = RowWorkspace<Double, ExtendedDoubleDouble>(classes: 5, temperature: 1)
        var out = [Double](repeating: 0, count: 5)
        for (targets, expected) in [(near, true), ([0.1, 0.2, 0.3, 0.2, 0.2], false)] {
            workspace.cancelled = false
            z.withUnsafeBufferPointer { zb in
                targets.withUnsafeBufferPointer { tb in workspace.crossEntropyGradient(zb, .vector(tb), into: &out) }
            }
            #expect(workspace.cancelled == expected, "\(targets)")
        }
    }
}
