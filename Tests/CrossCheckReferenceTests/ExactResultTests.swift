import CrossCheckCore
import CrossCheckReference
import Testing

/// Results that are rational — which Ziv's loop alone could never round — are detected and exact.
@Suite struct ExactResultTests {
    let reference = ReferenceImplementation()

    func values(_ f: SoftmaxFunction, _ z: [Double], format: FloatFormat = .float64, t: Double = 1, target: Target? = nil) throws -> [Double] {
        try reference.evaluate(Problem(function: f, format: format, logits: z, temperature: t, target: target)).values
    }

    @Test(arguments: FloatFormat.allCases)
    func softmaxOfEqualLogits(_ format: FloatFormat) throws {
        for k in 0...6 {
            let n = 1 << k
            #expect(try values(.softmax, Array(repeating: 3, count: n), format: format).allSatisfy { $0 == 1 / Double(n) })
        }
        #expect(try values(.softmax, [7, 7, 7], format: format) == Array(repeating: format.rounded(1.0 / 3), count: 3))
        if format.hasInfinities {  // float8_e4m3fn has no −inf to mask with
            #expect(try values(.softmax, [-.infinity, 7, 7], format: format) == [0, 0.5, 0.5])
        }
    }

    @Test func zeroLossesAndGradients() throws {
        #expect(try values(.crossEntropy, [12.5], target: .classIndex(0)) == [0])
        #expect(try values(.logSoftmax, [12.5, -.infinity]) == [0, -.infinity])
        #expect(try values(.logsumexp, [12.5, -.infinity], t: 0.5) == [25])
        #expect(try values(.crossEntropyGrad, [1, 1], target: .vector([0.5, 0.5])) == [0, 0])
        #expect(try values(.crossEntropyGrad, [1, 1, 1, 1], t: 3, target: .classIndex(1)) == [1.0 / 12, -3.0 / 12, 1.0 / 12, 1.0 / 12])
        #expect(try values(.mseSoftmax, [2, 2], target: .vector([0.5, 0.5])) == [0])
        #expect(try values(.mseSoftmaxGrad, [2, 2], target: .vector([0.5, 0.5])) == [0, 0])
        #expect(try values(.mseSigmoidGrad, [0], target: .vector([0.5])) == [0])
        #expect(try values(.bceWithLogitsGrad, [0, 0], target: .vector([0.5, 0])) == [0, 0.5])
        // Σt = 0 leaves only the rational part: −Σ tᵢ·zᵢ/T.
        #expect(try values(.crossEntropy, [3, 1], target: .vector([1, -1])) == [-2])
    }
}
