import ArbitraryPrecision
import CrossCheckCore
@testable import CrossCheckReference
import Testing

/// The exact rational-function evaluation behind the reference's exact decision
/// (`ExactExponentialArithmetic`, `ExactSplit`, Docs/THEORY.md §11), on results known in closed form.
@Suite struct ExactDecisionTests {
    func split(_ problem: Problem, output: Int) throws -> ExactSplit? {
        let formula = RowFormula(row: PreparedRow(problem, dominant: nil))
        let arithmetic = try #require(ExactExponentialArithmetic(exponents: formula.exponents))
        guard let f = try? formula.enclose(arithmetic, [output]) else { return nil }
        return ExactSplit(f[0], arithmetic)
    }

    /// Monomials with the same exponent merge (y₀² and y₁ when δ₁ = 2δ₀), and cancel when their
    /// coefficients do.
    @Test func equalExponentsMerge() {
        let δ = [MPRational(integer: -1), MPRational(integer: -2)]
        let y0 = ExponentialPolynomial(variable: 0), y1 = ExponentialPolynomial(variable: 1)
        let sum = (y0 * y0 + y1.scaled(by: MPRational(integer: 3))).exponentialSum(exponents: δ)
        #expect(sum.count == 1 && sum[0].exponent == MPRational(integer: -2) && sum[0].coefficient == MPRational(integer: 4))
        #expect((y0 * y0 - y1).exponentialSum(exponents: δ).isEmpty)
    }

    /// mse_softmax_grad of [0, −1e5] with targets [1.5, 0.5]: exactly (−4ε²(1 − ε), 4ε²(1 − ε)) with
    /// ε = p₁: limit 0, and the sign of the ε² term — e^(−2e5), far below MPFR's range — proven.
    @Test func signOfASecondOrderTermFarBelowMPFRsRange() throws {
        let problem = Problem(function: .mseSoftmaxGrad, format: .float64, logits: [0, -1e5], target: .vector([1.5, 0.5]))
        for (output, sign) in [(0, -1), (1, 1)] {
            let s = try #require(try split(problem, output: output))
            #expect(s.limit.isZero)
            let (proven, enclosure) = try #require(ExponentRange.widest { s.perturbation(precision: 128) })
            #expect(proven == sign)
            let (lo, hi) = IntervalArithmetic(precision: 128).interval(enclosure)
            #expect(sign > 0 ? lo.signum >= 0 : hi.signum <= 0)
        }
    }

    /// f = q exactly when the perturbation cancels: the cross-entropy gradient with Σt = 0 is −tᵢ/T,
    /// exactly 0 at t₂ = 0 whatever ε = e^(−1e5). Softmax of a tie beside ε is 1/(2 + ε): limit ½,
    /// from below.
    @Test func exactWhenThePerturbationCancels() throws {
        let problem = Problem(function: .crossEntropyGrad, format: .float64, logits: [0, 0, -1e5], target: .vector([1, -1, 0]))
        let s = try #require(try split(problem, output: 2))
        let (sign, _) = try #require(s.perturbation(precision: 64))
        #expect(sign == 0 && s.limit.isZero)
        let tie = Problem(function: .softmax, format: .float64, logits: [0, 0, -1e5])
        let p = try #require(try split(tie, output: 0))
        #expect(p.limit == MPRational(integer: 1) / MPRational(integer: 2))
        #expect(ExponentRange.widest { p.perturbation(precision: 64) }?.sign == -1)
    }

    /// Logarithms of anything but 1 are not rational functions: LSE is left to limit mode.
    @Test func logarithmsAreDeclined() throws {
        let problem = Problem(function: .logsumexp, format: .float64, logits: [0, -1e5])
        #expect(try split(problem, output: 0) == nil)
    }
}
