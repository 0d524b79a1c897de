// The row functions on a prepared row (see RowEngine.swift for xᵢ, eᵢ, fᵢ, s, S, k).
//
// Error bounds (u = 2⁻⁵³ the unit roundoff of Double, w the unit roundoff of the working type:
// u for Double, ≈ 2⁻¹⁰⁰ for double-double; n classes; every output rounded once to the format,
// adding ≤ ½ ulp):
//   LSE          = m/T + log1p(s)        ≤ (2 + n)w relative to each (non-negative) part; only the
//                                         sum m/T + log1p(s) can cancel (m/T ≈ −log S).
//   softmax      pᵢ = eᵢ/S               ≤ (|xᵢ| + n + 4)w relative
//   log_softmax  xᵢ − log1p(s)           both ≤ 0: no cancellation, ≤ (n + 4)w relative
//   CE (class y) log1p(s) − x_y          both ≥ 0: no cancellation
//   CE (vector)  (Σt)·log1p(s) − N/T with N = Σᵢ tᵢ(zᵢ − m) = Σᵢ tᵢzᵢ − m·Σt and Σt accumulated
//                exactly (ExactDotProduct) and rounded once: targets of both signs cancel the
//                terms tᵢ(zᵢ − m) exactly (the rounded shifts xᵢ would leave only their rounding
//                errors); what remains is the one subtraction of a transcendental and a rational
//                value, ≤ 2 roundings of w each, relative to |Σt·log S| + |N/T|
//   CE gradient  class y: eᵢ/(S·T), and −R_y/(S·T) with R_y = Σ_{i≠y} eᵢ summed directly, never
//                pᵧ − 1, divided by T with T's exponent kept apart (`Scaled.divided(by:)`: for T
//                near the format's largest value 1/T and S·T leave the range, the results are
//                subnormal and rounded once); soft t: Dᵢ/(S·T), Dᵢ = (Σt)eᵢ − tᵢS computed as
//                  near i: ((Σt) − tᵢc) + ((Σt)fᵢ − tᵢF) − tᵢE_far,  far i: (Σt)eᵢ − tᵢS
//                with c = #near, F = Σ_near f, E_far = Σ_far e: the integer parts cancel exactly,
//                so uniform targets on tied or subnormal logits give the exact small result.
//   MSE          Σ Dᵢ²/S² with Dᵢ = eᵢ − tᵢS (same decomposition; Dᵧ = −R_y for a class)
//   MSE gradient 2eⱼNⱼ/(S³T), Nⱼ = S²(δⱼ − Σδᵢpᵢ) = Aⱼ + S·Bⱼ with
//                  Aⱼ = eⱼS − Σeᵢ² = fⱼS − Σeᵢfᵢ (near j),  Bⱼ = Σtᵢeᵢ − tⱼS (decomposed);
//                for a class y: N_y = −(R_y² + Σ_{i≠y} eᵢ²) and, for j ≠ y, eⱼS + A_y (y near)
//                or Aⱼ + S·e_y: sums of terms of one sign wherever a tie or a dominant class
//                would make the textbook formula cancel; for a target vector and a far j,
//                Nⱼ = c(X − 1) + (eⱼS − (Σeᵢ² − c)) + cY + VX + VY with c = #near, X = T_near − c·tⱼ,
//                S = c + V, Bⱼ = X + Y: the integer parts meet only in c(X − 1), so a dominant
//                class carrying the target weight (X = 1) leaves the small terms uncancelled.
// What remains is accidental cancellation: a result smaller than its terms by a factor c loses
// log₂ c bits of the working precision (53 for Float16/Float in Double — where cancellation is
// possible the double-double type is used — and ≈ 100 for double-double).
extension RowWorkspace {
    private func fill(_ out: UnsafeMutablePointer<T>, _ v: T) {
        for i in 0..<classes { out[i] = v }
    }

    @inline(__always) private func round(_ v: W) -> T { v.rounded(to: T.self, scale: 0) }

    /// Σt, summed exactly (targets of both signs may cancel) and rounded once to W.
    private func sumTargets(_ t: RowTargets<T>) -> W { exactTargetSum(t).working(W.self) }

    /// Σt as an exact accumulator.
    private func exactTargetSum(_ t: RowTargets<T>) -> ExactDotProduct {
        var total = ExactDotProduct()
        for i in 0..<classes { total.add(t.value(i)) }
        return total
    }

    // MARK: LSE, softmax, log_softmax

    func logSumExp(_ z: UnsafeBufferPointer<T>) -> T {
        switch prepare(z, needF: false) {
        case .nan: return .nan
        case .manyPositiveInfinities, .dominant: return .infinity
        case .allNegativeInfinity: return -.infinity
        case .finite:
            let l = logSum
            if m == 0 { return l.rounded(to: T.self) }
            if m.magnitude < 0x1p-900 {
                // m/T may be subnormal: form it 2³⁰⁰ higher and round once at the true scale.
                return (W(m * 0x1p300) / temperature + l.plain.scaled(by: 300)).rounded(to: T.self, scale: -300)
            }
            return round(W(m) / temperature + l.plain)
        }
    }

    func softmax(_ z: UnsafeBufferPointer<T>, into out: UnsafeMutablePointer<T>) {
        switch prepare(z, needF: false) {
        case .nan, .manyPositiveInfinities, .allNegativeInfinity: fill(out, .nan)
        case .dominant(let j):
            fill(out, 0)
            out[j] = 1
        case .finite:
            for i in 0..<classes { out[i] = (e[i] / S).rounded(to: T.self) }
        }
    }

    func logSoftmax(_ z: UnsafeBufferPointer<T>, into out: UnsafeMutablePointer<T>) {
        switch prepare(z, needF: false) {
        case .nan, .manyPositiveInfinities, .allNegativeInfinity: fill(out, .nan)
        case .dominant(let j):
            fill(out, -.infinity)
            out[j] = 0
        case .finite:
            let l = logSum
            let plain = l.plain
            for i in 0..<classes {
                if i == k {
                    out[i] = (-l).rounded(to: T.self)
                } else if z[i] == -.infinity {
                    out[i] = -.infinity
                } else {
                    out[i] = round(x[i] - plain)
                }
            }
        }
    }

    // MARK: Cross-entropy

    /// The sign of ±inf terms of classes that carry target weight but no probability.
    private func unreachableTerms(_ t: RowTargets<T>, unreachable: (Int) -> Bool) -> Double? {
        var plus = false, minus = false
        for i in 0..<classes where unreachable(i) {
            let ti = t.value(i)
            if ti > 0 { plus = true } else if ti < 0 { minus = true }
        }
        if plus && minus { return .nan }
        if plus { return .infinity }
        if minus { return -.infinity }
        return nil
    }

    func crossEntropy(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>) -> T {
        crossEntropyFused(z, t, gradientFactor: 1, into: nil).rounded(to: T.self)
    }

    func crossEntropyGradient(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>, into out: UnsafeMutablePointer<T>) {
        _ = crossEntropyFused(z, t, gradientFactor: 1, into: out)
    }

    /// Cross-entropy and its gradient from one pass over the logits: returns the loss
    /// Σᵢ aᵢ(LSE(z/T) − zᵢ/T) (unrounded; ±inf/NaN by the limit semantics) and, when `out` is
    /// given, writes g·((Σa)·pᵢ − aᵢ)/T (g = `gradientFactor`, e.g. a class weight over the
    /// batch's weight sum). a is one-hot for a class index.
    func crossEntropyFused(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>, gradientFactor g: Double, into out: UnsafeMutablePointer<T>?) -> Scaled<W> {
        if t.containsNaN {
            if let out { fill(out, .nan) }
            return Scaled(W(.nan))
        }
        let oneHot = t.oneHotClass
        switch prepare(z, needF: out != nil && oneHot == nil) {
        case .nan, .manyPositiveInfinities, .allNegativeInfinity:
            if let out { fill(out, .nan) }
            return Scaled(W(.nan))
        case .dominant(let j):
            if let out {
                let total = sumTargets(t)
                for i in 0..<classes {
                    let a = i == j ? total - t.value(i) : W(-t.value(i))
                    out[i] = round(a * g / temperature)
                }
            }
            return Scaled(W(unreachableTerms(t, unreachable: { $0 != j }) ?? 0))
        case .finite:
            if let out { writeCrossEntropyGradient(t, oneHot, g, out) }
            if let infinite = unreachableTerms(t, unreachable: { z[$0] == -.infinity }) { return Scaled(W(infinite)) }
            let l = logSum
            if let y = oneHot {
                let weight = t.value(y)
                return y == k ? l * weight : Scaled((l.plain - x[y]) * weight)
            }
            // (Σt)·log S − N/T with N = Σᵢ tᵢ(zᵢ − m) = Σᵢ tᵢzᵢ − m·Σt accumulated exactly: targets of
            // both signs make the terms tᵢ(zᵢ − m) cancel to far below their rounded shifts xᵢ.
            var total = ExactDotProduct(), numerator = ExactDotProduct()
            for i in 0..<classes {
                let ti = t.value(i)
                guard ti != 0 else { continue }  // −inf logits carry no target weight here
                total.add(ti)
                numerator.add(ti, times: z[i].kernelDouble)
                numerator.add(ti, times: -m)
            }
            let a = total.working(W.self)
            if numerator.isZero { return l * a }  // every weighted class at the maximum
            return Scaled(a * l.plain - numerator.working(W.self) / temperature)
        }
    }

    private func writeCrossEntropyGradient(_ t: RowTargets<T>, _ oneHot: Int?, _ g: Double, _ out: UnsafeMutablePointer<T>) {
        if let y = oneHot {
            let factor = g * t.value(y)
            for i in 0..<classes where i != y {
                out[i] = (e[i] / S * factor).divided(by: temperature).rounded(to: T.self)
            }
            let rest = y == k ? s : Scaled(sum(excluding: y) + 1, 0)
            out[y] = (-(rest / S) * factor).divided(by: temperature).rounded(to: T.self)
            return
        }
        let exactTotal = exactTargetSum(t)
        let total = exactTotal.working(W.self)
        let (near, fNear, eFar) = nearFarSums()
        for i in 0..<classes {
            let ti = t.value(i)
            if e[i].isZero {
                out[i] = round(W(-ti) * g / temperature)
            } else if ti == 0 {
                out[i] = (e[i] * (total / S) * g).divided(by: temperature).rounded(to: T.self)
            } else {
                let d: W
                if isNear(i) {
                    // Σt − c·tᵢ exactly, rounded once: Σt rounded first would keep its error
                    // (2⁻¹⁰⁶·|Σt|) in a result that may be 2⁵⁰ times smaller (a near class whose
                    // target leaves only tiny targets elsewhere: 4 ulp in binary64).
                    var integerPart = exactTotal
                    integerPart.add(ti, times: -near)
                    d = integerPart.working(W.self) + (total * f[i] - fNear * ti) - eFar * ti
                } else {
                    d = total * e[i].plain - S * ti
                }
                out[i] = round(d / S * g / temperature)
            }
        }
    }

    /// Σ_{i∉{k,y}} eᵢ, so that R_y = S − e_y = 1 + this never cancels (y ≠ k).
    private func sum(excluding y: Int) -> W {
        var total = W.zero
        for i in 0..<classes where i != k && i != y { total = total + e[i].plain }
        return total
    }

    // MARK: MSE of softmax

    func mseSoftmax(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>) -> T {
        if t.containsNaN { return .nan }
        let oneHot = t.oneHotClass
        switch prepare(z, needF: oneHot == nil) {
        case .nan, .manyPositiveInfinities, .allNegativeInfinity: return .nan
        case .dominant(let j):
            var total = W.zero
            for i in 0..<classes {
                let d = W.difference(i == j ? 1 : 0, t.value(i))
                total = total + d * d
            }
            return round(total)
        case .finite:
            var total = W.zero
            if let y = oneHot {
                let rest = y == k ? s.plain : sum(excluding: y) + 1
                total = rest * rest
                for i in 0..<classes where i != y {
                    let ei = e[i].plain
                    total = total + ei * ei
                }
            } else {
                let (near, fNear, eFar) = nearFarSums()
                for i in 0..<classes {
                    let ti = t.value(i)
                    let d: W
                    if isNear(i) {
                        d = (W.one - W.product(ti, near)) + (f[i] - fNear * ti) - eFar * ti
                    } else {
                        d = e[i].plain - S * ti
                    }
                    total = total + d * d
                }
            }
            return round(total / (S * S))
        }
    }

    /// (#near, Σ_near f, Σ_far e).
    private func nearFarSums() -> (Double, W, W) {
        var near = 0.0, fNear = W.zero, eFar = W.zero
        for i in 0..<classes {
            if isNear(i) { near += 1; fNear = fNear + f[i] } else { eFar = eFar + e[i].plain }
        }
        return (near, fNear, eFar)
    }

    func mseSoftmaxGradient(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>, into out: UnsafeMutablePointer<T>) {
        if t.containsNaN { return fill(out, .nan) }
        let oneHot = t.oneHotClass
        switch prepare(z, needF: true) {
        case .nan, .manyPositiveInfinities, .allNegativeInfinity:
            fill(out, .nan)
        case .dominant:
            fill(out, 0)  // p one-hot: pⱼ = 0 off the dominant class, δⱼ − Σδᵢpᵢ = 0 on it
        case .finite:
            var q = W.zero, squares = W.zero
            for i in 0..<classes {
                let ei = e[i].plain
                q = q + ei * f[i]
                squares = squares + ei * ei
            }
            let sumS = S
            func a(_ j: Int) -> W { isNear(j) ? f[j] * sumS - q : e[j].plain * sumS - squares }
            let scale = W(2) / (S * S * S)
            func write(_ j: Int, _ n: W) {
                out[j] = e[j].isZero ? 0 : (e[j] * (n * scale)).divided(by: temperature).rounded(to: T.self)
            }
            if let y = oneHot {
                let rest = y == k ? s.plain : sum(excluding: y) + 1
                let ey = e[y].plain
                var others = W.zero  // Σ_{i≠y} eᵢ², summed directly (squares − e_y² would cancel)
                for i in 0..<classes where i != y {
                    let ei = e[i].plain
                    others = others + ei * ei
                }
                let yNear = isNear(y)
                let ay = a(y)
                for j in 0..<classes {
                    if j == y {
                        write(j, -(rest * rest + others))
                    } else {
                        write(j, yNear ? e[j].plain * S + ay : a(j) + S * ey)
                    }
                }
                return
            }
            var near = 0.0, fNear = W.zero, eFar = W.zero
            var tNear = W.zero, tfNear = W.zero, teFar = W.zero
            var fSquaresNear = W.zero, eSquaresFar = W.zero
            for i in 0..<classes {
                let ti = t.value(i)
                let ei = e[i].plain
                if isNear(i) {
                    near += 1
                    fNear = fNear + f[i]
                    tNear = tNear + ti
                    tfNear = tfNear + f[i] * ti
                    fSquaresNear = fSquaresNear + f[i] * f[i]
                } else {
                    eFar = eFar + ei
                    teFar = teFar + ei * ti
                    eSquaresFar = eSquaresFar + ei * ei
                }
            }
            // With c = #near, X = T_near − c·tⱼ (exact integer-and-target part of Bⱼ), the small
            // parts V = F + E_far of S = c + V and Y = (Σ_near tᵢfᵢ + Σ_far tᵢeᵢ) − tⱼV of Bⱼ = X + Y.
            let v = fNear + eFar
            // Σeᵢ² − c = 2F + Σ_near fᵢ² + Σ_far eᵢ², small.
            let squaresBeyondNear = fNear * 2 + fSquaresNear + eSquaresFar
            for j in 0..<classes {
                let tj = t.value(j)
                let x = tNear - W.product(tj, near)
                let y = (tfNear + teFar) - v * tj
                if isNear(j) {
                    write(j, a(j) + S * (x + y))
                } else {
                    // Far j: Nⱼ = eⱼS − Σeᵢ² + S(X + Y) = c(X − 1) + (eⱼS − (Σeᵢ² − c)) + cY + VX + VY,
                    // the integer parts gathered in c(X − 1) (0 exactly when a dominant class
                    // carries the target weight: the rest is of the size of the far eᵢ, which
                    // 1 + eᵢ in double-double would lose).
                    let small = (e[j].plain * S - squaresBeyondNear) + y * near + v * x + v * y
                    write(j, (x - 1) * near + small)
                }
            }
        }
    }
}
