// Double-double with its own exponent: m·2ᵉ, m.hi ∈ [1, 2). 106 bits at every magnitude.
//
// Double-double loses its low part near Double's underflow threshold: a shift xᵢ = (zᵢ − m)/T of
// subnormal Double logits is ~10⁻³⁰⁸, its low word would be ~10⁻³²⁴ and is rounded to the
// subnormal grid, so differences fᵢ − fⱼ of such shifts keep only ~50 bits. The Double kernels
// whose results are such differences (CE gradient with soft targets, MSE and its gradient, σ − t)
// therefore compute in this type; every operation has the double-double bound (≤ 10u²) and
// never underflows or overflows (the exponent is an Int). Terms more than 2²⁰⁰ apart add as the
// larger one (relative error < 2⁻²⁰⁰).
struct ExtendedDoubleDouble: Sendable {
    var m: DoubleDouble
    var e: Int

    init(normalizing m: DoubleDouble, _ e: Int) {
        let h = m.hi
        guard h.isFinite, h != 0 else {
            self.m = DoubleDouble(h, 0)
            self.e = 0
            return
        }
        let k = Int(h.exponent)
        self.m = k == 0 ? m : m.scaled(by: -k)
        self.e = e + k
    }

    init(_ x: Double) { self.init(normalizing: DoubleDouble(x), 0) }

    /// The value as a double-double (underflowing gradually, overflowing to ±inf).
    var doubleDouble: DoubleDouble { e == 0 ? m : m.scaled(by: e) }
}

extension ExtendedDoubleDouble: WorkingArithmetic {
    static let zero = ExtendedDoubleDouble(0)
    static let one = ExtendedDoubleDouble(1)
    static var tracksExponent: Bool { false }

    var leading: Double { e == 0 ? m.hi : Double(sign: .plus, exponent: e, significand: m.hi) }
    var isZero: Bool { m.hi == 0 }

    static prefix func - (a: Self) -> Self {
        var r = a
        r.m = -a.m
        return r
    }

    static func + (a: Self, b: Self) -> Self {
        if a.m.hi == 0 { return b }
        if b.m.hi == 0 { return a }
        guard a.m.hi.isFinite, b.m.hi.isFinite else { return Self(a.m.hi + b.m.hi) }
        let d = a.e - b.e
        if d >= 0 {
            if d > 200 { return a }
            return Self(normalizing: a.m + b.m.scaled(by: -d), a.e)
        }
        if d < -200 { return b }
        return Self(normalizing: a.m.scaled(by: d) + b.m, b.e)
    }

    static func - (a: Self, b: Self) -> Self { a + (-b) }
    static func * (a: Self, b: Self) -> Self { Self(normalizing: a.m * b.m, a.e + b.e) }
    static func / (a: Self, b: Self) -> Self { Self(normalizing: a.m / b.m, a.e - b.e) }
    static func + (a: Self, b: Double) -> Self { a + Self(b) }
    static func - (a: Self, b: Double) -> Self { a + Self(-b) }
    static func * (a: Self, b: Double) -> Self { a * Self(b) }
    static func / (a: Self, b: Double) -> Self { a / Self(b) }

    static func difference(_ a: Double, _ b: Double) -> Self { Self(a) - Self(b) }
    static func product(_ a: Double, _ b: Double) -> Self { Self(a) * Self(b) }

    static func exp(_ x: Self) -> Scaled<Self> {
        let h = x.m.hi
        if h.isNaN || h == 0 { return Scaled(h.isNaN ? Self(.nan) : .one) }
        if x.e > 11 { return Scaled(h < 0 ? .zero : Self(.infinity)) }   // |x| ≥ 4096
        if x.e < -60 { return Scaled(Self.one + x) }                      // 1 + x; x² is below 2⁻¹²⁰
        let (mantissa, n) = DoubleDouble.expScaled(x.doubleDouble)
        return Scaled(Self(normalizing: mantissa, n))
    }

    static func expm1Near(_ x: Self) -> Self {
        if x.m.hi == 0 || x.e < -60 { return x + x * x * 0.5 }
        return Self(normalizing: DoubleDouble.expm1Core(x.doubleDouble), 0)
    }

    static func log1p(_ x: Self) -> Self {
        if x.m.hi == 0 || x.e < -60 { return x - x * x * 0.5 }
        return Self(normalizing: DoubleDouble.log1p(x.doubleDouble), 0)
    }

    func scaled(by n: Int) -> Self {
        guard m.hi.isFinite, m.hi != 0 else { return self }
        var r = self
        r.e += n
        return r
    }

    func rounded<T: KernelScalar>(to: T.Type, scale n: Int) -> T {
        m.rounded(to: T.self, scale: e + n)
    }

    /// m.hi ∈ [1, 2): the binade is e.
    var binade: Int { m.hi == 0 ? Binade.zero : m.hi.isFinite ? e : Binade.infinite }

    /// Ziv's test (WorkingArithmetic.swift): one compare of exponents. A non-finite result is
    /// never flagged (a retry would give the same), nor anything beside a zero or non-finite bound.
    @inline(__always)
    static func hasCancelled(_ result: Self, belowBinade bound: Int, bits: Int) -> Bool {
        guard result.m.hi.isFinite, bound > Binade.zero / 2, bound < Binade.infinite / 2 else { return false }
        return result.m.hi == 0 || result.e < bound - bits
    }

    static var checksCancellation: Bool { true }
}
