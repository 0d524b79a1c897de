import CrossCheckTestProcesses
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `check` and `audit` against an external command that hangs, and interrupted: one time-out,
/// then a clear failure; no process of the external outlives crosscheck.
@Suite struct ExternalHangTests {
    /// Starts `crosscheck ARGS…` with its output in a file.
    static func start(_ arguments: [String]) throws -> (Process, URL) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-hang-test-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestProcess.crosscheck)
        p.arguments = arguments
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        try handle.close()
        return (p, out)
    }

    @Test func aHangingExternalCostsCheckOneTimeOut() throws {
        // Answers the first request (the preflight) with an error, then never reads again.
        let marker = "sleep 987661"
        let external = "read l; echo '{\"error\":\"warming up\"}'; sleep 987661"
        let regressions = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-hang-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: regressions) }
        let started = Date()
        let (p, out) = try Self.start(["check", "--external", external, "--timeout", "1", "--examples", "5",
                                       "--regressions", regressions.path, "--seed", "1"])
        defer { try? FileManager.default.removeItem(at: out) }
        p.waitUntilExit()
        let elapsed = Date().timeIntervalSince(started)
        let text = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        #expect(p.terminationStatus == 1, "\(text)")
        #expect(elapsed < 30, "one time-out, not one per property (\(elapsed) s)")
        #expect(text.contains("gave no answer within 1.0 s"), "\(text)")
        #expect(text.contains("not run"), "\(text)")
        #expect(TestProcess.processes(containing: marker, excluding: "crosscheck").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: regressions.path), "no counterexample stored for a hang")
        let temporary = (try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []
        #expect(!temporary.contains { $0.hasPrefix("crosscheck-external-\(p.processIdentifier)-") }, "stderr is not kept in files")
    }

    @Test func anInterruptedAuditEndsItsChildrenAtOnce() throws {
        for signo in [SIGINT, SIGTERM] {
            let marker = "sleep 98766\(signo)"
            let (p, out) = try Self.start(["audit", "--external", marker, "--timeout", "600", "--quiet"])
            defer { try? FileManager.default.removeItem(at: out) }
            var deadline = Date().addingTimeInterval(20)
            while TestProcess.processes(containing: marker, excluding: "crosscheck").isEmpty && Date() < deadline { usleep(20_000) }
            #expect(!TestProcess.processes(containing: marker, excluding: "crosscheck").isEmpty, "the external started")
            let sent = Date()
            kill(p.processIdentifier, signo)
            p.waitUntilExit()
            #expect(Date().timeIntervalSince(sent) < 10)
            #expect(p.terminationStatus == 128 + signo)
            deadline = Date().addingTimeInterval(5)
            while !TestProcess.processes(containing: marker, excluding: "crosscheck").isEmpty && Date() < deadline { usleep(20_000) }
            #expect(TestProcess.processes(containing: marker, excluding: "crosscheck").isEmpty)
        }
    }
}
