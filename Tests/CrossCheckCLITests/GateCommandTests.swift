import CrossCheckTestSupport
import CrossCheckAudit
import CrossCheckCLI
import CrossCheckCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
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

    /// The JUnit file agrees with the exit status: a failing test case per regressed cell, each with
    /// the request line that shows it, and the count on the root.
    @Test func junitOfAFailingGateHasOneFailurePerRegressedCell() throws {
        let dir = Support.scratch()
        let report = try Support.audit(Self.flawed, Self.parameters)
        var doctored = Baseline(report)
        for i in doctored.entries.indices { doctored.entries[i].maxULP = 0 }
        let bad = dir.appendingPathComponent("bad.json"), junit = dir.appendingPathComponent("gate.xml")
        try doctored.write(to: bad)
        let regressed = report.cells.filter { $0.maxULP > 0 }.count
        #expect(regressed > 0)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", bad.path, "--junit", junit.path, "--quiet"]) == 2)
        let xml = try String(contentsOf: junit, encoding: .utf8)
        let parsed = JUnitDocument(Data(xml.utf8))
        #expect(parsed.wellFormed, "\(xml)")
        #expect(parsed.root["failures"] == "\(regressed)")
        #expect(parsed.root["errors"] == "0")
        #expect(parsed.root["tests"] == "\(doctored.entries.count)")
        #expect(parsed.failures.count == regressed)
        for failure in parsed.failures {
            #expect(failure.message.contains("largest error"), "\(failure.message)")
            let request = try #require(failure.body.split(separator: "\n").first { $0.hasPrefix("{") })
            #expect(request.contains("\"function\":\"softmax\""))
        }
        // The good baseline: the same cases, none failing.
        let good = dir.appendingPathComponent("good.json")
        try Baseline(report).write(to: good)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", good.path, "--junit", junit.path, "--quiet"]) == 0)
        let passing = JUnitDocument(try Data(contentsOf: junit))
        #expect(passing.wellFormed && passing.root["failures"] == "0" && passing.failures.isEmpty)
    }

    @Test func theCommittedBaselinePassesOnItsFastPaths() throws {
        let committed = Support.root.appendingPathComponent("CI/baseline.json")
        let baseline = try Baseline.read(committed)
        // Part of it (the whole gate is what .ci/run runs): one row and one elementwise function.
        #expect(CommandSupport.exitStatus(["gate", "--baseline", committed.path, "--function", "log_softmax", "sigmoid",
                                    "--format", "float32", "--quiet"]) == 0)
        #expect(baseline.entries.count == baseline.parameters.functions.count * baseline.parameters.formatPairs.count * baseline.parameters.classes.count)
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

    /// `--output-format F` selects F and the pairs X→F: only those cells are compared, the others
    /// are skipped, not "missing"; a regression in a selected cell still fails.
    @Test func anOutputFormatComparesOnlyTheCellsItSelects() throws {
        let dir = Support.scratch()
        let parameters = AuditParameters(seed: 3, samples: 2, maxClasses: 1100, functions: [.softmax], formats: [.float16, .float32],
                                         classes: ["long"], mixedPrecisionPairs: [FormatPair(.float16, .float32)])
        let report = try Support.audit(Self.flawed, parameters)
        #expect(report.cells.count == 3)
        let good = dir.appendingPathComponent("good.json")
        try Baseline(report).write(to: good)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", good.path, "--output-format", "float32", "--quiet"]) == 0)
        // The float16 cell is outside the selection: doctoring it changes nothing.
        let float16 = try #require(report.cells.firstIndex { $0.cell.formatPair == FormatPair(.float16, .float16) })
        #expect(report.cells[float16].maxULP > 0)
        var outside = Baseline(report)
        let entry = try #require(outside.entries.firstIndex { $0.cell == report.cells[float16].cell })
        outside.entries[entry].maxULP = 0
        let outsideFile = dir.appendingPathComponent("outside.json")
        try outside.write(to: outsideFile)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", outsideFile.path, "--output-format", "float32", "--quiet"]) == 0)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", outsideFile.path, "--quiet"]) == 2)
        // Doctoring a selected cell fails the narrowed gate.
        var inside = Baseline(report)
        for i in inside.entries.indices where inside.entries[i].cell.outputFormat == .float32 { inside.entries[i].maxULP = 0 }
        #expect(report.cells.contains { $0.cell.outputFormat == .float32 && $0.maxULP > 0 })
        let insideFile = dir.appendingPathComponent("inside.json")
        try inside.write(to: insideFile)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", insideFile.path, "--output-format", "float32", "--quiet"]) == 2)
    }

    /// --update-baseline of one shard is refused before any work: no audit, no file written.
    @Test func updateBaselineOfAShardIsRefusedBeforeAnyWork() throws {
        let dir = Support.scratch()
        let file = dir.appendingPathComponent("baseline.json"), json = dir.appendingPathComponent("out.json")
        let started = Date()
        let arguments = ["--baseline", file.path, "--implementation", "reference", "--shard", "0/2", "--update-baseline", "--json", json.path, "--quiet"]
        #expect(CommandSupport.exitStatus(["gate"] + arguments) == 64)
        #expect { _ = try GateCommand.parse(arguments) } throws: { error in
            GateCommand.message(for: error).contains("--update-baseline needs the whole audit, not shard 0/2")
        }
        #expect(Date().timeIntervalSince(started) < 5, "refused before the audit")
        // A shard's report: refused right after it is read, before the reports are written.
        var parameters = Self.parameters
        parameters.shard = try Shard(index: 1, count: 2)
        let shardReport = dir.appendingPathComponent("shard.json")
        try Support.audit(Self.flawed, parameters).json().write(to: shardReport, atomically: true, encoding: .utf8)
        try Baseline(try Support.audit(Self.flawed, Self.parameters)).write(to: file)
        let before = try Data(contentsOf: file)
        #expect(CommandSupport.exitStatus(["gate", "--baseline", file.path, "--report", shardReport.path, "--update-baseline", "--json", json.path]) == 64)
        #expect(!FileManager.default.fileExists(atPath: json.path), "no report written")
        #expect(try Data(contentsOf: file) == before, "the baseline is untouched")
    }

    @Test func shardOutOfRangeIsAUsageError() {
        #expect(CommandSupport.exitStatus(["audit", "--shard", "4/4", "--quiet"]) == 64)
    }
}

/// A parsed JUnit file: the root's attributes and each failure's message and text.
final class JUnitDocument: NSObject, XMLParserDelegate {
    var root: [String: String] = [:]
    var failures: [(message: String, body: String)] = []
    private(set) var wellFormed = false
    private var inFailure = false

    init(_ data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        wellFormed = parser.parse()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if name == "testsuites" { root = attributes }
        if name == "failure" {
            failures.append((attributes["message"] ?? "", ""))
            inFailure = true
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "failure" { inFailure = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inFailure { failures[failures.count - 1].body += string }
    }
}
