import ArgumentParser
import CrossCheckAudit
import Foundation

/// `crosscheck compare`: several audits side by side, as one Markdown table.
public struct CompareCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Print several audit reports (--json) side by side: largest error per function × format.",
        discussion: """
        Warns when the reports were produced with different parameters (seed, samples, classes, …).

        Exit status: 0 printed; 4 a missing or corrupt report; 64 usage.
        """
    )

    @Argument(help: "The audit reports (JSON), one column each, in order.")
    var reports: [String]

    @Option(name: .long, parsing: .upToNextOption, help: "Column headings, one per report (default: each report's implementation).")
    var names: [String] = []

    @Option(name: .customLong("class"), parsing: .upToNextOption, help: "Count only these input classes (default: all).")
    var inputClass: [String] = []

    public init() {}

    public func run() throws {
        try runCommand { () throws(AuditError) -> ExitStatus in
            guard !reports.isEmpty else { throw AuditError(.usage, "compare: give at least one report") }
            guard names.isEmpty || names.count == reports.count else {
                throw AuditError(.usage, "compare: give one --names entry per report (\(reports.count)), got \(names.count)")
            }
            var loaded: [AuditReport] = []
            for (i, path) in reports.enumerated() {
                var report = try AuditReport.read(URL(fileURLWithPath: path))
                if !names.isEmpty { report.implementation = names[i] }
                if !inputClass.isEmpty {
                    report.cells = report.cells.filter { inputClass.contains($0.cell.inputClass) }
                    report.parameters.classes = report.parameters.classes.filter { inputClass.contains($0) }
                    guard !report.cells.isEmpty else { throw AuditError(.usage, "compare: \(path) has no cell of the classes \(inputClass.joined(separator: ", "))") }
                }
                loaded.append(report)
            }
            if Set(loaded.map(\.parameters)).count > 1 {
                Diagnostics.write("warning: the reports were produced with different parameters; their errors are not measured on the same inputs")
            }
            emit(MarkdownReport.comparison(loaded))
            return .passed
        }
    }
}
