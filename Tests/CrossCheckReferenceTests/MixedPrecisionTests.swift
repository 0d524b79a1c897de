import CrossCheckCore
import CrossCheckProtocol
import CrossCheckReference
import Foundation
import Testing

/// bfloat16, FP8 and mixed-precision requests (inputs in `format`, results in `output_format`)
/// with answers computed by Fixtures/formats/generate_mixed.py — mpmath at 1700 bits, exact
/// rationals and an integer rounding routine checked against ml_dtypes' casts, no MPFR. The
/// reference must reproduce every answer bit for bit, with and without its binary64 first
/// evaluation: subnormal and zero outputs, overflow to ±inf (NaN in float8_e4m3fn, past the tie
/// 464), exact ties, and the limits of ±inf and NaN inputs.
@Suite struct MixedPrecisionTests {
    static let fixture = packageRoot.appendingPathComponent("Fixtures/formats/mixed_precision.jsonl")

    @Test(arguments: [true, false])
    func referenceReproducesIndependentAnswers(usesFirstEvaluation: Bool) throws {
        let reference = ReferenceImplementation(usesFirstEvaluation: usesFirstEvaluation)
        let pairs = try storedAnswers(Self.fixture)
        for (number, problem, expected) in pairs {
            let got = try reference.evaluate(problem)
            #expect(sameBits(got.values, expected.values, nanMatchesNaN: true),
                    "mixed_precision.jsonl:\(number): \(ProtocolCodec.encodeRequest(problem)) gave \(ProtocolCodec.encode(got, format: problem.outputFormat)), expected \(ProtocolCodec.encode(expected, format: problem.outputFormat))")
        }
        // The fixture covers every new format as input and as output, and mixed pairs.
        #expect(pairs.count > 500)
        let outputs = Set(pairs.map(\.problem.outputFormat)), inputs = Set(pairs.map(\.problem.format))
        #expect(outputs.isSuperset(of: [.bfloat16, .float8E4M3FN, .float8E5M2, .float32]))
        #expect(inputs.isSuperset(of: [.bfloat16, .float8E4M3FN, .float8E5M2, .float32, .float16]))
        #expect(pairs.contains { $0.problem.isMixedPrecision })
    }

    /// float8_e4m3fn has no infinities: the limits +inf and −inf of the other formats are NaN there,
    /// and a result past the overflow tie 464 is NaN too, decided even when it is an interval
    /// (before, its two ends both rounded to NaN, which never compared equal: undecided).
    @Test func e4m3fnOverflowAndLimitsAreNaN() throws {
        let reference = ReferenceImplementation()
        let lse = try reference.evaluate(Problem(function: .logsumexp, format: .float32, outputFormat: .float8E4M3FN, logits: [470, 0]))
        #expect(lse.values[0].isNaN)
        let below = try reference.evaluate(Problem(function: .logsumexp, format: .float32, outputFormat: .float8E4M3FN, logits: [463, 0]))
        #expect(below.values == [448])
        let infinite = try reference.evaluate(Problem(function: .logSoftmax, format: .bfloat16, outputFormat: .float8E4M3FN, logits: [1, -.infinity]))
        #expect(infinite.values[0] == 0 && infinite.values[1].isNaN)
    }

    @Test func referenceClaimsEveryFormatAndThePairsInUse() {
        let reference = ReferenceImplementation()
        #expect(Set(reference.supportedFormats) == Set(FloatFormat.allCases))
        #expect(reference.mixedPrecisionPairs.contains(FormatPair(.bfloat16, .float32)))
        #expect(reference.mixedPrecisionPairs.allSatisfy { $0.input != $0.output })
    }
}
