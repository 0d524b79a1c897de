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
