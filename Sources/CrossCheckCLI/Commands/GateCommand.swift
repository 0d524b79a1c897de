import ArgumentParser
import CrossCheckAudit
import Foundation

/// `crosscheck gate`: fails CI when an implementation's accuracy regresses against a baseline.
public struct GateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Fail when an audit does worse than a committed baseline; --update-baseline accepts it.",
        discussion: """
        Runs the audit with the baseline's parameters and implementation (options given here take \
        precedence; an audit that selects fewer cells than the baseline — --function, --format, \
        --output-format, --class, --exhaustive — compares only the cells it selects), or reads a \
        finished audit with --report (its parameters decide the same way). A cell regresses when its \
        largest error exceeds the baseline's by more than --tolerance ulps, when it has more wrong \
        NaN/inf results or unanswered problems, or when it disappears. Each regression is printed with the input that shows it.

        --junit writes the gate's verdict (a failing test case per regressed cell, with the input \
        that shows it); --json and --html the audit's reports.

        Exit status: 0 no regression (or baseline updated); 2 regression; 3 baseline missing, \
        unreadable, corrupt or of another schema version; 4 unreadable --report; 64 usage.
        """
    )

    @Option(name: .long, help: "The baseline file (JSON, e.g. CI/baseline.json).")
    var baseline: String

    @Option(name: .long, help: "Gate this JSON report (from `audit --json` or `merge --json`) instead of running the audit.")
    var report: String?

    @Option(name: .long, parsing: .unconditional, help: "Ulps by which a largest error may exceed the baseline's.")
    var tolerance: Double = 0

    @Flag(name: .customLong("update-baseline"), help: "Rewrite the baseline (atomically) with this audit's results.")
    var updateBaseline = false

    @OptionGroup var implementation: ImplementationOptions
    @OptionGroup var selection: ProblemSelection
    @OptionGroup var outputs: ReportOutputs

    public init() {}

    public mutating func validate() throws {
        if updateBaseline, let shard = selection.shard { throw ValidationError(Self.shardUpdate(shard)) }
    }

    /// Why --update-baseline refuses one shard.
    static func shardUpdate(_ shard: some CustomStringConvertible) -> String {
        "--update-baseline needs the whole audit, not shard \(shard) (merge the shards, then gate --report the merged report)"
    }

    public func run() throws {
        try runCommand { () throws(AuditError) -> ExitStatus in
            guard tolerance >= 0 else { throw AuditError(.usage, "--tolerance must be ≥ 0") }
            let url = URL(fileURLWithPath: baseline)
            let existing: Baseline? = updateBaseline && !FileManager.default.fileExists(atPath: url.path) ? nil : try Baseline.read(url)
            let audit = try produceReport(existing)
            if updateBaseline, let shard = audit.parameters.shard {  // a --report of one shard: before anything is written
                throw AuditError(.usage, Self.shardUpdate(shard))
            }
            let scope = existing.flatMap { GateResult.scope(baseline: $0, report: audit) }
            let result = existing.map { GateResult.compare(baseline: $0, report: audit, tolerance: tolerance, scope: scope) }
            // The JUnit file says what the exit status says: a failing case per regressed cell.
            let junit: String? = if let result, let existing {
                JUnitReport.render(result, baseline: existing, report: audit, baselinePath: baseline)
            } else { nil }
            try outputs.write(audit, junitText: junit)
            emit(MarkdownReport.summaryTable(audit, timing: !outputs.noTiming))
            var status = ExitStatus.passed
            if let result {
                emit(result.text(baselinePath: baseline))
                status = result.passed ? .passed : .regression
            }
            if updateBaseline {
                let fresh = try existing?.updated(with: audit, scope: scope) ?? Baseline(audit)
                try fresh.write(to: url)
                emit("gate: baseline \(baseline) \(existing == nil ? "created" : "updated") (\(fresh.entries.count) cells)")
                return .passed
            }
            return status
        }
    }

    /// The report to gate: read with --report, or audited now.
    func produceReport(_ existing: Baseline?) throws(AuditError) -> AuditReport {
        if let report {
            if selection.isGiven || implementation.isGiven {
                throw AuditError(.usage, "--report gates a finished audit; audit options (--implementation, --samples, …) do not apply")
            }
            return try AuditReport.read(URL(fileURLWithPath: report))
        }
        var defaults: (AuditParameters, String)? = nil
        if let existing {
            if !implementation.isGiven && Implementations.named(existing.implementation) == nil {
                throw AuditError(.usage, "the baseline measures '\(existing.implementation)', which is not built in: give --external \"COMMAND\" (or --implementation)")
            }
            defaults = (existing.parameters, existing.implementation)
        }
        return try AuditCommand.audit(implementation, selection, defaults: defaults)
    }
}
