import CrossCheckCore
@testable import CrossCheckReference
import Testing

/// Two-class rows [0, x] and [x, 0] at T = 1, decided through the elementwise first evaluation
/// (σ and softplus at ±x), must give bit for bit what the MPFR row path gives: random bit
/// patterns, inputs next to rounding midpoints, subnormal results, ±0, the overflow region,
/// NaN and ±inf — in Float16, bfloat16 and Float.
@Suite struct TwoClassFirstEvaluationTests {
    /// The functions of the rows, with the targets they take.
    static let cases: [(function: SoftmaxFunction, target: Target?)] = [
        (.softmax, nil), (.logSoftmax, nil), (.logsumexp, nil),
        (.crossEntropy, .classIndex(1)), (.crossEntropy, .classIndex(0)), (.crossEntropy, .vector([0, 1])),
    ]

    /// Inputs where the results underflow, vanish beside 1, or reach the largest value: e^x
    /// around the least subnormal and the least normal (σ and softplus of ±x there), |x| where
    /// log1p(e^{−|x|}) drops below half an ulp of |x|, the largest values; subnormal x, ±0,
    /// NaN and ±inf.
    static func edges(_ format: FloatFormat) -> [Double] {
        let tiny = format.leastNonzeroMagnitude, normal = format.leastNormalMagnitude
        var x: [Double] = [0, -0.0, tiny, -tiny, 3 * tiny, normal, -normal, format.nextDown(normal),
                           format.greatestFiniteMagnitude, -format.greatestFiniteMagnitude, .infinity, -.infinity, .nan]
        let precision = Double(format.precision)
        for center in [Double(format.leastNonzeroMagnitude.exponent), Double(format.leastNormalMagnitude.exponent), -precision] {
            let y = center * 0.6931471805599453
            for k in -40...40 { x += [format.rounded(y + Double(k) / 16), -format.rounded(y + Double(k) / 16)] }
        }
        return x
    }

    /// Compares the answers with and without the first evaluations on every row (results rounded
    /// to `output`, the input format unless mixed); returns the number of finite x for which the
    /// two-class path left an output undecided.
    func compare(_ xs: [Double], _ format: FloatFormat, output: FloatFormat? = nil) throws -> (undecided: Int, finite: Int) {
        let quick = ReferenceImplementation(), slow = ReferenceImplementation(usesFirstEvaluation: false)
        var undecided = 0, finite = 0
        for (function, target) in Self.cases {
            for x in xs {
                for logits in [[0, x], [x, 0]] {
                    // A target [0, 1] is one-hot at class 1, the x of [0, x] and the zero of [x, 0].
                    let p = Problem(function: function, format: format, outputFormat: output, logits: logits, target: target)
                    let a = try quick.evaluate(p).values, b = try slow.evaluate(p).values
                    for i in a.indices where !(a[i].bitPattern == b[i].bitPattern || (a[i].isNaN && b[i].isNaN)) {
                        Issue.record("\(function.name) \(target.map { "\($0)" } ?? "") \(logits) (\(format.rawValue)): first evaluation \(a[i]), MPFR \(b[i])")
                    }
                    if x.isFinite {
                        finite += 1
                        if TwoClassFirstEvaluation.answer(p) == nil { undecided += 1 }
                    }
                }
            }
        }
        return (undecided, finite)
    }

    static let formats: [FloatFormat] = [.float16, .bfloat16, .float32]

    @Test(arguments: formats)
    func randomBitPatternsAgreeWithTheRowPath(_ format: FloatFormat) throws {
        let (undecided, finite) = try compare(ElementwiseFirstEvaluationTests.randomBitPatterns(format, count: 400), format)
        #expect(undecided * 100 <= finite, "the elementwise first evaluation should decide almost every row: \(undecided) of \(finite) left")
    }

    @Test(arguments: formats)
    func edgeInputsAgreeWithTheRowPath(_ format: FloatFormat) throws {
        _ = try compare(Self.edges(format), format)
    }

    /// x = (4k + 2)·2⁻ᵖ puts σ(±x) next to midpoints near ½; some are left to the row path in Float.
    @Test(arguments: formats)
    func inputsNearMidpointsAgreeWithTheRowPath(_ format: FloatFormat) throws {
        _ = try compare(Array(ElementwiseFirstEvaluationTests.nearMidpoints(format).prefix(400)), format)
    }

    /// Mixed precision: bfloat16 or Float16 logits with float32 results, float32 logits with
    /// bfloat16 results (the output format's rounding is the only one).
    @Test(arguments: [(FloatFormat.bfloat16, FloatFormat.float32), (.float16, .float32), (.float32, .bfloat16)])
    func mixedPrecisionRowsAgreeWithTheRowPath(_ pair: (FloatFormat, FloatFormat)) throws {
        let xs = ElementwiseFirstEvaluationTests.randomBitPatterns(pair.0, count: 200) + Self.edges(pair.0)
        let (undecided, finite) = try compare(xs, pair.0, output: pair.1)
        #expect(undecided * 100 <= finite)
    }

    /// Only rows with one logit exactly zero, T = 1 and a target that is one class take the path.
    @Test func otherRowsAreLeftToTheRowPath() {
        let format = FloatFormat.float32
        #expect(TwoClassFirstEvaluation.answer(Problem(function: .softmax, format: format, logits: [0, 1.5])) != nil)
        #expect(TwoClassFirstEvaluation.answer(Problem(function: .softmax, format: format, logits: [-0.0, 1.5])) != nil)
        #expect(TwoClassFirstEvaluation.answer(Problem(function: .softmax, format: format, logits: [1, 1.5])) == nil)
        #expect(TwoClassFirstEvaluation.answer(Problem(function: .softmax, format: format, logits: [0, 1.5], temperature: 2)) == nil)
        #expect(TwoClassFirstEvaluation.answer(Problem(function: .softmax, format: format, logits: [0, 1, 2])) == nil)
        #expect(TwoClassFirstEvaluation.answer(Problem(function: .softmax, format: .float64, logits: [0, 1.5])) == nil)
        #expect(TwoClassFirstEvaluation.answer(Problem(function: .crossEntropy, format: format, logits: [0, 1.5], target: .vector([0.5, 0.5]))) == nil)
        #expect(TwoClassFirstEvaluation.answer(Problem(function: .crossEntropyGrad, format: format, logits: [0, 1.5], target: .classIndex(1))) == nil)
    }

    /// The identities on one value: softmax([0, 2]) = [σ(−2), σ(2)], CE([0, 2], 1) = log1p(e⁻²).
    @Test func identitiesOnOneRow() throws {
        let p = try ReferenceImplementation().evaluate(Problem(function: .softmax, format: .float32, logits: [0, 2])).values
        #expect(p == [Double(Float(0.11920292202211756)), Double(Float(0.8807970779778824))])
        let ce = try ReferenceImplementation().evaluate(Problem(function: .crossEntropy, format: .float32, logits: [0, 2], target: .classIndex(1))).values
        #expect(ce == [Double(Float(0.1269280110429725))])
    }
}
