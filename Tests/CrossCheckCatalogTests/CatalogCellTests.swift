import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference
import Testing

/// What `check` runs is what the catalog declares: each property keeps its row kinds and target
/// shapes through the catalog's wrappers, and the problem its generator draws for a scheduled
/// cell is a problem of that cell — so coverage counts the cells problems really come from.
@Suite struct CatalogCellTests {
    /// The properties as defined, before `Catalog.all` wraps them, in the catalog's order.
    static let declared: [Property] = [
        Catalog.accuracy, Catalog.limits, Catalog.softmaxDistribution, Catalog.logSoftmaxAndLSE, Catalog.lossIdentities,
        Catalog.gradientIdentities, Catalog.mseVanishingGradient, Catalog.temperature, Catalog.softmaxBeforeCrossEntropy,
        Catalog.blanchardHighamHighamBounds, Catalog.maximumLikelihood,
    ]

    @Test func everyPropertyKeepsItsDeclaredKindsAndShapes() {
        #expect(Catalog.all.map(\.name) == Self.declared.map(\.name))
        for (run, defined) in zip(Catalog.all, Self.declared) {
            #expect(run.rowKinds == defined.rowKinds, "\(run.name)")
            #expect(run.targetShapes == defined.targetShapes, "\(run.name)")
            #expect(run.functions == defined.functions, "\(run.name)")
            #expect(run.coversMixedPrecision == defined.coversMixedPrecision, "\(run.name)")
            #expect(run.cells(functions: SoftmaxFunction.allCases, formats: FloatFormat.ieeeFormats)
                    == defined.cells(functions: SoftmaxFunction.allCases, formats: FloatFormat.ieeeFormats), "\(run.name)")
        }
        // The kinds properties exclude on purpose stay excluded.
        #expect(!Catalog.named("bhh-error-bounds")!.rowKinds.contains(.extremeTemperature))
        #expect(Catalog.named("softmax-before-ce")!.cells(functions: SoftmaxFunction.allCases, formats: FloatFormat.ieeeFormats).count == 3)
    }

    /// Every problem the default run schedules — one per cell, then the random rest of the budget
    /// — is of its cell's row kind and target shape, for every property, on two seeds. A property
    /// whose generator ignores the focused generator's kind or shape fails here.
    @Test(arguments: [UInt64(1), 2])
    func everyScheduledProblemIsOfItsCell(_ seed: UInt64) throws {
        let runner = CheckRunner(reference: ReferenceImplementation(), seed: seed)
        for property in Catalog.all {
            var drawn = Coverage(cells: property.cells(functions: property.functions, formats: runner.formats))
            for (cell, problem) in runner.visits(property) {
                try problem.validate()
                if let why = cell.mismatch(problem) {
                    Issue.record("\(property.name) [\(cell)]: \(why)")
                } else {
                    drawn.record(cell)
                }
            }
            // Counted from what was drawn: every declared cell has a problem of its own.
            #expect(drawn.missed.isEmpty, "\(property.name) never draws \(drawn.missed.prefix(5))")
        }
    }

    /// The membership test itself tells a wrong draw from a right one: a normal row is not a
    /// masked one, a masked row not a fully masked one, a soft target not a class index.
    @Test func aProblemOfAnotherCellIsRejected() {
        let g = ProblemGenerator(maxClasses: 64)
        let cells: [(CoverageCell, CoverageCell)] = [
            (CoverageCell(function: .softmax, format: .float32, rowKind: .normal, targetShape: .none),
             CoverageCell(function: .softmax, format: .float32, rowKind: .masked, targetShape: .none)),
            (CoverageCell(function: .crossEntropy, format: .float16, rowKind: .masked, targetShape: .classIndex),
             CoverageCell(function: .crossEntropy, format: .float16, rowKind: .fullyMasked, targetShape: .classIndex)),
            (CoverageCell(function: .softmax, format: .float64, rowKind: .spread, targetShape: .none),
             CoverageCell(function: .softmax, format: .float64, rowKind: .subnormal, targetShape: .none)),
            (CoverageCell(function: .crossEntropy, format: .float64, rowKind: .normal, targetShape: .normalized),
             CoverageCell(function: .crossEntropy, format: .float64, rowKind: .normal, targetShape: .classIndex)),
            (CoverageCell(function: .bceWithLogits, format: .float32, rowKind: .normal, targetShape: .zeroOne),
             CoverageCell(function: .bceWithLogits, format: .float32, rowKind: .normal, targetShape: .fraction)),
        ]
        for (drawnCell, otherCell) in cells {
            for k in 0..<20 {
                var rng = SplitMix64(seed: 9).fork(k)
                let p = g.problem(drawnCell, &rng)
                #expect(drawnCell.mismatch(p) == nil, "\(drawnCell): \(drawnCell.mismatch(p) ?? "")")
                #expect(otherCell.mismatch(p) != nil, "\(drawnCell) passed as \(otherCell)")
            }
        }
    }
}
