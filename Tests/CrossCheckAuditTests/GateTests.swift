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
        #expect(verdict.exit == .regression)
        let regression = try #require(verdict.regressions.first)
        #expect(regression.cell.inputClass == "long")
        #expect(regression.example?.request.hasPrefix("{\"function\":\"softmax\"") == true)
        #expect(verdict.text(baselinePath: "b.json").contains("REGRESSION softmax float32 long"))
        // Within tolerance, it passes.
        #expect(GateResult.compare(baseline: doctored, report: report, tolerance: 1).passed)
    }

    @Test func commandExitsTwoOnADoctoredBaselineAndZeroOnTheRealOne() throws {
        let dir = Support.scratch()
        let report = try Support.audit(Self.flawed, Self.parameters)
        let good = dir.appendingPathComponent("good.json"), bad = dir.appendingPathComponent("bad.json")
        try Baseline(report).write(to: good)
        var doctored = Baseline(report)
        for i in doctored.entries.indices { doctored.entries[i].maxULP = 0 }
        try doctored.write(to: bad)
        #expect(Support.exitStatus(["gate", "--baseline", good.path, "--quiet"]) == 0)
        #expect(Support.exitStatus(["gate", "--baseline", bad.path, "--quiet"]) == 2)
        // A JSON report gated directly gives the same verdicts.
        let json = dir.appendingPathComponent("report.json")
        try report.json().write(to: json, atomically: true, encoding: .utf8)
        #expect(Support.exitStatus(["gate", "--baseline", good.path, "--report", json.path]) == 0)
        #expect(Support.exitStatus(["gate", "--baseline", bad.path, "--report", json.path]) == 2)
    }

    @Test func theCommittedBaselinePassesOnItsFastPaths() throws {
        let committed = Support.root.appendingPathComponent("CI/baseline.json")
        let baseline = try Baseline.read(committed)
        // Part of it (the whole gate is what .ci/run runs): one row and one elementwise function.
        #expect(Support.exitStatus(["gate", "--baseline", committed.path, "--function", "log_softmax", "sigmoid",
                                    "--format", "float32", "--quiet"]) == 0)
        #expect(baseline.entries.count == baseline.parameters.functions.count * baseline.parameters.formats.count * baseline.parameters.classes.count)
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
        #expect(e1?.exit == .badBaseline)
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
            #expect(e?.exit == .badBaseline, "\(text)")
            #expect(e?.message.contains(expected) == true, "\(text) → \(e?.message ?? "no error")")
            #expect(Support.exitStatus(["gate", "--baseline", file.path, "--quiet"]) == 3)
        }
        #expect(Support.exitStatus(["gate", "--baseline", missing.path, "--quiet"]) == 3)
    }

    @Test func updateBaselineRewritesAtomically() throws {
        let dir = Support.scratch()
        let file = dir.appendingPathComponent("baseline.json")
        let args = ["gate", "--baseline", file.path, "--implementation", "reference", "--function", "softmax", "--format", "float16",
                    "--class", "normal", "--samples", "2", "--quiet", "--update-baseline"]
        #expect(Support.exitStatus(args) == 0)  // created
        let first = try Baseline.read(file)
        #expect(first.entries.count == 1)
        #expect(Support.exitStatus(args) == 0)  // rewritten in place
        #expect(try Baseline.read(file) == first)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "baseline.json" }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }
}
