import CrossCheckCore
import CrossCheckReference
import Testing

/// The MSE-softmax gradient of rows longer than the pairwise limit with a target vector: when tied
/// maxima with equal targets hold nearly all the mass, Σ_{i≠j} pᵢ(dⱼ − dᵢ) is of the size of the
/// other pᵢ (here e^(−30104)); the old O(n) form dⱼ − Σᵢ pᵢdᵢ cancelled down to it and the reference
/// gave up at 16384 bits (found by `crosscheck check --external "crosscheck eval --reference"
/// --seed 68`, kept in Fixtures/regressions/accuracy.jsonl).
@Suite struct LongRowMSEGradientTests {
    let reference = ReferenceImplementation()

    @Test("tied maxima with equal targets: signs from the algebra, no precision blow-up", arguments: [FloatFormat.float16, .float32, .float64])
    func tiedMaxima(format: FloatFormat) throws {
        let n = 600
        let maxima = Set([3, 17, 250, 599])
        let top = format == .float16 ? 15000.0 : 100.0
        let logits = (0..<n).map { maxima.contains($0) ? top : top - 30104 }
        let targets = [Double](repeating: format.rounded(1.0 / 600), count: n)
        let problem = Problem(function: .mseSoftmaxGrad, format: format, logits: logits, target: .vector(targets))
        let g = try reference.evaluate(problem).values
        // At a maximum j: every other term is pᵢ(pⱼ − pᵢ) > 0 (equal targets), and tiny: +0.
        // Elsewhere: the maxima's terms p_max(pᵢ − p_max) < 0 dominate, times a tiny pᵢ: −0.
        for j in 0..<n {
            #expect(g[j] == 0, "output \(j): \(g[j])")
            #expect(g[j].sign == (maxima.contains(j) ? .plus : .minus), "output \(j): \(g[j])")
        }
    }

    @Test("a long row made of copies of five classes: equal classes get equal bits, the gradient sums to 0")
    func copiesOfFewClasses() throws {
        let base: [(Double, Double)] = [(2.5, 0.25), (2.5, 0.25), (-1, 0.125), (0.75, 0.0625), (2.5, 0.0625)]
        let copies = 110  // 550 classes > 512
        let logits = (0..<copies).flatMap { _ in base.map(\.0) }
        let targets = (0..<copies).flatMap { _ in base.map { $0.1 / Double(copies) } }
        let long = try reference.evaluate(Problem(function: .mseSoftmaxGrad, format: .float64, logits: logits, target: .vector(targets))).values
        // Equal classes have equal gradients, bit for bit.
        for (i, x) in long.enumerated() { #expect(x == long[i % base.count], "output \(i)") }
        // Σⱼ ∂MSE/∂zⱼ = 0 (softmax is shift-invariant): the correctly rounded parts nearly cancel.
        let total = long.reduce(0, +)
        #expect(abs(total) < 1e-12, "sum \(total)")
    }
}
