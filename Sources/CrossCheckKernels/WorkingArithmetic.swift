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
//                 subnormal Double logits would otherwise lose the low word;
//   Extended192   for the rare binary64 results that ExtendedDoubleDouble flags (Ziv's strategy,
//                 below): a 192-bit significand with its own exponent, each operation < 2⁻¹⁹⁰.
// Choosing the type is the only thing that differs between formats (`SoftmaxKernels.forEachRow`).
//
// Ziv's strategy for binary64 (as correctly rounded libms do): a result that is a small difference
// of terms — σ(x) − t, (Σt)eᵢ − tᵢS, eᵢ − tᵢS, (Σt)·log S − N/T — has an absolute error of about
// w·(|a| + |b|), w ≈ 2⁻¹⁰⁰ the relative error of the double-double terms, so a result 2ᵏ below
// its terms keeps ≈ 100 − k bits: past k ≈ 47 fewer than the 2-ulp claim needs. Each such
// difference is tested where it is formed (`hasCancelled`, one integer compare of binary
// exponents; false for every type but ExtendedDoubleDouble, so no other format pays for it), and
// a flagged element or row is computed again, by the same generic kernel, in Extended192.
//
// The thresholds (`CancellationThreshold`). Elementwise, each term is a handful of double-double
// operations on e^{−|x|} (−|x| exact): relative error ≤ 2⁻⁹⁸. A difference of two terms not
// flagged at 40 bits is at least 2⁻⁴²·(|a| + |b|) (the test compares binades), so its relative
// error is ≤ 2⁻⁹⁸·2⁴² = 2⁻⁵⁶, ⅛ ulp of binary64; the products after it (σ(x)σ(−x), the square)
// add ≤ 2⁻⁹⁸ each, the final rounding ½ ulp: < 1 ulp in all. In a row of n classes the terms
// are sums of n exponentials of shifts xᵢ = (zᵢ − max)/T, each with its shift's rounding error
// (≤ |xᵢ|·3u², and only |xᵢ| < 745 matters beside the maximum's 1): ≤ (n + 1024)·2⁻¹⁰²
// relative. Rows test with 44 − ⌈log₂(n + 1024)⌉ bits (33 for n ≤ 1024, 28 for 32,768) and up
// to four terms per difference (two tests, one more factor 2), which again leaves ≤ 2⁻⁵⁵.
// The retry's terms are within ≈ 2⁻¹⁷⁰ relative (n·2⁻¹⁷⁵ in a row), so its results are within
// the claim unless they lie more than ≈ 2¹¹⁴ (rows of 2¹⁵ classes: 2¹⁰⁵) below their terms. That
// would take a binary64 target agreeing with a transcendental σ(x) or (Σt)eᵢ/S to ≈ 165 bits;
// the closest known approaches of binary64 exponentials to a 54-bit breakpoint (Lefèvre and
// Muller's worst cases) are ≈ 2⁻¹¹³ relative. Exact zeros (t = ½ at x = 0, uniform targets on
// tied logits) are formed exactly and not flagged.

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
    /// The binary exponent b of a finite nonzero value, |self| ∈ [2^b, 2^(b+1)); `Binade.zero`
    /// for 0 and `Binade.infinite` for ±inf and NaN (so that sums of binades cannot overflow).
    var binade: Int { get }
    /// Ziv's test: true when the working precision may not suffice for the binary64 claim and a
    /// more precise type should redo the work — `result` lies in a binade more than `bits` below
    /// `bound`, the binade of a bound of the terms its error is proportional to (or result = 0
    /// beside a nonzero bound). Only ExtendedDoubleDouble answers true; every other type never
    /// (its callers have no retry), so the test costs the Float16/bfloat16/Float paths nothing.
    static func hasCancelled(_ result: Self, belowBinade bound: Int, bits: Int) -> Bool
    /// True for the one type whose `hasCancelled` can answer true (ExtendedDoubleDouble): kernels
    /// gather the binades of terms for the test only then.
    static var checksCancellation: Bool { get }
}

extension WorkingArithmetic {
    @inline(__always) static func hasCancelled(_ result: Self, belowBinade bound: Int, bits: Int) -> Bool { false }
    @inline(__always) static var checksCancellation: Bool { false }

    /// Ziv's test where `sum` was formed from the terms a and b: |sum| < 2^(−bits)·max(|a|, |b|)
    /// by binades (a sum not flagged is ≥ 2^(−bits−2)·(|a| + |b|)).
    @inline(__always) static func hasCancelled(_ sum: Self, _ a: Self, _ b: Self, bits: Int) -> Bool {
        checksCancellation && hasCancelled(sum, belowBinade: Swift.max(a.binade, b.binade), bits: bits)
    }
}

/// Binades of special values, far outside every finite one (2⁴⁰ binades) so that sums of a few
/// binades stay ordered and cannot overflow.
enum Binade {
    static let zero = -(1 << 40)
    static let infinite = 1 << 40

    /// The binade of a Double.
    @inline(__always) static func of(_ x: Double) -> Int {
        x == 0 ? zero : x.isFinite ? Int(x.exponent) : infinite
    }

    /// ⌈log₂ n⌉ for n ≥ 1: a sum of n terms below 2^b is below 2^(b + this).
    @inline(__always) static func sumOf(_ n: Int) -> Int { n <= 1 ? 0 : (n - 1).bitWidth - (n - 1).leadingZeroBitCount }
}

/// The thresholds of Ziv's test (see the file comment).
enum CancellationThreshold {
    /// Elementwise σ(x) − t: 40 bits.
    static let elementwise = 40

    /// A row of n classes: 44 − ⌈log₂(n + 1024)⌉ bits.
    static func row(classes n: Int) -> Int { 44 - (n + 1023).bitWidth + (n + 1023).leadingZeroBitCount }
}

extension Double: WorkingArithmetic {
    static var one: Double { 1 }
    var binade: Int { Binade.of(self) }
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
    var binade: Int { Binade.of(hi) }
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
