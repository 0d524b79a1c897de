import ArgumentParser
import CrossCheckAudit
import CrossCheckProtocol
import Foundation

/// `crosscheck audit`: measures an implementation's errors against the correctly rounded
/// reference, per function × format × input class, and reports them for people and machines.
public struct AuditCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Measure an implementation's ULP errors per function × format × input class.",
        discussion: """
        Prints Markdown tables (max, p50, p99 and mean error in ulps, wrong non-finite results, the \
        worst input as a request line); --json, --junit and --html write reports. The problems \
        depend only on --seed, --samples and the selection, never on --threads: equal runs give \
        equal reports (timings aside; --no-timing leaves them out).

        Exit status: 0 every function × format within the implementation's claimed bound; \
        1 some exceed it, give a wrong NaN/inf, or fail to answer; 4 unreadable input, or an \
        external command that does not run at all; 64 usage.
        """
    )

    @OptionGroup var implementation: ImplementationOptions
    @OptionGroup var selection: ProblemSelection
    @OptionGroup var outputs: ReportOutputs

    public init() {}

    public func run() throws {
        try runCommand { () throws(AuditError) -> ExitStatus in
            let report = try Self.audit(implementation, selection)
            emit(outputs.markdown(report))
            try outputs.write(report)
            return report.passed ? .passed : .failed
        }
    }

    /// Runs the audit the options describe (`defaults`: a baseline's parameters and implementation).
    static func audit(_ implementation: ImplementationOptions, _ selection: ProblemSelection,
                      defaults: (parameters: AuditParameters, implementation: String)? = nil) throws(AuditError) -> AuditReport {
        ProcessCleanup.installInterruptHandler()  // an interrupt ends the external's processes too
        let (name, make) = try implementation.resolve(defaultName: defaults?.implementation)
        let subject = make()
        let parameters = try selection.parameters(defaults: defaults?.parameters, claims: subject)
        let plan = try AuditPlan(parameters)
        if implementation.external != nil {
            try Preflight.check(subject, name: name)
            // Its claims are read and its first answer seen: end it rather than keep it idle for
            // the whole audit (each measuring thread starts its own).
            (subject as? ExternalImplementation)?.stop()
        }
        let runner = AuditRunner(plan: plan, name: name, threads: selection.threadCount,
                                 progress: selection.progress("audit \(name)"), makeImplementation: make)
        return runner.run()
    }
}
