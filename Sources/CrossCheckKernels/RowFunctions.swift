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
//   MSE gradient 2eⱼNⱼ/(S³T), Nⱼ = S²(δⱼ(1 − pⱼ) − Σ_{i≠j}δᵢpᵢ) = Σ_{i≠j} eᵢ(Dⱼ − Dᵢ) with the
//                residuals D above: for a far j DⱼRⱼ − Σ_{i≠j}Dᵢeᵢ, Rⱼ = S − eⱼ, the sum a prefix
//                plus a suffix; for a near j the near i's Dⱼ − Dᵢ = (fⱼ − fᵢ) − (tⱼ − tᵢ)S, integer
//                parts cancelled exactly (`nearN`): a dominant class carrying the target weight
//                keeps its second-order result, near-tied classes their differences fⱼ − fᵢ.
// What remains is accidental cancellation: a result smaller than its terms by a factor c loses
// log₂ c bits of the working precision (53 for Float16/Float in Double — where cancellation is
// possible the double-double type is used — and ≈ 100 for double-double). For binary64 that can
// exceed the 2-ulp claim (targets close to the prediction), so each such difference is tested
// where it is formed (`note`: soft-target CE and its gradient, MSE with a target vector and its
// gradient) and a flagged row is computed again in Extended192 (`RowWorkspaceHandle`; bound
// argument in WorkingArithmetic.swift).
extension RowWorkspace {
    /// Flags the row (`cancelled`) when `sum`, formed from terms a and b, cancelled beyond the
    /// row threshold (only in ExtendedDoubleDouble: see `WorkingArithmetic.hasCancelled`).
    @inline(__always) func note(_ sum: W, _ a: W, _ b: W) {
        if W.hasCancelled(sum, a, b, bits: cancellationBits) { cancelled = true }
    }

    /// Flags the row when `result` lies beyond the row threshold below 2^bound, a bound of the
    /// terms its error is proportional to.
    @inline(__always) func note(_ result: W, belowBinade bound: Int) {
        if W.hasCancelled(result, belowBinade: bound, bits: cancellationBits) { cancelled = true }
    }

    private func fill(_ out: UnsafeMutablePointer<T>, _ v: T) {
        for i in 0..<classes { out[i] = v }
    }

    @inline(__always) private func round(_ v: W) -> T { v.rounded(to: T.self, scale: 0) }

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
                // Σt − t_j formed in the accumulator and rounded once: Σt rounded first loses a
                // 2⁻²⁰⁰ target beside a 1 on the dominant class.
                var rest = exactTargetSum(t)
                rest.add(-t.value(j))
                let restOfDominant = rest.working(W.self)
                for i in 0..<classes {
                    let a = i == j ? restOfDominant : W(-t.value(i))
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
            let (entropyPart, linearPart) = (a * l.plain, numerator.working(W.self) / temperature)
            let loss = entropyPart - linearPart
            note(loss, entropyPart, linearPart)
            return Scaled(loss)
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
                    let whole = integerPart.working(W.self)
                    let (scaledF, nearPart, farPart) = (total * f[i], fNear * ti, eFar * ti)
                    d = whole + (scaledF - nearPart) - farPart
                    note(d, whole, scaledF)
                    note(d, nearPart, farPart)
                } else {
                    let (scaledE, targetPart) = (total * e[i].plain, S * ti)
                    d = scaledE - targetPart
                    note(d, scaledE, targetPart)
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

    /// Dᵢ = eᵢ − tᵢS = S·(pᵢ − tᵢ), with the exact integer parts apart: for a one-hot y,
    /// D_y = −R_y (R_y = S − e_y summed directly) and Dᵢ = eᵢ; for a near class
    /// Dᵢ = (1 − tᵢc) + (fᵢ − F·tᵢ) − E_far·tᵢ (c = #near, F = Σ_near f, E_far = Σ_far e; 1 − tᵢc
    /// exact), so uniform targets on tied logits leave the differences of the fᵢ, not 0; for a far
    /// class eᵢ − tᵢS. Only accidental cancellation (tᵢ within 2⁻⁴⁰ of pᵢ) remains; with it each
    /// Dᵢ comes with `bound`, a binade above the sum of its terms' magnitudes (Σ|terms| < 2^bound;
    /// its error is ≤ w·Σ|terms|), when W checks cancellation (binary64: Ziv's test of the results
    /// built from the Dᵢ), else 0.
    private struct Residuals {
        let oneHot: Int?
        let restOfOneHot: W
        let near: Double
        let fNear: W
        let eFar: W
    }

    private func residuals(_ t: RowTargets<T>) -> Residuals {
        let oneHot = t.oneHotClass
        let (near, fNear, eFar) = nearFarSums()
        var rest = W.zero
        if let y = oneHot { rest = y == k ? s.plain : sum(excluding: y) + 1 }
        return Residuals(oneHot: oneHot, restOfOneHot: rest, near: near, fNear: fNear, eFar: eFar)
    }

    @inline(__always) private func residual(_ i: Int, _ t: RowTargets<T>, _ r: Residuals) -> (value: W, bound: Int) {
        if let y = r.oneHot {
            let d = i == y ? -r.restOfOneHot : e[i].plain
            return (d, W.checksCancellation ? d.binade + 1 : 0)
        }
        let ti = t.value(i)
        if isNear(i) {
            let whole = W.one - W.product(ti, r.near)
            let (nearPart, farPart) = (r.fNear * ti, r.eFar * ti)
            let d = whole + (f[i] - nearPart) - farPart
            guard W.checksCancellation else { return (d, 0) }
            return (d, max(whole.binade, f[i].binade, nearPart.binade, farPart.binade) + 3)  // 4 terms < 2^(max + 1) each
        }
        let targetPart = S * ti
        let d = e[i].plain - targetPart
        return (d, W.checksCancellation ? max(e[i].plain.binade, targetPart.binade) + 2 : 0)
    }

    func mseSoftmax(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>) -> T {
        if t.containsNaN { return .nan }
        switch prepare(z, needF: t.oneHotClass == nil) {
        case .nan, .manyPositiveInfinities, .allNegativeInfinity: return .nan
        case .dominant(let j):
            var total = W.zero
            for i in 0..<classes {
                let d = W.difference(i == j ? 1 : 0, t.value(i))
                total = total + d * d
            }
            return round(total)
        case .finite:
            let r = residuals(t)
            // Σ Dᵢ² has error ≤ w·Σ 2|Dᵢ|·Σ|terms of Dᵢ| < w·2^(max(binade Dᵢ + boundᵢ) + 2 + ⌈log₂ n⌉):
            // Ziv's test against that.
            var total = W.zero, errorBinade = Binade.zero
            for i in 0..<classes {
                let (d, bound) = residual(i, t, r)
                total = total + d * d
                if W.checksCancellation { errorBinade = max(errorBinade, d.binade + bound) }
            }
            if W.checksCancellation { note(total, belowBinade: errorBinade + 2 + classesBinade) }
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

    /// ∂/∂zⱼ Σᵢ(pᵢ − tᵢ)² = (2/T)·pⱼ·(δⱼ − Σᵢδᵢpᵢ), δ = p − t, computed as 2eⱼNⱼ/(S³T) with
    ///   Nⱼ = S²·(δⱼ(1 − pⱼ) − Σ_{i≠j} δᵢpᵢ) = Σ_{i≠j} eᵢ(Dⱼ − Dᵢ),
    /// Dᵢ = S·δᵢ the residuals above. The j term is never subtracted from a total: δⱼ − δⱼpⱼ
    /// would cancel for a dominant class (pⱼ ≈ 1 carrying the target weight leaves a result second
    /// order in the other pᵢ: [80, −0.3] with t = [1, 5·10⁻³⁶] has N₀ = −2e₁² + t₁e₁S ≈ −3·10⁻⁷⁰
    /// from terms ~10⁻³⁵).
    /// - far j: DⱼRⱼ − Σ_{i≠j} Dᵢeᵢ, Rⱼ = S − eⱼ ≥ ½, the sum a prefix plus a suffix.
    /// - near j (`NearSums`): over the far i as for a far j; over the near i the differences are
    ///   exact in their integer parts, Dⱼ − Dᵢ = (fⱼ − fᵢ) − (tⱼ − tᵢ)S, so near-tied classes keep
    ///   results of the size of fⱼ − fᵢ that the residuals Dᵢ ≈ 1 − tᵢc would lose (logits
    ///   [0, 5.3·10⁻²²⁸] with t = [0.05, 0.05]: N₀ = f₀ ≈ −5.3·10⁻²²⁸ from D₀ ≈ D₁ ≈ 0.9).
    /// Every term is then of the size of the result unless the targets lie within 2⁻⁴⁰ of the
    /// predictions (accidental cancellation: ≈ 100 − log₂(terms/result) bits in double-double,
    /// caught by Ziv's test).
    func mseSoftmaxGradient(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>, into out: UnsafeMutablePointer<T>) {
        if t.containsNaN { return fill(out, .nan) }
        switch prepare(z, needF: true) {
        case .nan, .manyPositiveInfinities, .allNegativeInfinity:
            fill(out, .nan)
        case .dominant:
            fill(out, 0)  // p one-hot: pⱼ = 0 off the dominant class, δⱼ − Σδᵢpᵢ = 0 on it
        case .finite:
            let r = residuals(t)
            // suffix[j] = Σ_{i>j} Dᵢeᵢ; the forward pass carries the prefix Σ_{i<j} Dᵢeᵢ.
            // Nⱼ has error ≤ w·(Σ|terms of Dⱼ|·Rⱼ + 2Σᵢ Σ|terms of Dᵢ|·eᵢ) (the residuals' errors,
            // which the sums carry, and the sums' own): Ziv's test against a binade above that.
            let suffix = scratch
            var near = NearSums(r)
            var running = W.zero, weightedBinade = Binade.zero
            for i in stride(from: classes - 1, through: 0, by: -1) {
                suffix[i] = running
                let (di, bound) = residual(i, t, r)
                let weighted = di * e[i].plain
                running = running + weighted
                let binade = W.checksCancellation ? bound + e[i].plain.binade + 1 : 0
                weightedBinade = max(weightedBinade, binade)
                near.add(i, isNear: isNear(i), self, t, weighted: weighted, weightedBinade: binade)
            }
            let sumsBinade = weightedBinade + classesBinade + 1
            let scale = W(2) / (S * S * S)
            var prefix = W.zero
            for j in 0..<classes {
                let (dj, djBound) = residual(j, t, r)
                let ej = e[j].plain
                var n: W, nBound: Int
                if isNear(j) {
                    (n, nBound) = nearN(j, dj, djBound, t, near)
                } else {
                    let rest = S - ej
                    n = dj * rest - (prefix + suffix[j])
                    nBound = max(djBound + rest.binade + 1, sumsBinade) + 1
                }
                if W.checksCancellation && !e[j].isZero { note(n, belowBinade: nBound) }
                out[j] = e[j].isZero ? 0 : (e[j] * (n * scale)).divided(by: temperature).rounded(to: T.self)
                prefix = prefix + dj * ej
            }
        }
    }

    /// Sums over the row for `nearN`: over the near classes their count c and F = Σ fᵢ (from
    /// `Residuals`), Q = Σ fᵢ² (fᵢ ∈ [−½, 0]: sums of one sign), G = Σ fᵢtᵢ and −Σ tᵢ exactly;
    /// over the far classes E = Σ eᵢ (from `Residuals`) and H = Σ eᵢDᵢ; binades bounding the
    /// magnitudes the error analysis needs.
    private struct NearSums {
        let count: Double
        let f: W, eFar: W
        var fSquares = W.zero, fTargets = W.zero
        var negatedTargets = ExactDotProduct()
        var weightedFar = W.zero
        var fTargetsBinade = Binade.zero, weightedFarBinade = Binade.zero

        init(_ r: Residuals) {
            (count, f, eFar) = (r.near, r.fNear, r.eFar)
        }

        @inline(__always)
        mutating func add(_ i: Int, isNear: Bool, _ row: RowWorkspace, _ t: RowTargets<T>, weighted: W, weightedBinade: Int) {
            if isNear {
                let fi = row.f[i], ti = t.value(i)
                fSquares = fSquares + fi * fi
                let product = fi * ti
                fTargets = fTargets + product
                negatedTargets.add(-ti)
                if W.checksCancellation { fTargetsBinade = max(fTargetsBinade, product.binade) }
            } else {
                weightedFar = weightedFar + weighted
                weightedFarBinade = max(weightedFarBinade, weightedBinade)
            }
        }
    }

    /// Nⱼ for a near j and a binade bound of its terms. With primes for the near classes other
    /// than j (F′ = F − fⱼ, Q′ = Q − fⱼ², G′ = G − fⱼtⱼ, c′ = c − 1; each error ≤ w·the total),
    ///   Σ_{near i≠j} eᵢ(Dⱼ − Dᵢ) = fⱼ(c′ + F′) − (F′ + Q′) − S·((c·tⱼ − Σ_near tᵢ) + (tⱼF′ − G′)),
    /// c·tⱼ − Σ_near tᵢ = Σ_{near i≠j}(tⱼ − tᵢ) exact and rounded once (0 for equal targets), and
    ///   Σ_far eᵢ(Dⱼ − Dᵢ) = Dⱼ·E − H.
    /// For a one-hot y this is the same sum (Dᵢ = eᵢ − tᵢS with tᵢ ∈ {0, 1}).
    @inline(__always)
    private func nearN(_ j: Int, _ dj: W, _ djBound: Int, _ t: RowTargets<T>, _ sums: NearSums) -> (W, Int) {
        let fj = f[j], tj = t.value(j)
        let fRest = sums.f - fj
        let fPart = fj * (fRest + (sums.count - 1)) - (fRest + (sums.fSquares - fj * fj))
        var targetDifferences = sums.negatedTargets
        targetDifferences.add(sums.count, times: tj)
        let exactPart = targetDifferences.working(W.self)
        let fTargetPart = fRest * tj - (sums.fTargets - fj * tj)
        let targetPart = S * (exactPart + fTargetPart)
        let farPart = dj * sums.eFar - sums.weightedFar
        let n = (fPart - targetPart) + farPart
        guard W.checksCancellation else { return (n, 0) }
        let fBinade = max(fj.binade + Binade.sumOf(Int(sums.count)), sums.f.binade, sums.fSquares.binade)
        let tBinade = S.binade + max(exactPart.binade, Binade.of(tj) + sums.f.binade + 1, sums.fTargetsBinade + classesBinade)
        let farBinade = max(djBound + sums.eFar.binade + 1, sums.weightedFarBinade + classesBinade + 1)
        return (n, max(fBinade, tBinade, farBinade) + 4)
    }
}
