import CrossCheckCore
import CrossCheckProtocol
import CrossCheckProperties
import CrossCheckReference
import Testing

/// The binary64 first evaluation may only ever give the answer MPFR gives.
@Suite struct FirstEvaluationTests {
    @Test(arguments: [FloatFormat.float16, .float32])
    func agreesWithMPFRBitForBit(_ format: FloatFormat) throws {
        let quick = ReferenceImplementation(), slow = ReferenceImplementation(usesFirstEvaluation: false)
        let generator = ProblemGenerator(maxClasses: 300)
        var rng = SplitMix64(seed: 99)
        var outputs = 0
        for k in 0..<600 {
            let f = [SoftmaxFunction.softmax, .logSoftmax, .logsumexp][k % 3]
            let p = generator.problem(f, format, &rng)
            let a = try quick.evaluate(p).values, b = try slow.evaluate(p).values
            outputs += a.count
            #expect(zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) },
                    "\(ProtocolCodec.encodeRequest(p))")
        }
        #expect(outputs > 1000)
    }
}
