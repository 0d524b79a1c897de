import CrossCheckProtocol
import Foundation

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

extension AuditError {
    /// A report, baseline or vectors file that could not be written is bad input (exit status 4),
    /// with the path and the system's reason.
    public init(_ error: AtomicFileError) {
        self.init(.badInput, error.description)
    }
}

extension AtomicFile {
    /// `write(_:to:)` for the audit's files: a failure is an `AuditError` of kind `badInput`.
    public static func writeAuditFile(_ text: String, to url: URL) throws(AuditError) {
        do { try write(text, to: url) } catch { throw AuditError(error) }
    }
}
