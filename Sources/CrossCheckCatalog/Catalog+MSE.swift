import CrossCheckCore
import CrossCheckProperties
import Foundation

extension Catalog {
    /// 7. MSE's gradient vanishes when the model is confidently wrong; CE's does not.
    ///
    /// Sigmoid: ∂MSE/∂x = 2(σ − t)σ(1 − σ). Over σ, t ∈ [0, 1] its magnitude peaks at 8/27 (t = 0,
    /// σ = 2/3), so |∂MSE/∂x| ≤ ½. Confidently wrong, t = 0 and σ ≥ 1 − δ: |∂MSE/∂x| ≤ 2δ, while
    /// |∂CE/∂x| = σ ≥ 1 − δ (mirror image for t = 1, σ ≤ δ).
    ///
    /// Softmax, one-hot t = e_y, gᵢ = (2/T)pᵢ(dᵢ − D) with dᵢ = pᵢ − tᵢ, D = Σ dᵢpᵢ. Confidently wrong:
    /// some k ≠ y has p_k ≥ 1 − δ and p_y ≤ δ. Then every |∂MSE/∂zⱼ| ≤ 4δ/T:
    /// j = y: |d_y − D| ≤ 2 and p_y ≤ δ; j ∉ {y, k}: pⱼ ≤ 1 − p_k ≤ δ; j = k: d_k − D =
    /// p_k(1 − p_k) + p_y − Σ_{i≠k} pᵢ² ∈ [−δ², 2δ]. While |∂CE/∂z_y| = (1 − p_y)/T ≥ (1 − δ)/T.
    public static let mseVanishingGradient = Property(
        name: "mse-vanishing-gradient",
        summary: "Sigmoid: |∂MSE/∂x| = 2|σ − t|σ(1 − σ) ≤ ½, and confidently wrong (t = 0, σ ≥ 1 − δ) |∂MSE/∂x| ≤ 2δ while |∂CE/∂x| ≥ 1 − δ. Softmax: confidently wrong (p_k ≥ 1 − δ for k ≠ y, p_y ≤ δ) every |∂MSE/∂zⱼ| ≤ 4δ/T while |∂CE/∂z_y| ≥ (1 − δ)/T.",
        functions: [.mseSigmoidGrad, .mseSoftmaxGrad],
        rowKinds: [.dominant, .normal], targetShapes: [.classIndex, .zeroOne],
        generate: { g, f, format, rng in
            let oneHot = g.targetShapes?.first == .zeroOne
            if f == .mseSigmoidGrad {
                let n = Int.random(in: 1...16, using: &rng)
                let x = (0..<n).map { _ in rng.chance(0.5) ? g.ordinary(format, scale: 3, &rng) : format.rounded(Double.random(in: -40...40, using: &rng)) }
                let t = (0..<n).map { _ in oneHot || rng.chance(0.8) ? Double(Int.random(in: 0...1, using: &rng)) : g.elementTarget(format, &rng) }
                return Problem(function: f, format: format, logits: x, target: .vector(t))
            }
            if g.rowKinds.first == .normal {
                // An ordinary row with the target off its argmax: confidently wrong when it happens
                // to have a leader (the check holds the rows that are, and passes over the others).
                var p = g.problem(f, format, &rng)
                let top = p.logits.indices.max { p.logits[$0] < p.logits[$1] }!
                let others = p.logits.indices.filter { $0 != top }
                if let y = others.randomElement(using: &rng) {
                    p.target = oneHot ? .vector(p.logits.indices.map { $0 == y ? 1 : 0 }) : .classIndex(y)
                }
                return p
            }
            // A dominant row, confidently wrong: class k leads by a margin, the target is another class.
            let n = Int.random(in: 2...32, using: &rng)
            var z = (0..<n).map { _ in g.ordinary(format, scale: 1, &rng) }
            let k = Int.random(in: 0..<n, using: &rng)
            var y = Int.random(in: 0..<(n - 1), using: &rng)
            if y >= k { y += 1 }
            let T = rng.chance(0.5) ? 1 : g.temperature(format, &rng)
            z[k] = format.rounded(min(format.greatestFiniteMagnitude, z.max()! + Double.random(in: 2...30, using: &rng) * T))
            // The zero-one cell: the same one-hot target as a vector.
            let target: Target = oneHot ? .vector(z.indices.map { $0 == y ? 1 : 0 }) : .classIndex(y)
            return Problem(function: f, format: format, logits: z, temperature: T, target: target)
        },
        check: { p, c in
            let f = p.format, m = c.maxULP(p.function, f)
            let grad = try c.values(p)
            if p.function == .mseSigmoidGrad {
                let t = p.targetVector!
                let mirrored = try c.exact(Problem(function: .sigmoid, format: f, logits: p.logits.map { -$0 }))
                let direct = try c.exact(Problem(function: .sigmoid, format: f, logits: p.logits))
                let ceGrad = try c.values(Problem(function: .bceWithLogitsGrad, format: f, logits: p.logits, target: p.target))
                let mc = c.maxULP(.bceWithLogitsGrad, f)
                for i in grad.indices where p.logits[i].isFinite {
                    try require(abs(grad[i]) <= 0.5, "|∂MSE/∂x| = \(show(grad[i], f)) > ½ at x = \(show(p.logits[i], f))")
                    let x = p.logits[i]
                    guard (t[i] == 0 && x > 0) || (t[i] == 1 && x < 0) else { continue }
                    // δ: 1 − σ(x) = σ(−x) when t = 0, σ(x) when t = 1; correctly rounded, so widen by 2u and a subnormal.
                    let delta = (t[i] == 0 ? mirrored[i] : direct[i]) * (1 + 4 * f.unitRoundoff) + f.leastNonzeroMagnitude
                    try require(abs(grad[i]) <= 2 * delta + slack(grad[i], f, m),
                                "confidently wrong at x = \(show(x, f)), t = \(show(t[i], f)): |∂MSE/∂x| = \(show(grad[i], f)) > 2δ = \(2 * delta)")
                    try require(abs(ceGrad[i]) >= (1 - delta) * (1 - 2 * f.unitRoundoff) - slack(ceGrad[i], f, mc),
                                "confidently wrong at x = \(show(x, f)): |∂CE/∂x| = \(show(ceGrad[i], f)) < 1 − δ = \(1 - delta)")
                }
                return
            }
            // A class index, or a one-hot target vector.
            guard let t = p.targetVector, t.count { $0 == 1 } == 1, t.allSatisfy({ $0 == 0 || $0 == 1 }),
                  let y = t.firstIndex(of: 1) else { return }
            let probabilities = try c.exact(c.with(p, .softmax, target: .some(nil)))
            guard let k = probabilities.indices.filter({ $0 != y }).max(by: { probabilities[$0] < probabilities[$1] }) else { return }
            // 1 − p_k as the sum of the others (1 − RN(p_k) would round to 0).
            let others = probabilities.indices.filter { $0 != k }.reduce(0.0) { $0 + probabilities[$1] }
            let delta = max(probabilities[y], others) * (1 + 4 * f.unitRoundoff) + Double(p.logits.count) * f.leastNonzeroMagnitude
            guard delta < 0.5 else { return }  // not confidently wrong
            let T = p.temperature
            for (j, g) in grad.enumerated() where g.isFinite {
                let bound = 4 * delta / T
                guard bound.isFinite else { continue }
                try require(abs(g) <= bound + slack(g, f, m),
                            "confidently wrong (δ = \(delta)): |∂MSE/∂z[\(j)]| = \(show(g, f)) > 4δ/T = \(bound)")
            }
            let ce = try c.values(c.with(p, .crossEntropyGrad))[y]
            let floor = (1 - delta) / T
            if floor.isFinite && ce.isFinite {
                try require(abs(ce) >= floor * (1 - 2 * f.unitRoundoff) - slack(ce, f, c.maxULP(.crossEntropyGrad, f)),
                            "confidently wrong (δ = \(delta)): |∂CE/∂z_y| = \(show(ce, f)) < (1 − δ)/T = \(floor)")
            }
        }
    )
}
