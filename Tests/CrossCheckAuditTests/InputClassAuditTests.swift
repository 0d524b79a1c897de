import CrossCheckAudit
import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProperties
import Foundation
import Testing

/// The default audit reaches every function × format × row kind × target shape and finds each
/// flaw of issue 11's input classes.
@Suite struct InputClassAuditTests {
    /// The flaws and the function each corrupts (the audit's cells of other functions draw the
    /// same problems whatever is selected: `drawsSameInputs`).
    static let flaws: [(FlawedImplementation.Flaw, SoftmaxFunction)] = [
        (.fullyMaskedRows, .softmax), (.maskedSoftTargets, .crossEntropy), (.longRowNaiveMSE, .mseSoftmax),
        (.sigmoidSubnormalFlush, .sigmoid), (.confidentShortcut, .crossEntropy), (.logOfSoftmax, .logSoftmax),
    ]

    /// The default audit (default seed, samples, longest row, every format and input class) of
    /// the flaw's function: the same problems as those cells of the full default audit.
    @Test(arguments: flaws.map(\.0.rawValue))
    func defaultAuditFindsTheFlaw(_ name: String) throws {
        let (flaw, function) = Self.flaws.first { $0.0.rawValue == name }!
        let plan = try AuditPlan(AuditParameters(functions: [function]))
        #expect(plan.parameters.drawsSameInputs(as: AuditParameters()))
        let report = AuditRunner(plan: plan, implementation: FlawedImplementation(flaw), threads: 2).run()
        let failing = report.cells.filter { !$0.passed }.map(\.cell.description)
        #expect(!failing.isEmpty, "\(name) passed the default audit of \(function.name)")
    }

    @Test func theDefaultAuditHitsEveryCellAndReportsIt() throws {
        let plan = try AuditPlan(AuditParameters())
        let coverage = plan.coverage
        #expect(coverage.missed.isEmpty, "\(coverage.missed.prefix(5))")
        // The samples counted for a row kind and target shape are of them: the first sample of
        // each shape of every cell, drawn as the audit draws it. (An elementwise function's cells
        // of row-structure kinds are audited but are no coverage cell.)
        for (i, cell) in plan.cells.enumerated() {
            let kind = try #require(RowKind(rawValue: cell.inputClass))
            guard kind.applies(to: cell.function) else {
                #expect(!coverage.cells.contains { $0.function == cell.function && $0.rowKind == kind }, "\(cell) is not a coverage cell")
                continue
            }
            for k in 0..<min(plan.totals[i], TargetShape.applicable(to: cell.function, on: kind).count) {
                let shape = AuditPlan.targetShape(cell.function, kind, sample: k)
                let covered = CoverageCell(function: cell.function, format: cell.format, rowKind: kind, targetShape: shape)
                let problem = plan.problem(cell, k)
                #expect(covered.mismatch(problem) == nil, "\(cell) #\(k): \(covered.mismatch(problem) ?? "")")
            }
        }
        // Every kind and shape the check's vocabulary has appears in the audit's cells.
        #expect(Set(coverage.cells.map(\.rowKind)) == Set(RowKind.allCases))
        #expect(Set(coverage.cells.map(\.targetShape)) == Set(TargetShape.allCases))
        // Shards split the hits exactly.
        var merged = Coverage(cells: coverage.cells)
        for i in 0..<3 { merged.merge(try AuditPlan(AuditParameters(shard: try Shard(index: i, count: 3))).coverage) }
        #expect(merged == coverage)
        // The JSON report carries the section.
        let report = AuditReport(implementation: "x", parameters: AuditParameters(functions: [.crossEntropy], formats: [.float16]), cells: [])
        #expect(report.json().contains("\"coverage\""))
        #expect(report.json().contains("\"zeros-on-masked\""))
        #expect(HTMLReport.render(report).contains("<h2>Coverage</h2>"))
    }
}
