import ArgumentParser
import CrossCheckAudit
import Foundation

/// `crosscheck score`: audits answers produced offline against golden vectors.
public struct ScoreCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Audit answers produced offline (one answer line per line of requests.jsonl) against golden vectors.",
        discussion: """
        Gives the same tables, reports and exit status as audit: 0 every function × format within \
        --max-ulp; 1 some exceed it, give a wrong NaN/inf, or have no (or a malformed) answer; \
        4 missing or corrupt vectors or answers, or a line count that does not match; 64 usage.
        """
    )

    @Option(name: .long, help: "vectors.jsonl written by `crosscheck vectors` (or its directory).")
    var vectors: String

    @Option(name: .long, help: "The answers: one protocol answer line per request, in order.")
    var answers: String

    @Option(name: .long, help: "The name reports give the implementation.")
    var name: String = "offline"

    @Option(name: .customLong("max-ulp"), parsing: .unconditional, help: "The error bound, in ulps, the implementation is held to.")
    var maxULP: Double = 1

    @OptionGroup var outputs: ReportOutputs

    public init() {}

    public func run() throws {
        try runCommand { () throws(AuditError) -> ExitStatus in
            guard maxULP >= 0 else { throw AuditError(.usage, "--max-ulp must be ≥ 0") }
            var url = URL(fileURLWithPath: vectors)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                url = url.appendingPathComponent("vectors.jsonl")
            }
            let report = try GoldenVectors.score(vectors: url, answers: URL(fileURLWithPath: answers), name: name, bound: maxULP)
            emit(outputs.markdown(report))
            try outputs.write(report)
            return report.passed ? .passed : .failed
        }
    }
}
