import CrossCheckTestSupport
import CrossCheckAudit
import CrossCheckCore
import Foundation
import Testing

/// `crosscheck gate` end to end: exit statuses on good, doctored, missing and corrupt baselines,
/// the committed baseline, atomic updates.
@Suite struct GateCommandTests {
    static let flawed = "flawed-2ulp-long-rows"
    static let parameters = AuditParameters(seed: 3, samples: 2, maxClasses: 1100, functions: [.softmax],
                                            formats: [.float32], classes: ["long", "normal"])

    @Test func commandExitsTwoOnADoctoredBaselineAndZeroOnTheRealOne() throws {
        let dir = Support.scratch()
        let report = try Support.audit(Self.flawed, Self.parameters)
        let good = dir.appendingPathComponent("good.json"), bad = dir.appendingPathComponent("bad.json")
        try Baseline(report).write(to: good)
        var doctored = Baseline(report)
        for i in doctored.entries.indices { doctored.entries[i].maxULP = 0 }
        try doctored.write(to: bad)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", good.path, "--quiet"]) == 0)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", bad.path, "--quiet"]) == 2)
        // A JSON report gated directly gives the same verdicts.
        let json = dir.appendingPathComponent("report.json")
        try report.json().write(to: json, atomically: true, encoding: .utf8)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", good.path, "--report", json.path]) == 0)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", bad.path, "--report", json.path]) == 2)
    }

    @Test func theCommittedBaselinePassesOnItsFastPaths() throws {
        let committed = Support.root.appendingPathComponent("CI/baseline.json")
        let baseline = try Baseline.read(committed)
        // Part of it (the whole gate is what .ci/run runs): one row and one elementwise function.
        #expect(CommandSupport.exitStatus(["gate", "--baseline", committed.path, "--function", "log_softmax", "sigmoid",
                                    "--format", "float32", "--quiet"]) == 0)
        #expect(baseline.entries.count == baseline.parameters.functions.count * baseline.parameters.formats.count * baseline.parameters.classes.count)
    }

    @Test func gateExitsThreeOnMissingOrCorruptBaselines() throws {
        let dir = Support.scratch()
        for (i, text) in ["{\"cells\": [", "[1, 2]", "{\"kind\": \"crosscheck-baseline\"}", "{\"kind\": \"crosscheck-baseline\", \"schema_version\": 99}"].enumerated() {
            let file = dir.appendingPathComponent("corrupt\(i).json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            #expect(CommandSupport.exitStatus(["gate", "--baseline", file.path, "--quiet"]) == 3)
        }
        #expect(CommandSupport.exitStatus(["gate", "--baseline", dir.appendingPathComponent("nope.json").path, "--quiet"]) == 3)
    }
    @Test func updateBaselineRewritesAtomically() throws {
        let dir = Support.scratch()
        let file = dir.appendingPathComponent("baseline.json")
        let args = ["gate", "--baseline", file.path, "--implementation", "reference", "--function", "softmax", "--format", "float16",
                    "--class", "normal", "--samples", "2", "--quiet", "--update-baseline"]
        #expect(CommandSupport.exitStatus(args) == 0)  // created
        let first = try Baseline.read(file)
        #expect(first.entries.count == 1)
        #expect(CommandSupport.exitStatus(args) == 0)  // rewritten in place
        #expect(try Baseline.read(file) == first)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "baseline.json" }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    @Test func shardOutOfRangeIsAUsageError() {
        #expect(CommandSupport.exitStatus(["audit", "--shard", "4/4", "--quiet"]) == 64)
    }
}
