import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference
import Testing

/// Checks of mixed-precision pairs and of the formats without IEEE kernels.
@Suite struct MixedPrecisionCheckTests {
    /// Answers a mixed problem correctly rounded to its *input* format (what a kernel does that
    /// computes a bfloat16 loss and only then widens it to float32).
    struct RoundsToInputFormat: SoftmaxImplementation {
        let name = "rounds-to-input-format"
        func evaluate(_ problem: Problem) throws -> Answer {
            var narrow = problem
            narrow.outputFormat = problem.format
            return try ReferenceImplementation().evaluate(narrow)
        }
        var supportedFormats: [FloatFormat] { [] }
        var mixedPrecisionPairs: [FormatPair] { [FormatPair(.bfloat16, .float32)] }
    }

    @Test func aMixedPairIsComparedInTheOutputFormat() {
        let outcomes = Catalog.check(RoundsToInputFormat(), properties: [Catalog.accuracy], functions: [.logSoftmax, .crossEntropy], examples: 20)
        #expect(outcomes.count == 1 && !outcomes[0].passed)
        #expect(outcomes[0].counterexample?.outputFormat == .float32)
        #expect(outcomes[0].counterexample?.format == .bfloat16)
    }

    @Test func theReferencePassesItsPairsAndTheNewFormats() {
        let reference = ReferenceImplementation()
        let outcomes = Catalog.check(reference, functions: [.softmax, .logSoftmax, .crossEntropy, .sigmoid],
                                     formats: [.bfloat16, .float8E4M3FN, .float8E5M2], seed: 7, examples: 30)
        for outcome in outcomes { #expect(outcome.passed, "\(outcome.property): \(outcome.message ?? "")") }
    }

    @Test func metamorphicPropertiesRunOnSingleFormatsOnly() {
        let outcomes = Catalog.check(RoundsToInputFormat(), properties: [Catalog.all.first { $0.name == "softmax-distribution" }!], examples: 10)
        #expect(outcomes.count == 1 && outcomes[0].examples == 0)
    }

    /// The exhaustive sweep is generic over the encoding: every float8 value (one block of 256),
    /// every bfloat16 value (256 blocks), and it finds the naive BCE's cancellation there too.
    @Test func exhaustiveSweepsCoverTheNewFormats() {
        #expect(ExhaustiveSweep.blockCount(.float8E4M3FN) == 1 && ExhaustiveSweep.blockCount(.bfloat16) == 256)
        let e5m2 = Set(ExhaustiveSweep.values(.float8E5M2, block: 0).filter { !$0.isNaN })
        #expect(e5m2.count == 256 - 6 - 1)  // 6 NaN patterns; ±0 are one Double value apart only by sign
        let bce = ExhaustiveSweep.Sweep(function: .bceWithLogits, inputClass: "t=0")
        let naive = ExhaustiveSweep.run(FlawedImplementation(.naiveBCE), reference: ReferenceImplementation(), format: .bfloat16, sweeps: [bce])[0]
        #expect(naive.checked == 65_536 && naive.worstULP > 1)
        let sound = ExhaustiveSweep.run(ReferenceImplementation(), reference: ReferenceImplementation(), format: .float8E4M3FN)
        for result in sound { #expect(result.worstULP == 0 && result.wrongNonFinite == 0, "\(result.line)") }
    }
}
