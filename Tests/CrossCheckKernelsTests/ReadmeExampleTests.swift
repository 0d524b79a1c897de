import CrossCheckKernels
import Foundation
import Testing

/// The README's example, verbatim, checked against a straightforward definition.
@Suite struct ReadmeExampleTests {
    @Test func lossAndGradientOnABatch() throws {
        let logits = try Logits<Float>([2, -1, 0.5,  0.1, 0.2, 3], classes: 3)       // 2 rows × 3 classes
        let loss = CrossEntropyLoss<Float>(weight: [1, 2, 1], labelSmoothing: 0.1, reduction: .mean)
        let r = try loss.lossAndGradient(logits, .classIndices([0, 2]))  // one pass: r.loss[0], r.gradient (2×3)
        let p = try logits.softmax(temperature: 0.5)   // Probabilities<Float>: loss(p, …) does not compile
        #expect(p.values.count == 6)

        // PyTorch's definition: per row, Σ_c w_c·q_c·(−log p_c) with q = (1 − ε)·onehot + ε/C;
        // mean divides by Σ_rows w_{y}.
        let rows: [[Double]] = [[2, -1, 0.5], [0.1, 0.2, 3]], targets = [0, 2], w = [1.0, 2, 1], eps = 0.1
        var total = 0.0
        for (row, y) in zip(rows, targets) {
            let m = row.max()!, lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
            for c in 0..<3 {
                let q = (c == y ? 1 - eps : 0) + eps / 3
                total += w[c] * q * (lse - row[c])
            }
        }
        let expected = total / (w[0] + w[2])
        #expect(abs(Double(r.loss[0]) - expected) <= 1e-6 * expected, "\(r.loss[0]) vs \(expected)")
        #expect(r.gradient.count == 6)
    }
}
