import CrossCheckTestSupport
import CrossCheckAudit
@testable import CrossCheckCLI
import CrossCheckCore
import CrossCheckProtocol
import Foundation
import Testing

/// Golden vectors and offline scoring, and the command line's errors and exit statuses.
@Suite struct VectorsAndCommandTests {
    /// Writes vectors, answers them with `implementation` through the protocol session, and scores.
    static func scoreOffline(_ implementation: String, dir: URL) throws -> AuditReport {
        let plan = try AuditPlan(Support.smallParameters(samples: 3))
        try GoldenVectors.write(plan, to: dir, threads: 2)
        let requests = try String(contentsOf: dir.appendingPathComponent("requests.jsonl"), encoding: .utf8)
        let session = ProtocolSession(implementation: Implementations.named(implementation)!)
        let answers = requests.split(separator: "\n").map { session.answer(String($0)).line }.joined(separator: "\n") + "\n"
        let answersURL = dir.appendingPathComponent("answers-\(implementation).jsonl")
        try answers.write(to: answersURL, atomically: true, encoding: .utf8)
        return try GoldenVectors.score(vectors: dir.appendingPathComponent("vectors.jsonl"), answers: answersURL, name: implementation, bound: 1)
    }

    @Test func offlineAnswersScoreLikeAnAudit() throws {
        let dir = Support.scratch()
        let exact = try Self.scoreOffline("reference", dir: dir)
        #expect(exact.passed && exact.cells.allSatisfy { $0.maxULP == 0 && $0.samples == 3 })
        let flawed = try Self.scoreOffline("flawed-ce-on-softmax", dir: dir)
        #expect(!flawed.passed)
        // Scoring offline gives the statistics the live audit gives (bound 1 = what flawed claims),
        // apart from the shrunk worst inputs: shrinking needs the implementation, offline there is none.
        let live = try Support.audit("flawed-ce-on-softmax", Support.smallParameters(samples: 3))
        #expect(live.cells.contains { $0.worst?.shrunk != nil })
        #expect(flawed.cells.allSatisfy { $0.worst?.shrunk == nil })
        let unshrunk = live.cells.map { cell in
            var c = cell.withoutTiming
            c.worst?.shrunk = nil
            return c
        }
        #expect(flawed.cells.map(\.withoutTiming) == unshrunk)
        #expect(CommandSupport.exitStatus(["score", "--vectors", dir.path, "--answers", dir.appendingPathComponent("answers-flawed-ce-on-softmax.jsonl").path]) == 1)
        #expect(CommandSupport.exitStatus(["score", "--vectors", dir.path, "--answers", dir.appendingPathComponent("answers-reference.jsonl").path]) == 0)
    }

    @Test func badVectorsOrAnswersAreClearErrors() throws {
        let dir = Support.scratch()
        try GoldenVectors.write(try AuditPlan(Support.smallParameters(samples: 1)), to: dir, threads: 1)
        let vectors = dir.appendingPathComponent("vectors.jsonl")
        let short = dir.appendingPathComponent("short.jsonl")
        try "{\"result\":\"1\"}\n".write(to: short, atomically: true, encoding: .utf8)
        let e = auditError { try GoldenVectors.score(vectors: vectors, answers: short, name: "x", bound: 1) }
        #expect(e?.kind == .badInput)
        #expect(e?.message.contains("has 1 lines but vectors") == true)
        #expect(CommandSupport.exitStatus(["score", "--vectors", vectors.path, "--answers", short.path]) == 4)
        #expect(CommandSupport.exitStatus(["score", "--vectors", dir.appendingPathComponent("none.jsonl").path, "--answers", short.path]) == 4)
        // A malformed answer line is the implementation's failure, not the tool's.
        let lines = try String(contentsOf: dir.appendingPathComponent("requests.jsonl"), encoding: .utf8).split(separator: "\n")
        let garbage = dir.appendingPathComponent("garbage.jsonl")
        try (Array(repeating: "not json", count: lines.count).joined(separator: "\n") + "\n").write(to: garbage, atomically: true, encoding: .utf8)
        let report = try GoldenVectors.score(vectors: vectors, answers: garbage, name: "x", bound: 1)
        #expect(report.cells.allSatisfy { $0.errors == $0.samples } && !report.passed)
    }

    @Test func vectorsBesideTheRequestsOfAnotherRunAreAClearError() throws {
        // Two runs with the same count but other seeds: other problems, line for line.
        let (mine, other) = (Support.scratch(), Support.scratch())
        try GoldenVectors.write(try AuditPlan(Support.smallParameters(samples: 1)), to: mine, threads: 1)
        var parameters = Support.smallParameters(samples: 1)
        parameters.seed += 1
        try GoldenVectors.write(try AuditPlan(parameters), to: other, threads: 1)
        let requests = GoldenVectors.requestsFile(beside: mine.appendingPathComponent("vectors.jsonl"))
        let session = ProtocolSession(implementation: Implementations.named("reference")!)
        let answers = mine.appendingPathComponent("answers.jsonl")
        func answer(_ requestsFile: URL) throws {
            let lines = try String(contentsOf: requestsFile, encoding: .utf8).split(separator: "\n")
            try (lines.map { session.answer(String($0)).line }.joined(separator: "\n") + "\n").write(to: answers, atomically: true, encoding: .utf8)
        }
        // The pair as written scores.
        try answer(requests)
        #expect(CommandSupport.exitStatus(["score", "--vectors", mine.path, "--answers", answers.path]) == 0)
        // The other run's requests beside these vectors (as a run whose vectors could not be
        // written leaves them), answered: refused, although the line counts agree.
        try FileManager.default.removeItem(at: requests)
        try FileManager.default.copyItem(at: other.appendingPathComponent("requests.jsonl"), to: requests)
        try answer(requests)
        let e = auditError { try GoldenVectors.score(vectors: mine.appendingPathComponent("vectors.jsonl"), answers: answers, name: "x", bound: 1) }
        #expect(e?.kind == .badInput)
        #expect(e?.message.contains("is not the file written with vectors") == true, "\(String(describing: e))")
        #expect(CommandSupport.exitStatus(["score", "--vectors", mine.path, "--answers", answers.path]) == 4)
    }

    @Test func badCommandLinesGiveUsageErrors() {
        #expect(CommandSupport.exitStatus(["audit", "--implementation", "no-such-thing", "--quiet"]) == 64)
        #expect(CommandSupport.exitStatus(["audit", "--implementation", "reference", "--external", "cat", "--quiet"]) == 64)
        #expect(CommandSupport.exitStatus(["audit", "--exhaustive", "--function", "mse_softmax", "--quiet"]) == 64)
        #expect(CommandSupport.exitStatus(["audit", "--class", "tiny", "--quiet"]) == 64)
        #expect(CommandSupport.exitStatus(["audit", "--samples", "0", "--quiet"]) == 64)
        #expect(CommandSupport.exitStatus(["merge"]) == 64)
        // An external command that does not run at all stops the audit at once (status 4).
        #expect(CommandSupport.exitStatus(["audit", "--external", "echo 'no framework here' >&2; exit 3", "--quiet"]) == 4)
        // Typed options: an unknown implementation is refused while parsing, naming the choices.
        #expect(throws: (any Error).self) { try ImplementationOptions.parse(["--implementation", "no-such-thing"]) }
        #expect(ImplementationOptions.helpMessage().contains("reference"))
    }

    @Test func auditCommandWritesEveryReport() throws {
        let dir = Support.scratch()
        let (json, junit, html) = (dir.appendingPathComponent("r.json"), dir.appendingPathComponent("r.xml"), dir.appendingPathComponent("r.html"))
        let status = CommandSupport.exitStatus(["audit", "--implementation", "reference", "--function", "sigmoid", "--format", "float16",
                                         "--samples", "3", "--quiet", "--json", json.path, "--junit", junit.path, "--html", html.path])
        #expect(status == 0)
        let report = try AuditReport.read(json)
        #expect(report.cells.count == 20 && report.passed)  // one cell per input class (RowKind has 20)
        #expect(FileManager.default.fileExists(atPath: junit.path) && FileManager.default.fileExists(atPath: html.path))
    }
}

/// The Python adapters speak the protocol (when Python and NumPy are installed).
@Suite struct PythonAdapterTests {
    static let numpyAvailable: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "python3 -c 'import numpy' >/dev/null 2>&1"]
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: numpyAvailable)) func numpyAdapterAnswersEveryFunction() throws {
        let adapter = Support.root.appendingPathComponent("adapters/python/crosscheck_adapter.py").path
        let plan = try AuditPlan(AuditParameters(samples: 1, maxClasses: 16, formats: [.float32], classes: ["normal"]))
        let report = AuditRunner(plan: plan, name: "numpy", threads: 1) {
            ExternalImplementation(command: "python3 \(adapter) numpy", timeout: 30)
        }.run()
        #expect(report.cells.count == 12)
        #expect(report.cells.allSatisfy { $0.errors == 0 && $0.samples == 1 && $0.outputs > 0 })
    }
}
