import ArgumentParser
import CrossCheckAudit
@testable import CrossCheckCLI
import Foundation

/// Commands run in-process (the rest of the tests' support is `Support`, in Tests/Support).
enum CommandSupport {
    /// Runs `crosscheck ARGS…` in-process and returns its exit status (stdout goes to the test log).
    static func exitStatus(_ arguments: [String]) -> Int32 {
        do {
            var command = try CrossCheckCommand.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch {
            return CrossCheckCommand.exitCode(for: error).rawValue
        }
    }
}
