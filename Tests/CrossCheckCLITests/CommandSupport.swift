import ArgumentParser
import CrossCheckAudit
@testable import CrossCheckCLI
import Foundation
import Synchronization

/// Commands run in-process (the rest of the tests' support is `Support`, in Tests/Support).
enum CommandSupport {
    /// Runs `crosscheck ARGS…` in-process and returns its exit status (stdout goes to the test
    /// log; diagnostics are captured, not printed: see `run`).
    static func exitStatus(_ arguments: [String]) -> Int32 {
        run(arguments).status
    }

    /// Runs `crosscheck ARGS…` in-process: its exit status and the diagnostics (`error: …`,
    /// `warning: …`) it would have written to stderr.
    static func run(_ arguments: [String]) -> (status: Int32, diagnostics: String) {
        let captured = Captured()
        let status = Diagnostics.$sink.withValue({ text in captured.text.withLock { $0 += text } }) { () -> Int32 in
            do {
                var command = try CrossCheckCommand.parseAsRoot(arguments)
                try command.run()
                return 0
            } catch {
                return CrossCheckCommand.exitCode(for: error).rawValue
            }
        }
        return (status, captured.text.withLock { $0 })
    }

    /// Text written from any thread.
    final class Captured: Sendable {
        let text = Mutex("")
    }
}
