import ArgumentParser
import CrossCheckAudit
import Foundation

/// `crosscheck merge`: combines the JSON reports of an audit's shards into the whole audit's report.
public struct MergeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine shard reports (audit --shard i/n --json) into the report of the whole audit.",
        discussion: """
        The result equals the report of the unsharded run (timings aside). Every shard must be \
        present once, from the same implementation and parameters. Given one whole report, \
        merge re-renders it (e.g. --html, --junit).

        Exit status: as audit (0 within the claimed bounds, 1 not); 4 missing, corrupt or \
        mismatched reports; 64 usage.
        """
    )

    @Argument(help: "The shard reports (JSON).")
    var reports: [String]

    @Flag(name: .customLong("allow-partial"), help: "Merge even when some shards are missing.")
    var allowPartial = false

    @OptionGroup var outputs: ReportOutputs

    public init() {}

    public func run() throws {
        try runCommand { () throws(AuditError) -> ExitStatus in
            var loaded: [(source: String, report: AuditReport)] = []
            for path in reports { loaded.append((path, try AuditReport.read(URL(fileURLWithPath: path)))) }
            let merged = try AuditReport.merge(loaded, allowPartial: allowPartial)
            emit(outputs.markdown(merged))
            try outputs.write(merged)
            return merged.passed ? .passed : .failed
        }
    }
}
