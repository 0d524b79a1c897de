import CrossCheckCLI
import CrossCheckCore
import CrossCheckProperties
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
        let runner = CheckRunner(seed: seed, examples: 40, generator: ProblemGenerator(maxClasses: 1500))
        for outcome in runner.run(Catalog.all, on: ReferenceImplementation()) {
            #expect(outcome.passed, "\(outcome.summaryLine)")
        }
    }

    @Test(arguments: FlawedImplementation.Flaw.allCases)
    func everyFlawedImplementationFails(_ flaw: FlawedImplementation.Flaw) {
        // The default budget of `crosscheck check` (100 examples per property), default seed stream.
        let runner = CheckRunner(seed: 2026, examples: 100, saveCounterexamples: false)
        let outcomes = runner.run(Catalog.all, on: FlawedImplementation(flaw), stopAtFirstFailure: true)
        let failure = outcomes.first { !$0.passed }
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
        let runner = CheckRunner(seed: seed, examples: 60, generator: ProblemGenerator(maxClasses: 4096),
                                 regressions: Self.regressions, saveCounterexamples: false)
        for outcome in runner.run(Catalog.all, on: FastPathImplementation()) {
            #expect(outcome.passed, "\(outcome.summaryLine)")
        }
    }

    /// Every Float16 input of the elementwise functions (t = 0 and 1) and of two-class rows [0, x].
    @Test func fastPathsAreExhaustivelyAccurateInFloat16() {
        let fast = FastPathImplementation()
        for result in ExhaustiveFloat16.run(fast) {
            #expect(result.checked >= 65_536)
            #expect(result.wrongNonFinite == 0, "\(result.line)")
            #expect(result.worstULP <= 1, "\(result.line)")
        }
    }

    @Test func exhaustiveSweepFindsAFlaw() {
        let results = ExhaustiveFloat16.run(FlawedImplementation(.naiveBCE), only: ["bce_with_logits t=0"])
        #expect(results.count == 1 && results[0].worstULP > 1 && results[0].worstInput != nil)
    }
}
