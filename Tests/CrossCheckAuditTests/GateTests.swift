import CrossCheckTestSupport
import CrossCheckAudit
import CrossCheckCore
import Foundation
import Testing

/// The gate: passes on its own baseline, fails on a doctored one (with the input that shows the
/// regression), reports improvements, and refuses missing or corrupt baselines.
@Suite struct GateTests {
    /// A flawed implementation that is 2 ulps off on long rows gives a nonzero baseline to doctor.
    static let flawed = "flawed-2ulp-long-rows"
    static let parameters = AuditParameters(seed: 3, samples: 2, maxClasses: 1100, functions: [.softmax],
                                            formats: [.float32], classes: ["long", "normal"])

    @Test func passesOnItsOwnBaselineAndFailsOnADoctoredOne() throws {
        let report = try Support.audit(Self.flawed, Self.parameters)
        let baseline = Baseline(report)
        let long = try #require(baseline.entries.firstIndex { $0.cell.inputClass == "long" })
        #expect(baseline.entries[long].maxULP == 2)
        #expect(GateResult.compare(baseline: baseline, report: report).passed)

        var doctored = baseline
        doctored.entries[long].maxULP = 1
        let verdict = GateResult.compare(baseline: doctored, report: report)
        #expect(!verdict.passed)
        #expect(!verdict.passed)
        let regression = try #require(verdict.regressions.first)
        #expect(regression.cell.inputClass == "long")
        #expect(regression.example?.request.hasPrefix("{\"function\":\"softmax\"") == true)
        #expect(verdict.text(baselinePath: "b.json").contains("REGRESSION softmax float32 long"))
        // Within tolerance, it passes.
        #expect(GateResult.compare(baseline: doctored, report: report, tolerance: 1).passed)
    }

    @Test func improvementsAndDisappearancesAreReported() throws {
        let report = try Support.audit("reference", Self.parameters)
        var worse = Baseline(report)
        worse.entries[0].maxULP = 5
        let verdict = GateResult.compare(baseline: worse, report: report)
        #expect(verdict.passed)
        #expect(verdict.improvements.count == 1)

        var extra = Baseline(report)
        extra.entries.append(.init(cell: AuditCell(function: .sigmoid, format: .float64, inputClass: "normal"), maxULP: 0, wrongNonFinite: 0, errors: 0))
        let missing = GateResult.compare(baseline: extra, report: report)
        #expect(!missing.passed)
        #expect(missing.regressions.first?.message.contains("missing") == true)
    }

    @Test func missingOrCorruptBaselinesAreClearErrors() throws {
        let dir = Support.scratch()
        let missing = dir.appendingPathComponent("nope.json")
        let e1 = auditError { try Baseline.read(missing) }
        #expect(e1?.kind == .badBaseline)
        #expect(e1?.message.contains("does not exist") == true)

        let cases: [(String, String)] = [
            ("{\"cells\": [", "not valid JSON"),
            ("[1, 2]", "expected a JSON object"),
            ("{\"kind\": \"crosscheck-baseline\"}", "not a CrossCheck file"),
            ("{\"kind\": \"crosscheck-audit-report\", \"schema_version\": 1}", "expected a crosscheck-baseline"),
            ("{\"kind\": \"crosscheck-baseline\", \"schema_version\": 99}", "schema_version 99"),
            ("{\"kind\": \"crosscheck-baseline\", \"schema_version\": 1, \"implementation\": \"fast\"}", "missing field"),
        ]
        for (text, expected) in cases {
            let file = dir.appendingPathComponent("corrupt.json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let e = auditError { try Baseline.read(file) }
            #expect(e?.kind == .badBaseline, "\(text)")
            #expect(e?.message.contains(expected) == true, "\(text) → \(e?.message ?? "no error")")
        }
    }

}
