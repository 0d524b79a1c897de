import CrossCheckTestSupport
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
    static let failing = ["check", "--implementation", "flawed-lse-no-log1p", "--seed", "1", "--property", "accuracy", "--examples", "50"]

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
