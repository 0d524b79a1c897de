/// The exit statuses of `crosscheck audit`, `score`, `merge`, `gate` and `vectors`, one meaning each.
public enum AuditExit: Int32, Sendable, CaseIterable {
    /// Every function × format within the implementation's claimed bound (audit, score, merge);
    /// no regression (gate); vectors written.
    case passed = 0
    /// Some function × format exceeds its claimed bound, or has a wrong non-finite result, or the
    /// implementation failed to answer (audit, score, merge).
    case failed = 1
    /// The gate found a regression against the baseline.
    case regression = 2
    /// The baseline is missing, unreadable, corrupt or of an unknown schema version.
    case badBaseline = 3
    /// A report, vectors or answers file is missing, corrupt, or does not fit with the others; or
    /// an external implementation does not run at all (no answer to a first request).
    case badInput = 4
    /// The command line is wrong (ArgumentParser's own usage errors use the same status).
    case usage = 64
}

/// An error that ends a command with a message and a definite exit status.
public struct AuditError: Error, Sendable, CustomStringConvertible {
    public var exit: AuditExit
    public var message: String

    public init(_ exit: AuditExit, _ message: String) {
        self.exit = exit
        self.message = message
    }

    public var description: String { message }
}
