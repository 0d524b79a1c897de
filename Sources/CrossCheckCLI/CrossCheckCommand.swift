import ArgumentParser
import CrossCheckCore
import CrossCheckKernels
import CrossCheckReference
import Foundation

/// The `crosscheck` command line: a thin shell over the library; each subcommand is testable.
public struct CrossCheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "crosscheck",
        abstract: "Make the softmax family numerically trustworthy: reference, fast paths, checks.",
        version: CrossCheckVersion.current,
        subcommands: [EvalCommand.self, CheckCommand.self, AuditCommand.self, GateCommand.self, MergeCommand.self, VectorsCommand.self, ScoreCommand.self, CompareCommand.self, BenchCommand.self]
    )

    public init() {}

    /// Runs the command line, after a warning on stderr about a wrong `CROSSCHECK_KERNELS_ISA` or
    /// `CROSSCHECK_REFERENCE_MAX_LOGITS`.
    public static func main() {
        for problem in [KernelISA.environmentProblem, ReferenceImplementation.maximumLogitsProblem].compactMap({ $0 }) {
            Diagnostics.write("warning: \(problem)")
        }
        main(nil)
    }
}
