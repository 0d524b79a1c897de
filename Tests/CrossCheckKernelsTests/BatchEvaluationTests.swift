import CrossCheckCore
@testable import CrossCheckKernels
import Testing

/// `FastPathImplementation.evaluate(batch:)` runs rows of one shape as one batch-kernel call: its
/// answers are those of `evaluate` one problem at a time, and a problem it cannot batch, or an
/// invalid one, still gets its own answer or error.
@Suite struct BatchEvaluationTests {
    let fast = FastPathImplementation()

    func oneByOne(_ problems: [Problem]) -> [[Double]?] {
        problems.map { try? fast.evaluate($0).values }
    }

    func batched(_ problems: [Problem]) -> [[Double]?] {
        fast.evaluate(batch: problems).map { try? $0.get().values }
    }

    static func same(_ a: [[Double]?], _ b: [[Double]?]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x?.map(\.bitPattern) == y?.map(\.bitPattern)
        }
    }

    @Test(arguments: [FloatFormat.float16, .bfloat16, .float32, .float64])
    func twoClassRowsAsOneBatch(_ format: FloatFormat) {
        var rng = SplitMix64(seed: 13)
        let xs = (0..<300).map { _ in format.value(bitPattern: rng.next() >> UInt64(64 - format.bitWidth)) } + [0, -0.0, .infinity, -.infinity, .nan]
        for (function, target) in [(SoftmaxFunction.softmax, Target?.none), (.logSoftmax, nil), (.logsumexp, nil), (.crossEntropy, .classIndex(1))] {
            let problems = xs.map { Problem(function: function, format: format, logits: [0, $0], target: target) }
            #expect(FastPathImplementation.shareOneShape(problems))
            #expect(Self.same(batched(problems), oneByOne(problems)), "\(function.name) \(format.rawValue)")
        }
    }

    @Test func longerRowsAndClassIndicesAsOneBatch() {
        let problems = (0..<8).map { r in
            Problem(function: .crossEntropyGrad, format: .float32, logits: (0..<5).map { Double($0 * r) / 4 }, temperature: 0.5, target: .classIndex(r % 5))
        }
        #expect(FastPathImplementation.shareOneShape(problems))
        #expect(Self.same(batched(problems), oneByOne(problems)))
    }

    /// Different shapes, soft targets, mixed precision and invalid problems are answered one by one.
    @Test func otherBatchesOneByOne() {
        let mixedLength = [Problem(function: .softmax, format: .float32, logits: [0, 1]), Problem(function: .softmax, format: .float32, logits: [0, 1, 2])]
        let soft = [Problem(function: .crossEntropy, format: .float32, logits: [0, 1], target: .vector([0.25, 0.75])),
                    Problem(function: .crossEntropy, format: .float32, logits: [1, 0], target: .vector([0.5, 0.5]))]
        let mixed = [Problem(function: .softmax, format: .bfloat16, outputFormat: .float32, logits: [0, 1]),
                     Problem(function: .softmax, format: .bfloat16, outputFormat: .float32, logits: [0, 2])]
        for problems in [mixedLength, soft, mixed] {
            #expect(!FastPathImplementation.shareOneShape(problems))
            #expect(Self.same(batched(problems), oneByOne(problems)))
        }
        // 0.1 is not a Float16 value: that problem alone fails, the others are answered.
        let invalid = [Problem(function: .softmax, format: .float16, logits: [0, 1]), Problem(function: .softmax, format: .float16, logits: [0, 0.1]),
                       Problem(function: .softmax, format: .float16, logits: [0, 2])]
        let results = fast.evaluate(batch: invalid)
        #expect((try? results[0].get()) != nil && (try? results[1].get()) == nil && (try? results[2].get()) != nil)
        #expect(fast.evaluate(batch: []).isEmpty)
    }
}
