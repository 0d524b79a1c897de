import CrossCheckCore
import Foundation

/// The flaws of input classes a generator can be blind to (fully masked rows, masked soft
/// targets, long rows, subnormal outputs, confident rows) and of one framework bug: each is the
/// correct answer except on its class, computed in the format's own arithmetic there.
extension FlawedImplementation {
    /// The flawed answer for the flaws of this file on `p`, or nil when `p` is not in the flaw's class.
    func classAnswer(_ p: Problem, _ correct: Answer) throws -> Answer? {
        let f = p.format, r = f.rounded
        func pack(_ v: [Double]) -> Answer { p.function.isScalar ? .scalar(v[0]) : .vector(v) }
        let z = p.logits
        switch flaw {
        case .fullyMaskedRows where p.function.shape == .row && z.allSatisfy({ $0 == -.infinity }):
            // Probabilities taken as 0 instead of 0/0.
            let t = p.targetVector ?? []
            switch p.function {
            case .logsumexp: return correct
            case .softmax, .mseSoftmaxGrad: return .vector(z.map { _ in 0 })
            case .logSoftmax: return .vector(z.map { _ in -.infinity })
            case .crossEntropy: return .scalar(0)
            case .crossEntropyGrad: return .vector(t.map { $0.isNaN ? $0 : r(-$0 / p.temperature) })
            default: return .scalar(r(t.reduce(0) { $0 + $1 * $1 }))  // mse_softmax: Σ(0 − tᵢ)²
            }
        case .maskedSoftTargets where p.function == .crossEntropy:
            // Σᵢ tᵢ·(LSE − zᵢ/T) with no term skipped: 0·(+∞) = NaN on a masked class.
            guard case .vector(let t) = p.target, z.contains(where: { $0.isFinite }),
                  zip(z, t).contains(where: { $0 == -.infinity && $1 == 0 }) else { return nil }
            return .scalar(.nan)
        case .longRowNaiveMSE where p.function == .mseSoftmax && z.count >= 1000 && z.allSatisfy(\.isFinite):
            var q = p
            q.function = .softmax
            q.target = nil
            let probabilities = try reference.evaluate(q).values
            let t = p.targetVector!
            var sum = 0.0
            for (pi, ti) in zip(probabilities, t) {
                let d = r(pi - ti)
                sum = r(sum + r(d * d))
            }
            return .scalar(sum)
        case .sigmoidSubnormalFlush where p.function == .sigmoid && f != .float16:
            return .vector(correct.values.map { $0.magnitude < f.leastNormalMagnitude ? 0 : $0 })
        case .confidentShortcut where p.function == .crossEntropy:
            guard case .classIndex(let y) = p.target, z.allSatisfy(\.isFinite), z.count >= 2 else { return nil }
            let others = z.indices.filter { $0 != y }.map { z[$0] }.max()!
            guard z[y] > others, (z[y] - others) / p.temperature > 20 else { return nil }
            return .scalar(0)
        case .logOfSoftmax where p.function == .logSoftmax && z.allSatisfy(\.isFinite):
            var q = p
            q.function = .softmax
            return .vector(try reference.evaluate(q).values.map { r(log($0)) })
        default:
            return nil
        }
    }
}
