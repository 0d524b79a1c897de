import CrossCheckCore
import CrossCheckKernels
import Foundation
import Testing

/// The straightforward definitions, in Double, for moderate inputs.
enum Naive {
    static func logSoftmax(_ z: ArraySlice<Double>, _ t: Double) -> [Double] {
        let x = z.map { $0 / t }
        let m = x.max()!
        let lse = m + log(x.map { exp($0 - m) }.reduce(0, +))
        return x.map { $0 - lse }
    }

    /// torch.nn.CrossEntropyLoss: (loss, gradient) for class indices or soft targets.
    static func crossEntropy(_ z: [Double], classes c: Int, indices: [Int]?, soft: [Double]?, weight: [Double]?, ignore: Int?, eps: Double, reduction: LossReduction, t: Double) -> ([Double], [Double]) {
        let rows = z.count / c
        var losses: [Double] = [], grad: [Double] = []
        var denominator = 0.0
        for r in 0..<rows {
            let lp = logSoftmax(z[(r * c)..<((r + 1) * c)], t)
            var a = [Double](repeating: 0, count: c)
            if let indices {
                let y = indices[r]
                if y == ignore {
                    losses.append(0)
                    grad += [Double](repeating: 0, count: c)
                    continue
                }
                denominator += weight?[y] ?? 1
                for k in 0..<c { a[k] = eps / Double(c) * (weight?[k] ?? 1) }
                a[y] += (1 - eps) * (weight?[y] ?? 1)
            } else {
                denominator += 1
                for k in 0..<c { a[k] = (weight?[k] ?? 1) * ((1 - eps) * soft![r * c + k] + eps / Double(c)) }
            }
            losses.append(-zip(a, lp).map { $0 * $1 }.reduce(0, +))
            let total = a.reduce(0, +)
            grad += (0..<c).map { (total * exp(lp[$0]) - a[$0]) / t }
        }
        switch reduction {
        case .none: return (losses, grad)
        case .sum: return ([losses.reduce(0, +)], grad)
        case .mean: return ([losses.reduce(0, +) / denominator], grad.map { $0 / denominator })
        }
    }

    static func softplus(_ x: Double) -> Double { max(x, 0) + log1p(exp(-abs(x))) }
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    /// torch.nn.BCEWithLogitsLoss with per-class weight and pos_weight.
    static func bce(_ x: [Double], _ t: [Double], classes c: Int, weight: [Double]?, posWeight: [Double]?, reduction: LossReduction) -> ([Double], [Double]) {
        var losses: [Double] = [], grad: [Double] = []
        for i in x.indices {
            let w = weight?[i % c] ?? 1, p = posWeight?[i % c] ?? 1
            losses.append(w * (p * t[i] * softplus(-x[i]) + (1 - t[i]) * softplus(x[i])))
            grad.append(w * ((1 - t[i]) * sigmoid(x[i]) - p * t[i] * sigmoid(-x[i])))
        }
        switch reduction {
        case .none: return (losses, grad)
        case .sum: return ([losses.reduce(0, +)], grad)
        case .mean: return ([losses.reduce(0, +) / Double(x.count)], grad.map { $0 / Double(x.count) })
        }
    }
}

/// |a − b| within `relative`·max(|b|, 1) elementwise (the naive definitions cancel near zero).
func close(_ a: [Double], _ b: [Double], _ relative: Double) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= relative * max(abs($1), 1) }
}

@Suite("Loss options against their straightforward definitions")
struct OptionsTests {
    static let reductions: [LossReduction] = [.none, .sum, .mean]

    func check<S: KernelScalar>(_: S.Type, tolerance: Double, seed: UInt64) throws {
        var g = SplitMix64(seed: seed)
        for trial in 0..<24 {
            let c = Int.random(in: 2...9, using: &g), rows = Int.random(in: 1...6, using: &g)
            let z = (0..<(rows * c)).map { _ in Double(S(g.gaussian() * 4)) }
            let weight: [Double]? = trial % 2 == 0 ? (0..<c).map { _ in Double(S(Double.random(in: 0.1..<3, using: &g))) } : nil
            let eps = trial % 3 == 0 ? 0 : Double(S(Double.random(in: 0..<0.4, using: &g)))
            let t = trial % 4 == 0 ? 1 : Double(S(Double.random(in: 0.25..<4, using: &g)))
            let reduction = Self.reductions[trial % 3]
            let soft = trial % 5 == 0
            let ignore: Int? = soft ? nil : (trial % 2 == 1 ? -100 : Int.random(in: 0...c - 1, using: &g))
            let indices = (0..<rows).map { _ in g.chance(0.15) ? (ignore ?? 0) : Int.random(in: 0...c - 1, using: &g) }
            let targets = (0..<(rows * c)).map { _ in Double(S(Double.random(in: 0..<1, using: &g))) }
            let loss = CrossEntropyLoss<S>(weight: weight.map { $0.map { S($0) } }, ignoreIndex: ignore, labelSmoothing: S(eps), reduction: reduction, temperature: S(t))
            let logits = try Logits(z.map { S($0) }, classes: c)
            let kernelTargets: Targets<S> = soft ? .soft(targets.map { S($0) }) : .classIndices(indices)
            let fused = try loss.lossAndGradient(logits, kernelTargets)
            let (expectedLoss, expectedGradient) = Naive.crossEntropy(z, classes: c, indices: soft ? nil : indices, soft: soft ? targets : nil, weight: weight, ignore: ignore, eps: eps, reduction: reduction, t: t)
            let context = "trial \(trial): c=\(c) rows=\(rows) w=\(weight != nil) eps=\(eps) T=\(t) \(reduction) soft=\(soft)"
            if expectedLoss.allSatisfy({ $0.isFinite }) {
                #expect(close(fused.loss.map(\.kernelDouble), expectedLoss, tolerance), "loss \(context): \(fused.loss) vs \(expectedLoss)")
                #expect(close(fused.gradient.map(\.kernelDouble), expectedGradient, tolerance), "gradient \(context)")
            } else {
                #expect(fused.loss.map(\.kernelDouble).allSatisfy { $0.isNaN }, "\(context): all rows ignored gives NaN as in PyTorch")
            }
            let alone = try loss(logits, kernelTargets)
            #expect(same(alone.map(\.kernelDouble), fused.loss.map(\.kernelDouble)), "the fused loss equals the loss alone: \(alone) vs \(fused.loss) \(context)")
        }
    }

    @Test("cross-entropy: weights, ignore index, label smoothing, reductions, soft targets, temperature")
    func crossEntropyOptions() throws {
        try check(Float.self, tolerance: 4e-6, seed: 1)
        try check(Double.self, tolerance: 1e-12, seed: 2)
    }

    @Test("without options the loss and gradient are the protocol's cross_entropy and cross_entropy_grad")
    func plainCrossEntropyMatchesRowKernels() throws {
        let z: [Float] = [1.5, -3, 0.25, 8, 8, -1, 0, 2]
        let logits = try Logits(z, classes: 4)
        let y = [2, 0]
        let fused = try CrossEntropyLoss<Float>(reduction: .none, temperature: 0.5).lossAndGradient(logits, .classIndices(y))
        #expect(fused.loss == (try logits.crossEntropy(.classIndices(y), temperature: 0.5)))
        #expect(fused.gradient == (try logits.crossEntropyGradient(.classIndices(y), temperature: 0.5)))
        for r in 0..<2 {
            let row = Array(logits[row: r])
            #expect(try SoftmaxKernels.evaluate(.crossEntropy, logits: row, temperature: 0.5, target: .classIndex(y[r])) == [fused.loss[r]])
        }
    }

    @Test("BCE with logits: weight, pos_weight, reductions")
    func bceOptions() throws {
        var g = SplitMix64(seed: 7)
        for trial in 0..<18 {
            let c = Int.random(in: 1...6, using: &g), rows = Int.random(in: 1...5, using: &g)
            let x = (0..<(rows * c)).map { _ in g.gaussian() * 6 }
            let t = (0..<(rows * c)).map { _ in g.chance(0.3) ? Double(Int.random(in: 0...1, using: &g)) : Double.random(in: 0..<1, using: &g) }
            let weight: [Double]? = trial % 2 == 0 ? (0..<c).map { _ in Double.random(in: 0..<2, using: &g) } : nil
            let posWeight: [Double]? = trial % 3 != 0 ? (0..<c).map { _ in Double.random(in: 0.2..<5, using: &g) } : nil
            let reduction = Self.reductions[trial % 3]
            let loss = BCEWithLogitsLoss<Double>(weight: weight, positiveWeight: posWeight, reduction: reduction)
            let fused = try loss.lossAndGradient(try Logits(x, classes: c), t)
            let (el, eg) = Naive.bce(x, t, classes: c, weight: weight, posWeight: posWeight, reduction: reduction)
            #expect(close(fused.loss, el, 1e-13), "trial \(trial) loss")
            #expect(close(fused.gradient, eg, 1e-12), "trial \(trial) gradient")
            #expect(try loss(try Logits(x, classes: c), t) == fused.loss)
        }
        // Without weights, per element: exactly the protocol's bce_with_logits and its gradient.
        let x: [Float] = [-30, -1, 0, 1e-30, 2, 40]
        let t: [Float] = [0, 0.5, 0.5, 0.5, 1, 1]
        let plain = try BCEWithLogitsLoss<Float>(reduction: .none).lossAndGradient(try Logits(x, classes: 3), t)
        #expect(plain.loss == (try SoftmaxKernels.evaluate(.bceWithLogits, logits: x, target: .vector(t.map { Double($0) }))))
        #expect(plain.gradient == (try SoftmaxKernels.evaluate(.bceWithLogitsGrad, logits: x, target: .vector(t.map { Double($0) }))))
    }

    @Test("typed values: explicit conversions between logits and probabilities")
    func typedConversions() throws {
        let logits = try Logits<Double>(row: [0, log(3)])
        let p = try logits.softmax()
        #expect(close(p.values, [0.25, 0.75], 1e-15))
        let back = Logits(logOf: p)
        #expect(close(try back.softmax().values, [0.25, 0.75], 1e-15))
        let lp = try logits.logSoftmax()
        #expect(abs(lp.probabilities.values[1] - 0.75) < 1e-15)
        #expect(try Logits(lp).crossEntropy(.classIndices([1])) == (try logits.crossEntropy(.classIndices([1]))))
    }
}
