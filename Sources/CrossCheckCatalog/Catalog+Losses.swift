import ArbitraryPrecision
import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference
import Foundation

extension Catalog {
    /// 5. CE = LSE − z_y/T ≥ 0; BCE with logits is two-class CE with logits [0, x]; σ(−x) = 1 − σ(x).
    public static let lossIdentities = Property(
        name: "loss-identities",
        summary: "CE(z, y) = LSE(z/T) − z_y/T ≥ 0; BCE-with-logits(x, t) = CE([0, x], targets [1 − t, t]) (binary CE is C = 2 with a sigmoid); σ(−x) = 1 − σ(x).",
        functions: [.crossEntropy, .bceWithLogits, .sigmoid],
        rowKinds: finiteKinds, targetShapes: [.classIndex, .zeroOne, .fraction],
        check: { p, c in
            let f = p.format, m = c.maxULP(p.function, f)
            let got = try c.values(p)
            switch p.function {
            case .crossEntropy:
                guard case .classIndex(let y) = p.target else { return }
                try require(got[0] >= 0, "CE = \(show(got[0], f)) < 0")
                let lse = try c.values(c.with(p, .logsumexp, target: .some(nil)))[0]
                let zy = p.logits[y] / p.temperature
                let via = lse - zy
                guard lse.isFinite, via.isFinite, got[0].isFinite else { return }
                let tolerance = slack(got[0], f, m) + slack(lse, f, c.maxULP(.logsumexp, f)) + abs(zy) * 0x1p-52 + via.ulp
                try require(abs(got[0] - via) <= tolerance,
                            "CE = \(show(got[0], f)) but LSE − z_y/T = \(via) (LSE = \(show(lse, f)))")
            case .bceWithLogits:
                guard case .vector(let t) = p.target else { return }
                for i in p.logits.indices where p.logits[i].isFinite && f.rounded(1 - t[i]) == 1 - t[i] {
                    let two = Problem(function: .crossEntropy, format: f, logits: [0, p.logits[i]], target: .vector([1 - t[i], t[i]]))
                    let ce = try c.values(two)[0]
                    let tolerance = slack(got[i], f, m) + slack(ce, f, c.maxULP(.crossEntropy, f))
                    try require(got[i] == ce || abs(got[i] - ce) <= tolerance,
                                "bce_with_logits(\(show(p.logits[i], f)), t = \(show(t[i], f))) = \(show(got[i], f)) but two-class CE([0, x], [1 − t, t]) = \(show(ce, f))")
                }
            default:  // sigmoid
                var q = p
                q.logits = p.logits.map { -$0 }
                let mirrored = try c.values(q)
                for i in got.indices where p.logits[i].isFinite {
                    let complement = 1 - got[i]
                    let tolerance = slack(mirrored[i], f, m) + slack(got[i], f, m)
                    try require(abs(mirrored[i] - complement) <= tolerance,
                                "σ(−x) = \(show(mirrored[i], f)) but 1 − σ(x) = \(complement) at x = \(show(p.logits[i], f))")
                }
            }
        }
    )

    /// 6. The CE gradient is (Σt·p − t)/T: p − y for a class index, summing to 0, in [−1/T, 1/T],
    /// and equal to the derivative of the reference loss (central differences at 200 bits).
    public static let gradientIdentities = Property(
        name: "gradient-identities",
        summary: "∂CE/∂zᵢ = ((Σt)pᵢ − tᵢ)/T — p − y scaled by 1/T for a class index, summing to 0 and lying in [−1/T, 1/T] — and it matches the derivative of the reference loss (central differences of the 200-bit reference).",
        functions: [.crossEntropyGrad],
        rowKinds: [.normal, .nearTies, .equal, .dominant, .gap, .singleClass, .nearOne],
        generate: { g, f, format, rng in g.limited(toClasses: 64).problem(f, format, &rng) },
        check: { p, c in
            let f = p.format, m = c.maxULP(.crossEntropyGrad, f)
            let grad = try c.values(p)
            let probabilities = try c.values(c.with(p, .softmax, target: .some(nil)))
            let ms = c.maxULP(.softmax, f)
            let t = p.targetVector!, total = compensatedSum(t), T = p.temperature
            for i in grad.indices where grad[i].isFinite {
                let expected = (total * probabilities[i] - t[i]) / T
                guard expected.isFinite else { continue }
                // Rounding of this Double check itself: Σt, the product and the difference.
                let arithmetic = (t.reduce(0) { $0 + abs($1) } * probabilities[i] + abs(t[i])) * 0x1p-50 / T
                let tolerance = slack(grad[i], f, m) + abs(total) * slack(probabilities[i], f, ms) / T + arithmetic
                try require(abs(grad[i] - expected) <= tolerance,
                            "∂CE/∂z[\(i)] = \(show(grad[i], f)) but ((Σt)p − t)/T = \(expected) from softmax p = \(show(probabilities[i], f))")
            }
            if case .classIndex = p.target, grad.allSatisfy(\.isFinite) {
                let sum = grad.reduce(0, +)
                let tolerance = grad.reduce(0) { $0 + slack($1, f, m) } + Double(grad.count) * 0x1p-52 / T
                try require(abs(sum) <= tolerance, "Σ ∂CE/∂zᵢ = \(sum) ≠ 0 for a class index")
                for (i, g) in grad.enumerated() {
                    try require(abs(g * T) <= 1 + slack(g, f, m) * T, "∂CE/∂z[\(i)]·T = \(g * T) is outside [−1, 1]")
                }
            }
            try matchesReferenceDerivative(p, grad, c)
        }
    )

    /// Central differences of the reference loss, each evaluated to 200 bits: with h = 2⁻²⁰·T the
    /// truncation error is about h²/6·|∂³CE| ≤ 2⁻⁴⁰/T, far below one ulp of the gradient.
    /// z ± h need not be Doubles (0.9999999999999999 − 2⁻³¹ crosses into a coarser binade): the
    /// quotient divides by the steps actually taken, z⁺ − z⁻, exactly, and the asymmetry of the
    /// steps adds a first-order error |h⁺ − h⁻|/2·|∂²CE| ≤ |h⁺ − h⁻|·Σ|t|/(8T²) — small when
    /// |z| < 2³⁷h (|h⁺ − h⁻| ≤ 2ulp(z) ≤ 2⁻¹⁴h).
    static func matchesReferenceDerivative(_ p: Problem, _ grad: [Double], _ c: PropertyContext) throws {
        let f = p.format, m = c.maxULP(.crossEntropyGrad, f)
        let T = p.temperature
        let h = Double(sign: .plus, exponent: T.exponent - 20, significand: 1)
        // z ± h must stay finite (beyond the range the loss is a limit, not a slope).
        guard p.logits.allSatisfy({ $0.isFinite && abs($0) < 0x1p37 * h && ($0 + h).isFinite && ($0 - h).isFinite }),
              p.logits.count <= 64 else { return }
        // The loss and its slope scale with Σ|tᵢ| (targets far from normalized): so does the truncation error.
        let weight = max(1, p.targetVector!.reduce(0) { $0 + abs($1) })
        var base = Problem(function: .crossEntropy, format: .float64, logits: p.logits, temperature: T, target: p.target)
        for i in grad.indices where grad[i].isFinite {
            let (above, below) = (p.logits[i] + h, p.logits[i] - h)
            base.logits[i] = above
            guard let up = try? Catalog.highPrecision.highPrecisionValues(base)[0] else { base.logits[i] = p.logits[i]; continue }
            base.logits[i] = below
            guard let down = try? Catalog.highPrecision.highPrecisionValues(base)[0] else { base.logits[i] = p.logits[i]; continue }
            base.logits[i] = p.logits[i]
            let step = MPFloat.difference(MPFloat(above), MPFloat(below), precision: 200)  // exact
            let slope = MPFloat.quotient(MPFloat.difference(up, down, precision: 200), step, precision: 200).double()
            guard slope.isFinite else { continue }
            // (T·T underflows for T near the least normal: divide twice; 0 when the steps are equal.)
            let stepDifference = abs((above - p.logits[i]) - (p.logits[i] - below))
            let asymmetry = stepDifference == 0 ? 0 : stepDifference / T * (weight / T) / 8
            let tolerance = slack(grad[i], f, m) + abs(slope) * 0x1p-30 + 0x1p-30 * weight / T + asymmetry
            try require(abs(grad[i] - slope) <= tolerance,
                        "∂CE/∂z[\(i)] = \(show(grad[i], f)) but the reference loss's slope is \(slope)")
        }
    }
}

/// Σ xᵢ by Neumaier's compensated summation: within about one ulp of the exact sum.
func compensatedSum(_ xs: [Double]) -> Double {
    var sum = 0.0, compensation = 0.0
    for x in xs {
        let t = sum + x
        compensation += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum
        sum = t
    }
    return sum + compensation
}
