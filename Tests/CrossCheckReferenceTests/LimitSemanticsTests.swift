import CrossCheckCore
import CrossCheckReference
import Testing

/// The limit-semantics table of the README, case by case.
@Suite struct LimitSemanticsTests {
    let reference = ReferenceImplementation()
    let inf = Double.infinity

    func values(_ f: SoftmaxFunction, _ z: [Double], format: FloatFormat = .float32, t: Double = 1, target: Target? = nil) throws -> [Double] {
        try reference.evaluate(Problem(function: f, format: format, logits: z, temperature: t, target: target)).values
    }

    func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { ($0.isNaN && $1.isNaN) || $0.bitPattern == $1.bitPattern }
    }

    @Test func anyNaNInARowGivesNaN() throws {
        for f in SoftmaxFunction.allCases where f.shape == .row {
            let target: Target? = f.takesTarget ? (f.acceptsClassIndex ? .classIndex(0) : .vector([0.5, 0.5])) : nil
            #expect(try values(f, [.nan, 1], target: target).allSatisfy(\.isNaN), "\(f)")
            if f.takesTarget {
                #expect(try values(f, [0, 1], target: .vector([.nan, 0.5])).allSatisfy(\.isNaN), "\(f) with a NaN target")
            }
        }
    }

    @Test func aNaNElementGivesNaNThereOnly() throws {
        for f in SoftmaxFunction.allCases where f.shape == .elementwise {
            let target: Target? = f.takesTarget ? .vector([0.5, 0.5]) : nil
            let v = try values(f, [.nan, 1], target: target)
            #expect(v[0].isNaN && v[1].isFinite, "\(f)")
            if f.takesTarget {
                let w = try values(f, [0, 1], target: .vector([0.5, .nan]))
                #expect(w[0].isFinite && w[1].isNaN, "\(f) with a NaN target")
            }
        }
    }

    @Test func minusInfinityIsMasked() throws {
        #expect(same(try values(.softmax, [-inf, 0, 0]), [0, 0.5, 0.5]))
        #expect(same(try values(.logSoftmax, [-inf, 0]), [-inf, 0]))
        #expect(same(try values(.logsumexp, [-inf, 0]), [0]))
        #expect(same(try values(.crossEntropy, [-inf, 0], target: .classIndex(0)), [inf]))
        #expect(same(try values(.crossEntropy, [-inf, 0], target: .classIndex(1)), [0]))
        #expect(same(try values(.crossEntropy, [-inf, 0], target: .vector([0, 1])), [0]))
        #expect(same(try values(.crossEntropy, [-inf, 0], target: .vector([0.5, 0.5])), [inf]))
        #expect(same(try values(.crossEntropyGrad, [-inf, 0], target: .classIndex(1)), [0, 0]))
        #expect(same(try values(.crossEntropyGrad, [-inf, 0], target: .classIndex(0)), [-1, 1]))
    }

    @Test func oneDominantPlusInfinity() throws {
        #expect(same(try values(.logsumexp, [inf, 0, 1]), [inf]))
        #expect(same(try values(.softmax, [inf, 0, 1]), [1, 0, 0]))
        #expect(same(try values(.logSoftmax, [inf, 0, 1]), [0, -inf, -inf]))
        #expect(same(try values(.crossEntropy, [inf, 0, 1], target: .classIndex(0)), [0]))
        #expect(same(try values(.crossEntropy, [inf, 0, 1], target: .classIndex(2)), [inf]))
        #expect(same(try values(.crossEntropyGrad, [inf, 0, 1], t: 0.5, target: .classIndex(2)), [2, 0, -2]))
        #expect(same(try values(.mseSoftmax, [inf, 0, 1], target: .classIndex(0)), [0]))
        #expect(same(try values(.mseSoftmax, [inf, 0, 1], target: .classIndex(1)), [2]))
    }

    @Test func noUniqueLimit() throws {
        #expect(same(try values(.logsumexp, [inf, inf, 0]), [inf]))
        #expect(same(try values(.logsumexp, [-inf, -inf]), [-inf]))
        for f in [SoftmaxFunction.softmax, .logSoftmax] {
            #expect(try values(f, [inf, inf, 0]).allSatisfy(\.isNaN))
            #expect(try values(f, [-inf, -inf]).allSatisfy(\.isNaN))
        }
        for f in [SoftmaxFunction.crossEntropy, .crossEntropyGrad, .mseSoftmax, .mseSoftmaxGrad] {
            #expect(try values(f, [inf, inf], target: .classIndex(0)).allSatisfy(\.isNaN))
            #expect(try values(f, [-inf, -inf], target: .classIndex(0)).allSatisfy(\.isNaN))
        }
    }

    @Test func elementwiseLimits() throws {
        #expect(same(try values(.sigmoid, [inf, -inf, 0]), [1, 0, 0.5]))
        #expect(same(try values(.bceWithLogits, [inf, inf, -inf, -inf], target: .vector([1, 0.5, 0, 0.25])), [0, inf, 0, inf]))
        #expect(same(try values(.bceWithLogitsGrad, [inf, -inf], target: .vector([0.25, 0.25])), [0.75, -0.25]))
        #expect(same(try values(.mseSigmoid, [inf, -inf], target: .vector([0.5, 0.5])), [0.25, 0.25]))
        #expect(same(try values(.mseSigmoidGrad, [inf, -inf], target: .vector([0, 1])), [0, 0]))
    }

    @Test func overflowRoundsToInfinity() throws {
        #expect(same(try values(.logsumexp, [65504, 65504], format: .float16, t: 0.5), [inf]))
        #expect(same(try values(.logsumexp, [65504, 65504], format: .float16), [65504]))
        let big = Double(Float.greatestFiniteMagnitude)
        #expect(same(try values(.crossEntropyGrad, [0, 1], format: .float32, t: 0x1p-149, target: .classIndex(0)), [-inf, inf]))
        // log_softmax of the leader is −log1p(e^(−4·big)): negative, far below the least subnormal.
        #expect(same(try values(.logSoftmax, [big, -big], format: .float32, t: 0.5), [-0.0, -inf]))
        #expect(same(try values(.bceWithLogits, [-big], format: .float32, t: 1, target: .vector([1])), [big]))
    }
}
