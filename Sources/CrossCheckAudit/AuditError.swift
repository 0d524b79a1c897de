/// An error that ends an audit, a gate, a merge, a score or a vectors run, with what kind of thing
/// went wrong. (The CLI maps each kind to its one exit status.)
public struct AuditError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Hashable, CaseIterable {
        /// The request itself is wrong: options out of range, unknown names, a shard of nothing.
        case usage
        /// The baseline is missing, unreadable, corrupt or of an unknown schema version.
        case badBaseline
        /// A report, vectors or answers file is missing, corrupt, or does not fit with the others;
        /// or an external implementation does not run at all (no answer to a first request).
        case badInput
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
