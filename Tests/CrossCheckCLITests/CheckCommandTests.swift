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
