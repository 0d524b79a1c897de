import CrossCheckCore
import CrossCheckProperties
import Foundation

extension Catalog {
    /// 3. softmax is a probability distribution that respects the logits' order and ignores shifts.
    public static let softmaxDistribution = Property(
        name: "softmax-distribution",
        summary: "softmax(z/T) lies in [0, 1]; Σpᵢ = 1 within n·(m + 1)·(2u + least subnormal); zᵢ < zⱼ ⇒ pᵢ ≤ pⱼ (within the error bound); and softmax(z + c) = softmax(z) when z + c is exact.",
        functions: [.softmax],
        rowKinds: finiteKinds,
        check: { p, c in
            let f = p.format, m = c.maxULP(.softmax, f)
            let got = try c.values(p)
            let n = Double(p.logits.count)
            for (i, x) in got.enumerated() {
                try require(x >= 0 && x <= 1, "p[\(i)] = \(show(x, f)) is outside [0, 1]")
            }
            let sum = got.reduce(0, +)
            let bound = n * (m + 1) * (2 * f.unitRoundoff + f.leastNonzeroMagnitude) + n * 0x1p-52
            try require(abs(sum - 1) <= bound, "Σp = \(sum), |Σp − 1| = \(abs(sum - 1)) > \(bound)")
            // Order: compare neighbours in sorted order (enough to catch an inversion).
            let order = p.logits.indices.sorted { p.logits[$0] < p.logits[$1] }
            for (a, b) in zip(order, order.dropFirst()) where p.logits[a] < p.logits[b] {
                let tolerance = slack(got[b], f, m) + slack(got[a], f, m)
                try require(got[a] <= got[b] + tolerance,
                            "z[\(a)] < z[\(b)] but p[\(a)] = \(show(got[a], f)) > p[\(b)] = \(show(got[b], f))")
            }
            // Shift invariance with an exactly representable shift.
            let shift = f.rounded(p.logits.max()! * 0.5 + 1)
            let shifted = p.logits.map { f.rounded($0 - shift) }
            // The shift must be exact: zᵢ − c representable in the format (TwoSum's error term is 0).
            let exact = zip(shifted, p.logits).allSatisfy { s, z in s.isFinite && s == z - shift && twoSumError(z, -shift) == 0 }
            if exact && shift.isFinite {
                var q = p
                q.logits = shifted
                let other = try c.values(q)
                for i in got.indices {
                    let tolerance = 2 * slack(max(got[i], other[i]), f, m)
                    try require(abs(got[i] - other[i]) <= tolerance,
                                "softmax(z − \(show(shift, f)))[\(i)] = \(show(other[i], f)) differs from softmax(z)[\(i)] = \(show(got[i], f))")
                }
            }
        }
    )

    /// 4. log_softmax ≤ 0 and agrees with softmax; max z/T ≤ LSE ≤ max z/T + log n.
    public static let logSoftmaxAndLSE = Property(
        name: "log-softmax-and-lse",
        summary: "log_softmax(z/T) ≤ 0 and exp(log_softmaxᵢ) = pᵢ within the propagated error; max z/T ≤ LSE(z/T) ≤ max z/T + log n.",
        functions: [.logSoftmax, .logsumexp],
        rowKinds: finiteKinds,
        check: { p, c in
            let f = p.format, m = c.maxULP(p.function, f)
            let got = try c.values(p)
            let n = Double(p.logits.count)
            if p.function == .logSoftmax {
                let probabilities = try c.values(c.with(p, .softmax))
                let ms = c.maxULP(.softmax, f)
                for (i, l) in got.enumerated() {
                    try require(l <= 0, "log_softmax[\(i)] = \(show(l, f)) > 0")
                    // exp(l̂) − p̂: the error of l̂ (≤ (m+1)·ulp(l)) is multiplied by p; p̂'s own error adds.
                    let e = exp(l)
                    let spread = expm1(slack(l, f, m))  // exp of l̂'s error bound
                    let tolerance = (e == 0 ? 0 : e * (min(spread, 1e300) + 0x1p-50)) + slack(probabilities[i], f, ms) + slack(e, f, 0)
                    try require(abs(e - probabilities[i]) <= tolerance,
                                "exp(log_softmax[\(i)]) = \(e) but softmax[\(i)] = \(show(probabilities[i], f))")
                }
            } else {
                let lse = got[0]
                let top = p.logits.max()! / p.temperature
                let low = f.rounded(top), high = f.rounded(top + log(n))
                guard low.isFinite && high.isFinite else { return }
                // The bounds themselves are formed in Double: max/T, log n and their sum each round
                // once (libm's log within 1 ulp), which matters in binary64 — at n equal logits LSE
                // meets the upper bound exactly — and, in absolute terms, where max/T ≈ −log n cancels.
                let formed = 4 * (top.magnitude.ulp + log(n).ulp)
                try require(lse >= low - slack(low, f, m) - formed,
                            "LSE = \(show(lse, f)) < max z/T = \(show(low, f))")
                try require(lse <= high + slack(high, f, m) + formed,
                            "LSE = \(show(lse, f)) > max z/T + log n = \(show(high, f))")
            }
        }
    )
}

/// The rounding error of a + b in binary64 (Knuth's TwoSum): a + b − RN(a + b), exactly.
func twoSumError(_ a: Double, _ b: Double) -> Double {
    let s = a + b
    let bb = s - a
    return (a - (s - bb)) + (b - bb)
}
