import ArbitraryPrecision
import ArgumentParser
import CrossCheckAudit
import CrossCheckCore
import CrossCheckProtocol
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `crosscheck eval`: answers JSON-lines protocol requests on stdin, one line out per line in,
/// flushed after each, with the reference or a built-in implementation.
public struct EvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Answer JSON-lines requests from stdin with an implementation (see the README's protocol).",
        discussion: """
        Each input line is a request such as
          {"function": "softmax", "format": "float32", "logits": ["1.5", "-inf"]}
        and gets exactly one answer line, {"result": ...} or {"error": "..."}, in order.

        Exit status: 0 when every request succeeded, 1 otherwise.
        """
    )

    @Flag(name: .long, help: "Answer with the correctly rounded MPFR reference (same as --implementation reference).")
    var reference = false

    @OptionGroup var implementation: ImplementationOptions

    public init() {}

    public mutating func validate() throws {
        if reference, let chosen = implementation.implementation?.name, chosen != "reference" {
            throw ValidationError("--reference and --implementation \(chosen) disagree; give one")
        }
        if reference && implementation.external != nil { throw ValidationError("--reference and --external disagree; give one") }
    }

    public func run() throws {
        try runCommand { () throws(AuditError) -> ExitStatus in
            let chosen = reference ? Implementations.named("reference")! : try implementation.resolve().make()
            let session = ProtocolSession(implementation: chosen)
            let ok = session.serve(readLine: { Swift.readLine(strippingNewline: true) }) { line in
                print(line)
                fflush(nil)  // flushes stdout (and every other output stream)
            }
            if let _ = getenv("CROSSCHECK_REPORT_LIVE_HANDLES") {
                // For leak tests: every mpfr_t/mpq_t still initialized (static caches included).
                FileHandle.standardError.write(Data("live mpfr_t: \(MPFloat.liveCount), live mpq_t: \(MPRational.liveCount)\n".utf8))
            }
            return ok ? .passed : .failed
        }
    }
}
