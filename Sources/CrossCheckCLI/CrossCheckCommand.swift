import ArgumentParser
import CrossCheckCore
import CrossCheckKernels
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

    /// Runs the command line, after a warning on stderr about a wrong `CROSSCHECK_KERNELS_ISA`.
    public static func main() {
        if let problem = KernelISA.environmentProblem {
            Diagnostics.write("warning: \(problem)")
        }
        main(nil)
    }
}
