import ArgumentParser
import CrossCheckAudit
import CrossCheckCore
import CrossCheckProtocol

/// Which implementation a command evaluates: one option group, the same names and defaults for
/// `eval`, `check`, `audit` and `gate`.
struct ImplementationOptions: ParsableArguments {
    /// Seconds an external implementation may take per answer, everywhere.
    static let defaultTimeout = 30.0

    @Option(name: .long, help: "A built-in implementation (default: \(Implementations.defaultName)).")
    var implementation: ImplementationName?

    @Option(name: .long, help: "A command speaking the JSON-lines protocol on stdin/stdout (run with /bin/sh -c; one process per thread).")
    var external: String?

    @Option(name: .long, help: "The name reports give the implementation (default: its name, or the external command).")
    var name: String?

    @Option(name: .customLong("max-ulp"), parsing: .unconditional, help: "The error bound, in ulps, to hold it to (default: what it claims; 1 for --external).")
    var maxULP: Double?

    @Option(name: .long, parsing: .unconditional, help: "Seconds an external implementation may take per answer.")
    var timeout: Double = ImplementationOptions.defaultTimeout

    init() {}

    var isGiven: Bool { implementation != nil || external != nil }

    /// The name for reports and a factory giving each thread its own instance. `defaultName`
    /// (a baseline's implementation) replaces the built-in default when neither option is given.
    func resolve(defaultName: String? = nil) throws(AuditError) -> (name: String, make: @Sendable () -> any SoftmaxImplementation) {
        if implementation != nil && external != nil { throw AuditError(.usage, "give --implementation or --external, not both") }
        if let maxULP, !(maxULP >= 0) { throw AuditError(.usage, "--max-ulp must be ≥ 0") }
        if !(timeout > 0 && timeout <= 86_400) { throw AuditError(.usage, "--timeout must be in (0, 86400] seconds, got \(timeout)") }
        if let command = external {
            ProcessCleanup.installInterruptHandler()  // an interrupt (of eval too) ends its processes
            let (timeout, bound) = (self.timeout, maxULP ?? 1)
            return (name ?? command, { ExternalImplementation(command: command, timeout: timeout, maximumULPError: bound) })
        }
        let chosen = implementation?.name ?? defaultName ?? Implementations.defaultName
        guard let base = Implementations.named(chosen) else {
            throw AuditError(.usage, "unknown implementation '\(chosen)'; expected one of: \(Implementations.names.joined(separator: ", ")) (or --external \"COMMAND\")")
        }
        let subject: any SoftmaxImplementation = maxULP.map { BoundOverride(base, bound: $0) } ?? base
        return (name ?? chosen, { subject })
    }
}
