// The elementwise functions: sigmoid, BCE with logits, its gradient, MSE of sigmoid and its
// gradient, one x (and target t ∈ [0, 1]) at a time.
//
// With E = e^{−|x|} ∈ (0, 1] (never overflowing; its exponent kept apart in double-double):
//   σ(|x|) = 1/(1 + E),  σ(−|x|) = E/(1 + E)           ≤ 4w relative, no cancellation
//   σ − t  = (½ − t) + ½·tanh(x/2) for |x| < ¾, with tanh(|x|/2) = −M/(2 + M), M = expm1(−|x|)
//            (σ(x) − ½ = x/4 for tiny x is kept exactly), else
//            (1 − t) − σ(−x) for x ≥ ¾ (1 − t exact in double-double), σ(x) − t for x ≤ −¾;
//            exactly −σ(−x) for t = 1 and σ(x) for t = 0, so tails far below the result's
//            neighbours (σ(40) − 1 = −4.2·10⁻¹⁸) keep full relative accuracy
//   bce    = softplus(x) − t·x = (max(x, 0) − t·x) + log1p(E): two non-negative terms
//   mse    = (σ − t)²,  mse′ = 2(σ − t)·σ(x)·σ(−x)
// σ and bce run in Double for Float16/Float (no cancellation); σ − t and what uses it run in
// double-double in every format (σ(x) − ½ for x ≈ 10⁻⁴⁰ is x/4, lost in Double).
// Binary64: σ − t is tested where it is formed (`WorkingArithmetic.hasCancelled`, 40 bits): a
// result more than 2⁴⁰ below σ and t (t close to σ(x)) is flagged, and the caller evaluates it
// again in Extended192 (Ziv's strategy; bound argument in WorkingArithmetic.swift).
// x = ±inf gives the limits: σ = 1 or 0, bce(+inf, t) = 0 if t = 1 else +inf, bce(−inf, t) = 0
// if t = 0 else +inf, σ − t = 1 − t or −t, mse′ = 0.

/// The elementwise functions.
enum ElementwiseKind: Sendable {
    case sigmoid, bce, bceGradient, mse, mseGradient

    /// True when the function needs the double-double working type in every format.
    var isPrecise: Bool {
        switch self {
        case .sigmoid, .bce: return false
        case .bceGradient, .mse, .mseGradient: return true
        }
    }
}

enum ElementwiseKernel<T: KernelScalar, W: WorkingArithmetic> {
    static func evaluate(_ kind: ElementwiseKind, _ x: T, _ target: T) -> T {
        var cancelled = false
        return evaluate(kind, x, target, cancelled: &cancelled)
    }

    /// `kind` at x with target t; sets `cancelled` when σ − t cancelled beyond what W can carry
    /// for the binary64 claim (never for W other than ExtendedDoubleDouble).
    @inline(__always)
    static func evaluate(_ kind: ElementwiseKind, _ x: T, _ target: T, cancelled: inout Bool) -> T {
        let xd = x.kernelDouble
        let t = target.kernelDouble
        if xd.isNaN || t.isNaN { return .nan }
        if xd.isInfinite { return limit(kind, positive: xd > 0, t) }
        let negative = xd < 0
        let ex = W.exp(W(-xd.magnitude))
        let onePlus = ex.plain + 1
        let big = Scaled(W.one / onePlus)     // σ(|x|)
        let small = ex / onePlus               // σ(−|x|)
        let (sigma, sigmaNeg) = negative ? (small, big) : (big, small)
        if kind == .sigmoid { return sigma.rounded(to: T.self) }
        if kind == .bce {
            let linear = negative ? W.product(-t, xd) : W.difference(1, t) * xd
            let plain = ex.plain.leading
            let log1pE = plain < 0x1p-60
                ? Scaled(ex.mantissa * (1 - 0.5 * plain), ex.exponent)
                : Scaled(W.log1p(ex.plain))
            if linear.isZero { return log1pE.rounded(to: T.self) }
            return (linear + log1pE.plain).rounded(to: T.self, scale: 0)
        }
        let diff: Scaled<W>
        if xd.magnitude < 0.75 {
            // σ(x) − t = (½ − t) + ½·tanh(x/2), tanh(|x|/2) = −M/(2 + M) with M = expm1(−|x|):
            // exact for tiny x, where 1 + E would round away x (σ(10⁻⁶³) − ½ = 2.5·10⁻⁶⁴).
            let m = W.expm1Near(W(-xd.magnitude))
            let halfTanh = (-m) / (m + 2) * (negative ? -0.5 : 0.5)
            let base = W.difference(0.5, t)
            diff = base.isZero ? Scaled(halfTanh) : Scaled(checked(base + halfTanh, base, halfTanh, &cancelled))
        } else if negative {
            diff = t == 0 ? sigma : Scaled(checked(sigma.plain - t, sigma.plain, W(t), &cancelled))
        } else {
            let oneMinusT = W.difference(1, t)
            diff = t == 1 ? -sigmaNeg : Scaled(checked(oneMinusT - sigmaNeg.plain, oneMinusT, sigmaNeg.plain, &cancelled))
        }
        switch kind {
        case .bceGradient: return diff.rounded(to: T.self)
        case .mse: return (diff * diff).rounded(to: T.self)
        default: return (diff * sigma * sigmaNeg * 2).rounded(to: T.self)
        }
    }

    /// `sum`, formed from the terms a and b, flagging a cancellation beyond the elementwise threshold.
    @inline(__always)
    private static func checked(_ sum: W, _ a: W, _ b: W, _ cancelled: inout Bool) -> W {
        if W.hasCancelled(sum, a, b, bits: CancellationThreshold.elementwise) { cancelled = true }
        return sum
    }

    private static func limit(_ kind: ElementwiseKind, positive: Bool, _ t: Double) -> T {
        switch kind {
        case .sigmoid:
            return positive ? 1 : 0
        case .bce:
            return (positive ? t == 1 : t == 0) ? 0 : .infinity
        case .bceGradient:
            return (positive ? W.difference(1, t) : W(-t)).rounded(to: T.self, scale: 0)
        case .mse:
            let d = positive ? W.difference(1, t) : W(t)
            return (d * d).rounded(to: T.self, scale: 0)
        case .mseGradient:
            return 0
        }
    }
}

extension ElementwiseKernel {
    /// BCE with logits and a positive-class weight p (PyTorch's pos_weight), and its derivative:
    ///   ℓ  = p·t·softplus(−x) + (1 − t)·softplus(x)
    ///      = (1 − t)·x + w·log1p(E)   (x ≥ 0),   p·t·(−x) + w·log1p(E)   (x < 0),   w = 1 − t + p·t
    ///   ℓ′ = (1 − t)·σ(x) − p·t·σ(−x)
    ///      = ((1 − t − p·t) − p·t·M)/(1 + E)  (x ≥ 0) or ((1 − t − p·t) + (1 − t)·M)/(1 + E) (x < 0)
    ///        for |x| < ¾ with M = expm1(−|x|) (exact where the two terms cancel, x → 0), else
    ///        ((1 − t) − p·t·E)/(1 + E) (x ≥ ¾) or ((1 − t)·E − p·t)/(1 + E) (x ≤ −¾).
    /// Both terms of ℓ are ≥ 0; ℓ′ cancels only near its zero (where the loss is optimal): there
    /// `cancelled` is set as in `evaluate` (binary64 retries in Extended192).
    static func bceWithPositiveWeight(_ x: T, _ target: T, positiveWeight p: Double) -> (loss: Scaled<W>, gradient: Scaled<W>) {
        var cancelled = false
        return bceWithPositiveWeight(x, target, positiveWeight: p, cancelled: &cancelled)
    }

    static func bceWithPositiveWeight(
        _ x: T, _ target: T, positiveWeight p: Double, cancelled: inout Bool
    ) -> (loss: Scaled<W>, gradient: Scaled<W>) {
        let xd = x.kernelDouble
        let t = target.kernelDouble
        if xd.isNaN || t.isNaN || p.isNaN { return (Scaled(W(.nan)), Scaled(W(.nan))) }
        let pt = W.product(p, t)
        let oneMinusT = W.difference(1, t)
        if xd.isInfinite {
            if xd > 0 { return (Scaled(W(oneMinusT.isZero ? 0 : .infinity)), Scaled(oneMinusT)) }
            return (Scaled(W(pt.isZero ? 0 : .infinity)), Scaled(-pt))
        }
        let negative = xd < 0
        let ex = W.exp(W(-xd.magnitude))
        let onePlus = ex.plain + 1
        let w = oneMinusT + pt
        let plainE = ex.plain.leading
        let log1pE = plainE < 0x1p-60 ? Scaled(ex.mantissa * (1 - 0.5 * plainE), ex.exponent) : Scaled(W.log1p(ex.plain))
        let linear = negative ? pt * (-xd) : oneMinusT * xd
        let loss = linear.isZero ? log1pE * w : Scaled(linear + (log1pE * w).plain)
        let numerator: Scaled<W>
        if xd.magnitude < 0.75 {
            let m = W.expm1Near(W(-xd.magnitude))
            let (rational, transcendental) = (oneMinusT - pt, negative ? oneMinusT * m : -(pt * m))
            numerator = Scaled(checked(rational + transcendental, rational, transcendental, &cancelled))
        } else if negative {
            let positivePart = (ex * oneMinusT).plain
            numerator = pt.isZero ? ex * oneMinusT : Scaled(checked(positivePart - pt, positivePart, pt, &cancelled))
        } else {
            let negativePart = (ex * pt).plain
            numerator = oneMinusT.isZero ? -(ex * pt) : Scaled(checked(oneMinusT - negativePart, oneMinusT, negativePart, &cancelled))
        }
        return (loss, numerator / onePlus)
    }
}
