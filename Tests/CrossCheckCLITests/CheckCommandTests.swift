import CrossCheckTestSupport
import CrossCheckTestProcesses
import Foundation
import Testing

/// `crosscheck check --external` with a command that cannot answer at all: one clear error, exit
/// status 4, and no counterexample stored.
@Suite struct CheckCommandSetupErrorTests {
    @Test func aCommandThatDoesNotRunIsASetupError() throws {
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: store) }
        let r = try runCrossCheck(["check", "--external", "/nonexistent-command-for-crosscheck", "--examples", "3",
                                   "--regressions", store.path], input: "")
        #expect(r.status == 4, "\(r.status) \(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("does not run"), "\(r.stderr)")
        #expect(r.stderr.contains("not found"), "\(r.stderr)")
        let stored = (try? FileManager.default.contentsOfDirectory(atPath: store.path)) ?? []
        #expect(stored.isEmpty, "\(stored)")
    }
}

/// Where `crosscheck check` keeps counterexamples: never a surprise directory.
@Suite struct CheckRegressionStoreTests {
    static let failing = ["check", "--implementation", "flawed-lse-no-log1p", "--seed", "1", "--property", "accuracy", "--function", "logsumexp", "--examples", "50"]

    @Test func withoutAStoreNothingIsWrittenAndTheOutputSaysSo() throws {
        let cwd = Support.scratch()
        let r = try runCrossCheck(Self.failing, input: "", in: cwd)
        #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("counterexamples are not saved"), "\(r.stdout)")
        #expect(r.stdout.contains("not saved (no regression store)"), "\(r.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cwd.path).isEmpty)
    }

    @Test func aChosenStoreIsWrittenAndNamed() throws {
        let cwd = Support.scratch()
        let store = cwd.appendingPathComponent("mine")
        let r = try runCrossCheck(Self.failing + ["--regressions", store.path], input: "", in: cwd)
        #expect(r.status == 1)
        let file = store.appendingPathComponent("accuracy.jsonl").path
        #expect(r.stdout.contains("saved to \(file)"), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: file))
        // Replayed first next time, and said to be stored already.
        let again = try runCrossCheck(Self.failing + ["--regressions", store.path], input: "", in: cwd)
        #expect(again.stdout.contains("already stored in \(file)"), "\(again.stdout)")
    }

    @Test func theProjectStoreIsUsedWhenItExists() throws {
        let cwd = Support.scratch()
        try FileManager.default.createDirectory(at: cwd.appendingPathComponent("Fixtures/regressions"), withIntermediateDirectories: true)
        let r = try runCrossCheck(Self.failing, input: "", in: cwd)
        #expect(r.stdout.contains("saved to"), "\(r.stdout)")
        #expect(FileManager.default.fileExists(atPath: cwd.appendingPathComponent("Fixtures/regressions/accuracy.jsonl").path))
    }

    @Test func anUnreadableStoreIsAnError() throws {
        let cwd = Support.scratch()
        let store = cwd.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        try "not a request\n".write(to: store.appendingPathComponent("accuracy.jsonl"), atomically: true, encoding: .utf8)
        let r = try runCrossCheck(Self.failing + ["--regressions", store.path], input: "", in: cwd)
        #expect(r.status == 4, "\(r.stdout)")
        #expect(r.stderr.contains("accuracy.jsonl:1 not a request line"), "\(r.stderr)")
        let notADirectory = try runCrossCheck(Self.failing + ["--regressions", store.appendingPathComponent("accuracy.jsonl").path], input: "", in: cwd)
        #expect(notADirectory.status == 4 && notADirectory.stderr.contains("is not a directory"), "\(notADirectory.stderr)")
    }
}

/// What `check` prints is honest: the replay line runs as pasted, SKIP is not PASS, coverage is shown.
@Suite struct CheckOutcomeLineTests {
    /// Runs a command line in /bin/sh with the built `crosscheck` first on PATH, in `directory`.
    static func shell(_ line: String, in directory: URL) throws -> (status: Int32, stdout: String) {
        let r = try TestProcess.run("/bin/sh", ["-c", "PATH='\(TestProcess.products.path)':\"$PATH\"; export PATH; " + line], in: directory)
        return (r.status, r.stdout)
    }

    @Test func theReplayLineRunsAsPastedAndFailsTheSameWay() throws {
        let cwd = Support.scratch()
        // An external command with spaces: the printed line must quote it.
        let first = try Self.shell("crosscheck check --external 'crosscheck eval --implementation flawed-naive-bce' --seed 5 --property loss-identities --examples 40 --no-save", in: cwd)
        #expect(first.status == 1, "\(first.stdout)")
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "crosscheck check --external 'crosscheck eval --implementation flawed-naive-bce' --seed 5 --examples 40 --property loss-identities --no-save", "\(lines)")
        let replay = try #require(lines.first { $0.hasPrefix("     replay: ") }).dropFirst("     replay: ".count)
        let again = try Self.shell(String(replay), in: cwd)
        #expect(again.status == 1, "\(again.stdout)")
        let failure = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("FAIL") || $0.hasPrefix("     counterexample") } }
        #expect(failure(again.stdout) == failure(first.stdout) && !failure(first.stdout).isEmpty, "\(again.stdout)")
        // The header line replays the whole run too.
        let header = try Self.shell(lines[0], in: cwd)
        #expect(failure(header.stdout) == failure(first.stdout))
    }

    @Test func aPropertyWithNoApplicableExampleIsSkippedNotPassed() throws {
        let r = try runCrossCheck(["check", "--implementation", "reference", "--seed", "1", "--function", "sigmoid",
                                   "--property", "softmax-distribution", "limits", "--format", "float16", "--examples", "5", "--coverage"],
                                  input: "", in: Support.scratch())
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("SKIP softmax-distribution: no applicable example"), "\(r.stdout)")
        // 5 in float16, and each of the 10 cells once more as float16→float32 (the reference's mixed pair).
        #expect(r.stdout.contains("PASS limits (15 examples"), "\(r.stdout)")
        #expect(r.stdout.contains("1 passed, 0 failed, 1 skipped"), "\(r.stdout)")
        // Coverage: the limits cells of sigmoid in float16 (10 row kinds), 5 examples over them.
        #expect(r.stdout.contains("5 of 10 cells hit, 5 examples"), "\(r.stdout)")
        #expect(r.stdout.contains("never hit: sigmoid float16"), "\(r.stdout)")
    }
}
