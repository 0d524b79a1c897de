import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference
import Testing

/// The flaws of input classes a generator can be blind to — each one is found by the default
/// `check` on every seed from 1 to 10 (that every cell of the catalog is reached: `CatalogCellTests`).
@Suite struct InputClassFlawTests {
    /// The six flaws of issue 11, the functions they corrupt and the property expected to see
    /// them (tried first, to keep the test short; the others follow, so any one may catch it —
    /// each property of the default run is run whatever the others found).
    static let flaws: [(FlawedImplementation.Flaw, [SoftmaxFunction], String)] = [
        (.fullyMaskedRows, [.softmax, .logSoftmax, .crossEntropy, .crossEntropyGrad, .mseSoftmax, .mseSoftmaxGrad], "limits"),
        (.maskedSoftTargets, [.crossEntropy], "limits"),
        (.longRowNaiveMSE, [.mseSoftmax], "accuracy"),
        (.sigmoidSubnormalFlush, [.sigmoid], "accuracy"),
        (.confidentShortcut, [.crossEntropy], "accuracy"),
        (.logOfSoftmax, [.logSoftmax], "limits"),
    ]

    /// The stratified pass of the default run — one example per cell, each drawn from a stream
    /// forked by the cell's name, so exactly the problems the default run of every function
    /// draws for these cells — restricted to the flaw's functions. A failure here is a failure of
    /// the default `check` (which draws these problems and more).
    @Test(arguments: flaws.map(\.0.rawValue))
    func defaultCheckFindsTheFlawOnSeedsOneToTen(_ name: String) {
        let (flaw, functions, expected) = Self.flaws.first { $0.0.rawValue == name }!
        let properties = Catalog.all.filter { $0.name == expected } + Catalog.all.filter { $0.name != expected }
        for seed in UInt64(1)...10 {
            var runner = CheckRunner(reference: ReferenceImplementation(), seed: seed, functions: functions, saveCounterexamples: false)
            runner.shrinker = Shrinker(budget: 20)
            var caught: PropertyOutcome?
            for property in properties where !property.cells(functions: functions, formats: FloatFormat.allCases).isEmpty {
                runner.examples = property.cells(functions: functions, formats: FloatFormat.allCases).count
                let outcome = runner.run(property, on: FlawedImplementation(flaw))
                if outcome.failed { caught = outcome; break }
            }
            #expect(caught != nil, "\(name) passed the stratified pass on seed \(seed)")
        }
    }

    /// A cell's problem depends only on the seed, the property and the cell: the same with every
    /// function and format selected as with one.
    @Test func aCellDrawsTheSameProblemWhateverElseIsSelected() {
        let all = CheckRunner(reference: ReferenceImplementation(), seed: 3)
        let one = CheckRunner(reference: ReferenceImplementation(), seed: 3, formats: [.float32], functions: [.crossEntropy])
        let a = all.visits(Catalog.accuracy), b = one.visits(Catalog.accuracy)
        for (cell, problem) in b.prefix(40) {
            #expect(a.contains { $0.cell == cell && $0.problem == problem }, "\(cell)")
        }
    }
}
