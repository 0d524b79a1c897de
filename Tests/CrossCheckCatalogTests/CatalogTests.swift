import CrossCheckCatalog
import CrossCheckCore
import CrossCheckKernels
import CrossCheckProperties
import CrossCheckProtocol
import CrossCheckReference
import Foundation
import Testing

/// The suite proves itself: the correct reference passes every property, every deliberately
/// flawed implementation fails within the default budget.
@Suite struct CatalogTests {
    @Test func everyPropertyIsNamedAndDocumented() {
        #expect(Catalog.all.count == 11)
        #expect(Set(Catalog.all.map(\.name)).count == Catalog.all.count)
        for p in Catalog.all { #expect(p.summary.count > 40, "\(p.name)") }
    }

    @Test(arguments: [UInt64(11), 12, 13])
    func referencePassesEveryProperty(_ seed: UInt64) {
        let runner = CheckRunner(reference: ReferenceImplementation(), seed: seed, examples: 40, generator: ProblemGenerator(maxClasses: 1500))
        for outcome in runner.run(Catalog.all, on: ReferenceImplementation()) {
            #expect(outcome.passed, "\(outcome.summaryLine)")
        }
    }

    /// False alarms of seeds 21, 23, 24 (the reference checked through `--external`): z − h crossed
    /// into a coarser binade, so the central difference divided by 2h a step it had not taken.
    @Test(arguments: [
        #"{"function":"cross_entropy_grad","format":"float64","logits":["-0.9999999999999999","0.0"],"temperature":"0.00048828125","target":0}"#,
        #"{"function":"cross_entropy_grad","format":"float64","logits":["0.9999847412109375","0.9999999999999999"],"temperature":"0.00048828125","target":1}"#,
        #"{"function":"cross_entropy_grad","format":"float64","logits":["0.9999999999999999","0.0"],"temperature":"0.001953125","target":1}"#,
        // Seed 30: T the least normal Double, T·T underflowed and the tolerance was NaN.
        #"{"function":"cross_entropy_grad","format":"float64","logits":["0.0"],"temperature":"2.2250738585072014e-308","target":0}"#,
    ])
    func referenceDerivativeOnLogitsBesideABinade(_ line: String) throws {
        let problem = try ProtocolCodec.decodeRequest(line)
        let context = PropertyContext(implementation: ReferenceImplementation(), reference: ReferenceImplementation())
        let (holds, why) = Catalog.gradientIdentities.holds(problem, context)
        #expect(holds, "\(why ?? "")")
    }

    @Test(arguments: FlawedImplementation.Flaw.allCases)
    func everyFlawedImplementationFails(_ flaw: FlawedImplementation.Flaw) {
        // The default budget of `crosscheck check` (one example per cell, then 100 at random).
        var runner = CheckRunner(reference: ReferenceImplementation(), seed: 2026, saveCounterexamples: false)
        runner.shrinker = Shrinker(budget: 60)
        let outcomes = runner.run(Catalog.all, on: FlawedImplementation(flaw), stopAtFirstFailure: true)
        let failure = outcomes.first(where: \.failed)
        #expect(failure != nil, "\(flaw.rawValue) passed the whole catalog")
        if let failure {
            #expect(failure.counterexample != nil)
            // The counterexample is a valid protocol request line that still fails.
            let line = ProtocolCodec.encodeRequest(failure.counterexample!)
            #expect((try? ProtocolCodec.decodeRequest(line)) != nil)
        }
    }
}

/// `swift test` runs the catalog on the project's own fast paths, with a CI-sized budget, replaying
/// the stored counterexamples under Fixtures/regressions first.
@Suite struct FastPathCatalogTests {
    static let regressions = RegressionStore(directory: URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/regressions"))

    @Test(arguments: [UInt64(2026), 2027])
    func fastPathsPassEveryProperty(_ seed: UInt64) {
        let runner = CheckRunner(reference: ReferenceImplementation(), seed: seed, examples: 60, generator: ProblemGenerator(maxClasses: 4096),
                                 regressions: Self.regressions, saveCounterexamples: false)
        for outcome in runner.run(Catalog.all, on: FastPathImplementation()) {
            // No exclusion: binary64 results that cancel far below their terms (targets close to
            // the prediction) are computed again in Extended192 (README, "Cancelling binary64
            // results").
            #expect(outcome.passed, "\(outcome.summaryLine)")
        }
    }

    /// Every Float16 input of the elementwise functions (t = 0, ½ and 1) and of two-class rows [0, x].
    @Test func fastPathsAreExhaustivelyAccurateInFloat16() {
        let fast = FastPathImplementation()
        for result in ExhaustiveSweep.run(fast, reference: ReferenceImplementation()) {
            #expect(result.checked >= 65_536)
            #expect(result.wrongNonFinite == 0, "\(result.line)")
            #expect(result.worstULP <= 1, "\(result.line)")
        }
    }

    @Test func exhaustiveSweepFindsAFlaw() {
        let results = ExhaustiveSweep.run(FlawedImplementation(.naiveBCE), reference: ReferenceImplementation(),
                                          sweeps: [.init(function: .bceWithLogits, inputClass: "t=0")])
        #expect(results.count == 1 && results[0].worstULP > 1 && results[0].worstInput != nil)
    }

    @Test func aStoredCounterexampleIsReplayedFirst() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-regressions-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = RegressionStore(directory: dir)
        try store.save(Problem(function: .crossEntropyGrad, format: .float16, logits: [0, 1], target: .classIndex(0)), for: "accuracy")
        // A flawed implementation fails the replayed problem before any generated one.
        let runner = CheckRunner(reference: ReferenceImplementation(), seed: 1, examples: 0, regressions: store, saveCounterexamples: false)
        let outcome = runner.run(Catalog.accuracy, on: FlawedImplementation(.mseGradientForCrossEntropy))
        #expect(!outcome.passed)
        #expect(outcome.replayed == 1 && outcome.examples == 0)
    }
}
