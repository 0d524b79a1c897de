import ArgumentParser
import CrossCheckAudit
@testable import CrossCheckCLI
import Foundation

/// In-process commands, small audits and scratch directories for the command tests.
enum CommandSupport {
    /// The package's root directory.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A fresh scratch directory.
    static func scratch() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-cli-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small, quick plan: a row function and an elementwise one, two formats, three classes.
    static func smallParameters(samples: Int = 6, shard: Shard? = nil) -> AuditParameters {
        AuditParameters(seed: 7, samples: samples, maxClasses: 40, functions: [.softmax, .crossEntropy, .bceWithLogits],
                        formats: [.float16, .float32], classes: ["normal", "masked", "edge"], shard: shard)
    }

    /// Audits the built-in implementation `name` on `parameters`.
    static func audit(_ name: String, _ parameters: AuditParameters, threads: Int = 2) throws -> AuditReport {
        AuditRunner(plan: try AuditPlan(parameters), implementation: Implementations.named(name)!, threads: threads).run()
    }

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

/// The error an expression throws, as an `AuditError` (nil when it does not throw one).
func auditError<T>(_ body: () throws -> T) -> AuditError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? AuditError
    }
}
