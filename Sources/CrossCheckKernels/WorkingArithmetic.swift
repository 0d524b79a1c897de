// The working arithmetic of a kernel: the one place where a format's kernels choose how they
// compute. Every kernel is written once, generic over `WorkingArithmetic`, and instantiated with
//   Double        for Float16 and Float inputs where nothing cancels (LSE, softmax, log_softmax,
//                 CE, CE gradient for a class index, sigmoid, BCE): 53 bits against 11 or 24
//                 leave the final rounding the only visible error;
//   DoubleDouble  for Double inputs, and for Float16/Float where the exact result is a small
//                 difference of large terms (CE gradient for soft targets, MSE and its gradient,
//                 σ − t): 106 bits, with the magnitude of exponentials kept apart (`Scaled`) so
//                 that a result far smaller than its inputs does not underflow on the way;
//   ExtendedDoubleDouble  for those cancelling functions with Double inputs (and CE with soft
//                 targets): double-double with its own exponent, as the small differences of
//                 subnormal Double logits would otherwise lose the low word.
// Choosing the type is the only thing that differs between formats (`SoftmaxKernels.forEachRow`).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

protocol WorkingArithmetic: Sendable {
    static var zero: Self { get }
    static var one: Self { get }
    /// True when `Scaled` exponents are used (Double's range suffices for Float16/Float results).
    static var tracksExponent: Bool { get }
    init(_ x: Double)
    /// The value rounded to a Double (may underflow to 0 or overflow: for comparisons only).
    var leading: Double { get }
    var isZero: Bool { get }
    /// The value as a double-double (exact, except that it may underflow or overflow).
    var doubleDouble: DoubleDouble { get }
    static prefix func - (a: Self) -> Self
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static func + (a: Self, b: Double) -> Self
    static func - (a: Self, b: Double) -> Self
    static func * (a: Self, b: Double) -> Self
    static func / (a: Self, b: Double) -> Self
    /// a − b (exact for DoubleDouble).
    static func difference(_ a: Double, _ b: Double) -> Self
    /// a·b (exact for DoubleDouble unless it underflows).
    static func product(_ a: Double, _ b: Double) -> Self
    /// e^x, never underflowing when `tracksExponent`.
    static func exp(_ x: Self) -> Scaled<Self>
    /// e^x − 1 for −0.75 ≤ x ≤ 0.75, accurate relative to itself.
    static func expm1Near(_ x: Self) -> Self
    /// log(1 + x) for x ≥ 0.
    static func log1p(_ x: Self) -> Self
    /// self·2ⁿ.
    func scaled(by n: Int) -> Self
    /// self·2ⁿ rounded to the format T (correctly, up to the error already in self).
    func rounded<T: KernelScalar>(to: T.Type, scale n: Int) -> T
}

extension Double: WorkingArithmetic {
    static var one: Double { 1 }
    static var tracksExponent: Bool { false }
    var leading: Double { self }
    var isZero: Bool { self == 0 }
    var doubleDouble: DoubleDouble { DoubleDouble(self) }
    static func difference(_ a: Double, _ b: Double) -> Double { a - b }
    static func product(_ a: Double, _ b: Double) -> Double { a * b }
    static func exp(_ x: Double) -> Scaled<Double> { Scaled(libmExp(x), 0) }
    static func expm1Near(_ x: Double) -> Double { libmExpm1(x) }
    static func log1p(_ x: Double) -> Double { libmLog1p(x) }
    func scaled(by n: Int) -> Double { n == 0 ? self : Double(sign: .plus, exponent: n, significand: self) }
    func rounded<T: KernelScalar>(to: T.Type, scale n: Int) -> T { T(scaled(by: n)) }
}

extension DoubleDouble: WorkingArithmetic {
    static var tracksExponent: Bool { true }
    var doubleDouble: DoubleDouble { self }
    var leading: Double { hi }
    static func exp(_ x: DoubleDouble) -> Scaled<DoubleDouble> {
        let (m, n) = expScaled(x)
        return Scaled(m, n)
    }
    static func expm1Near(_ x: DoubleDouble) -> DoubleDouble { expm1Core(x) }

    func rounded<T: KernelScalar>(to: T.Type, scale n: Int) -> T {
        if T.floatFormat == .float64 { return T(roundedToDouble(scale: n)) }
        guard hi.isFinite, hi != 0 else { return T(hi) }
        var v = self
        if n != 0 {
            let e = hi.exponent + n
            if e < -1000 { return T(hi < 0 ? -0.0 : 0.0) }         // far below Float's least subnormal
            if e > 1000 { return T(hi < 0 ? -Double.infinity : .infinity) }
            v = scaled(by: n)
        }
        return T(v.roundedToOdd)
    }
}

/// mantissa·2^exponent: a value that may lie far outside Double's range (exponent is always 0 for
/// a working type that does not track exponents).
struct Scaled<W: WorkingArithmetic>: Sendable {
    var mantissa: W
    var exponent: Int

    init(_ mantissa: W, _ exponent: Int) {
        self.mantissa = mantissa
        self.exponent = exponent
    }

    init(_ plain: W) {
        mantissa = plain
        exponent = 0
    }

    static var zero: Scaled { Scaled(W.zero, 0) }

    /// The value as a plain W (underflowing gradually, overflowing to ±inf).
    var plain: W { exponent == 0 ? mantissa : mantissa.scaled(by: exponent) }

    var isZero: Bool { mantissa.isZero }

    func rounded<T: KernelScalar>(to: T.Type) -> T { mantissa.rounded(to: T.self, scale: exponent) }

    static func * (a: Scaled, b: Scaled) -> Scaled { Scaled(a.mantissa * b.mantissa, a.exponent + b.exponent).renormalized }
    static func * (a: Scaled, b: W) -> Scaled { Scaled(a.mantissa * b, a.exponent).renormalized }
    static func * (a: Scaled, b: Double) -> Scaled { Scaled(a.mantissa * b, a.exponent).renormalized }
    static func / (a: Scaled, b: W) -> Scaled { Scaled(a.mantissa / b, a.exponent).renormalized }
    static prefix func - (a: Scaled) -> Scaled { Scaled(-a.mantissa, a.exponent) }

    /// self / t for a finite t > 0, with t's binary exponent moved into `exponent` so that neither
    /// a tiny nor a huge temperature overflows the mantissa.
    func divided(by t: Double) -> Scaled {
        guard W.tracksExponent else { return Scaled(mantissa / t, 0) }
        let e = Int(t.exponent)
        return Scaled(mantissa / t.scaled(by: -e), exponent - e).renormalized
    }

    /// Moves the mantissa's binary exponent into `exponent` (mantissa ∈ [1, 2)).
    var renormalized: Scaled {
        guard W.tracksExponent else { return self }
        let h = mantissa.leading
        guard h.isFinite, h != 0 else { return self }
        let e = Int(h.exponent)
        if e == 0 { return self }
        return Scaled(mantissa.scaled(by: -e), exponent + e)
    }
}

extension Scaled {
    /// Σ terms (indices where `include` is true) at the scale of the largest term, so that a sum of
    /// exponentials all below Double's range keeps its accuracy.
    static func sum(_ terms: UnsafeMutableBufferPointer<Scaled<W>>, where include: (Int) -> Bool) -> Scaled {
        guard W.tracksExponent else {
            var s = W.zero
            for i in terms.indices where include(i) { s = s + terms[i].mantissa }
            return Scaled(s, 0)
        }
        var top = Int.min
        for i in terms.indices where include(i) && !terms[i].isZero { top = Swift.max(top, terms[i].exponent) }
        if top == Int.min { return .zero }
        let scale = top >= -960 ? 0 : top
        var s = W.zero
        for i in terms.indices where include(i) && !terms[i].isZero {
            s = s + terms[i].mantissa.scaled(by: terms[i].exponent - scale)
        }
        return Scaled(s, scale)
    }
}
