import CrossCheckCore
import CrossCheckProperties
import Foundation

extension Catalog {
    /// 8. Temperature: entropy grows with T; T → 0 gives the argmax's one-hot, T → ∞ the uniform.
    public static let temperature = Property(
        name: "temperature",
        summary: "The entropy of softmax(z/T) does not decrease as T grows; for T ≤ gap/64 softmax is the one-hot of the argmax (others ≤ (n−1)e⁻⁶⁴); for large T every pᵢ is within (e^{range/T} − 1)/n of 1/n.",
        functions: [.softmax],
        rowKinds: [.normal, .nearTies, .dominant, .gap, .equal, .singleClass, .nearOne],
        generate: { g, f, format, rng in g.limited(toClasses: 256).problem(f, format, &rng) },
        check: { p, c in
            let f = p.format, m = c.maxULP(.softmax, f)
            let z = p.logits
            guard z.allSatisfy(\.isFinite) else { return }
            func entropy(_ q: [Double]) -> (h: Double, tolerance: Double) {
                var h = 0.0, tol = Double(q.count) * 0x1p-50
                for x in q where x > 0 {
                    h -= x * log(x)
                    tol += (abs(log(x)) + 1) * slack(x, f, m) + slack(x, f, m)
                }
                return (h, tol)
            }
            // Monotone entropy: T and 4T.
            let cold = try c.values(p)
            var warm = p
            warm.temperature = f.rounded(p.temperature * 4)
            if warm.temperature.isFinite && warm.temperature > p.temperature {
                let (hc, tc) = entropy(cold), (hw, tw) = entropy(try c.values(warm))
                try require(hc <= hw + tc + tw, "entropy at T = \(show(p.temperature, f)) is \(hc) > entropy at T = \(show(warm.temperature, f)), \(hw)")
            }
            let top = z.max()!, bottom = z.min()!
            let sorted = z.sorted(by: >)
            // Small T: a unique argmax with a gap takes everything.
            if z.count >= 2, sorted[0] > sorted[1] {
                let t = f.rounded((sorted[0] - sorted[1]) / 64)
                if t > 0 && t.isFinite && (sorted[0] - sorted[1]) / t >= 63 {
                    var q = p
                    q.temperature = t
                    let got = try c.values(q)
                    let k = z.firstIndex(of: top)!
                    let rest = Double(z.count - 1) * exp(-63.0)
                    try require(got[k] >= 1 - rest - slack(got[k], f, m), "T = \(show(t, f)): p[argmax] = \(show(got[k], f)), not ≈ 1")
                    for (i, x) in got.enumerated() where i != k {
                        try require(x <= rest + slack(x, f, m) + f.leastNonzeroMagnitude, "T = \(show(t, f)): p[\(i)] = \(show(x, f)), not ≈ 0")
                    }
                }
            }
            // Large T: near uniform.
            let range = top - bottom
            let big = f.rounded(min(f.greatestFiniteMagnitude, max(1, range) * 0x1p20))
            if big.isFinite && big > 0 {
                var q = p
                q.temperature = big
                let got = try c.values(q)
                let n = Double(z.count)
                let spread = expm1(range / big) / n
                for (i, x) in got.enumerated() {
                    try require(abs(x - 1 / n) <= spread + slack(x, f, m) + slack(1 / n, f, 0),
                                "T = \(show(big, f)): p[\(i)] = \(show(x, f)) is not within \(spread) of 1/n = \(1 / n)")
                }
            }
        }
    )

    /// 9. CE on already-softmaxed input is a different loss, and its gradient is not p − y.
    public static let softmaxBeforeCrossEntropy = Property(
        name: "softmax-before-ce",
        summary: "The common mistake is visible: feeding p = softmax(z) to cross-entropy as logits gives ∂/∂p = softmax(p) − y, and softmax(p)ₖ ≤ e/(e + n − 1) < p_k for a confident row (p_k ≥ 0.9), so it violates ∂CE/∂z = p − y of property 6.",
        functions: [.crossEntropyGrad],
        rowKinds: [.dominant], targetShapes: [.classIndex],
        generate: { g, f, format, rng in
            let n = Int.random(in: 2...64, using: &rng)
            var z = (0..<n).map { _ in g.ordinary(format, scale: 1, &rng) }
            let k = Int.random(in: 0..<n, using: &rng)
            z[k] = format.rounded(z.max()! + log(Double(n)) + Double.random(in: 3...20, using: &rng))
            return Problem(function: f, format: format, logits: z, target: .classIndex(Int.random(in: 0..<n, using: &rng)))
        },
        check: { p, c in
            let f = p.format, m = c.maxULP(.crossEntropyGrad, f)
            guard case .classIndex(let y) = p.target else { return }
            let probabilities = try c.values(c.with(p, .softmax, target: .some(nil)))
            guard let k = probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }), probabilities[k] >= 0.9 else { return }
            var mistaken = p
            mistaken.logits = probabilities
            let wrong = try c.values(mistaken)
            let right = try c.values(p)
            let n = Double(p.logits.count)
            let ceiling = exp(1.0) / (exp(1.0) + n - 1)
            let target = k == y ? 1.0 : 0.0
            // The mistaken gradient at k is softmax(p)_k − y_k ≤ ceiling − y_k; the right one is p_k − y_k.
            try require(wrong[k] <= ceiling - target + slack(wrong[k], f, m),
                        "∂CE(softmax(z))/∂p[\(k)] = \(show(wrong[k], f)) exceeds softmax(p)ₖ − yₖ ≤ \(ceiling - target)")
            try require(abs(right[k] - wrong[k]) >= probabilities[k] - ceiling - slack(right[k], f, m) - slack(wrong[k], f, m),
                        "the mistake is invisible: gradients \(show(right[k], f)) and \(show(wrong[k], f)) at the argmax")
        }
    )

    /// 11. Maximum likelihood: Σᵢ qᵢ·CE(z, i) = CE(z, q) has gradient (Σq)p − q, zero exactly at z = log q + c.
    public static let maximumLikelihood = Property(
        name: "maximum-likelihood",
        summary: "For a target distribution q the expected loss Σᵢ qᵢ·CE(z, i) equals soft-target CE(z, q); its gradient (Σq)p − q vanishes at z = log q + c (up to the rounding of log q) and not after moving one logit.",
        functions: [.crossEntropyGrad],
        rowKinds: [.normal], targetShapes: [.normalized],
        generate: { g, f, format, rng in
            let n = Int.random(in: 2...32, using: &rng)
            let w = (0..<n).map { _ in Double.random(in: 0.05...1, using: &rng) }
            let s = w.reduce(0, +)
            let q = w.map { format.rounded($0 / s) }
            let shift = rng.chance(0.5) ? 0 : Double(Int.random(in: -20...20, using: &rng))
            let z = q.map { format.rounded(log($0) + shift) }
            return Problem(function: f, format: format, logits: z, target: .vector(q))
        },
        check: { p, c in
            let f = p.format, m = c.maxULP(.crossEntropyGrad, f)
            // Assume a distribution q > 0, T = 1 and logits log q + c (a shrunk problem may not be one).
            guard case .vector(let q) = p.target, q.allSatisfy({ $0 > 0 }), p.temperature == 1,
                  p.logits.allSatisfy(\.isFinite), p.logits.count >= 2 else { return }
            let total = q.reduce(0, +)
            // How far the rounded logits are from log q + c (c fitted as the mean offset).
            let offsets = zip(p.logits, q).map { $0 - log($1) }
            let c0 = offsets.reduce(0, +) / Double(offsets.count)
            // Widened by the Double rounding of log q and of the offsets themselves.
            let delta = offsets.map { abs($0 - c0) }.max()! + 8 * (p.logits.map(abs).max()! + 1).ulp
            guard delta < 0.01 else { return }
            let grad = try c.values(p)
            for (i, g) in grad.enumerated() {
                let bound = q[i] * expm1(2 * delta) * 1.01 + slack(g, f, m)
                try require(abs(g) <= bound, "at z = log q + c the gradient [\(i)] = \(show(g, f)) > \(bound)")
            }
            // Moving one logit by 1 makes it clearly non-zero there.
            var moved = p
            moved.logits[0] = f.rounded(p.logits[0] + 1)
            let after = try c.values(moved)[0]
            let expected = q[0] * (exp(1.0) - 1) * (total - q[0]) / (total + q[0] * (exp(1.0) - 1))
            try require(abs(after) >= expected * 0.5, "after z[0] += 1 the gradient [0] = \(show(after, f)) should be about \(expected)")
            // Linearity in the targets: CE(z, q) = Σ qᵢ·CE(z, i).
            let soft = try c.values(c.with(p, .crossEntropy))[0]
            var sum = 0.0, tolerance = slack(soft, f, c.maxULP(.crossEntropy, f))
            for i in q.indices {
                let ce = try c.values(c.with(p, .crossEntropy, target: .some(.classIndex(i))))[0]
                sum += q[i] * ce
                tolerance += q[i] * slack(ce, f, c.maxULP(.crossEntropy, f)) + abs(q[i] * ce) * 0x1p-50
            }
            try require(abs(soft - sum) <= tolerance, "CE(z, q) = \(show(soft, f)) but Σ qᵢ·CE(z, i) = \(sum)")
        }
    )
}
