import ArgumentParser
import CrossCheckAudit
import CrossCheckProtocol
import Foundation

/// `crosscheck vectors`: writes an audit's problems with their correctly rounded answers, for
/// implementations that cannot speak the protocol.
public struct VectorsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Write golden vectors: request lines and their correctly rounded answers.",
        discussion: """
        Writes OUT/requests.jsonl (one protocol request per line: feed it to the implementation, \
        which writes one answer line per request) and OUT/vectors.jsonl (a header, then each \
        request with its correctly rounded answer). `crosscheck score --vectors OUT/vectors.jsonl \
        --answers ANSWERS` audits the answers. The same options as audit choose the problems.

        Exit status: 0 written; 4 cannot write; 64 usage.
        """
    )

    @Option(name: .long, help: "The directory to write requests.jsonl and vectors.jsonl to.")
    var out: String

    @OptionGroup var selection: ProblemSelection

    public init() {}

    public func run() throws {
        ProcessCleanup.installInterruptHandler()  // an interrupt leaves no temporary file
        try runCommand { () throws(AuditError) -> ExitStatus in
            let plan = try AuditPlan(selection.parameters())
            let directory = URL(fileURLWithPath: out)
            let (written, skipped) = try GoldenVectors.write(plan, to: directory, threads: selection.threadCount,
                                                             progress: selection.progress("vectors"))
            emit("wrote \(written) vectors to \(directory.appendingPathComponent("vectors.jsonl").path) and their requests to \(directory.appendingPathComponent("requests.jsonl").path)"
                 + (skipped > 0 ? " (\(skipped) left out: the reference could not settle them)" : ""))
            return .passed
        }
    }
}
