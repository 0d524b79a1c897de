import ArgumentParser
import CrossCheckAudit
import Foundation

/// The exit statuses of every `crosscheck` command, one meaning each.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Everything held: every request answered (eval), every property (check), every function ×
    /// format within its bound (audit, score, merge), no regression (gate), vectors written.
    case passed = 0
    /// Something did not hold: a request failed (eval), a property failed (check), a cell exceeds
    /// its bound, gives a wrong NaN/inf or is unanswered (audit, score, merge).
    case failed = 1
    /// The gate found a regression against the baseline.
    case regression = 2
    /// The baseline is missing, unreadable, corrupt or of an unknown schema version.
    case badBaseline = 3
    /// A report, vectors or answers file is missing, corrupt, or does not fit with the others; or
    /// an external implementation does not run at all (no answer to a first request).
    case badInput = 4
    /// Nothing was checked: every property `check` ran was SKIP (no applicable example for the
    /// selected functions and formats, or every example inconclusive). Not a pass (like pytest's 5).
    case nothingChecked = 5
    /// The command line is wrong (ArgumentParser's own usage errors use the same status).
    case usage = 64

    /// The status for an error of the audit library.
    init(_ kind: AuditError.Kind) {
        switch kind {
        case .usage: self = .usage
        case .badBaseline: self = .badBaseline
        case .badInput: self = .badInput
        }
    }
}

/// Runs a command body that ends in an `ExitStatus`: writes an `AuditError`'s message to `Diagnostics`
/// and exits with its status; exits with the body's status when it is not `.passed`.
func runCommand(_ body: () throws(AuditError) -> ExitStatus) throws {
    let status: ExitStatus
    do {
        status = try body()
    } catch {
        Diagnostics.write("error: \(error.message)")
        throw ExitCode(ExitStatus(error.kind).rawValue)
    }
    fflush(nil)
    if status != .passed { throw ExitCode(status.rawValue) }
}

/// Prints to stdout and flushes.
func emit(_ text: String) {
    print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
    fflush(nil)
}
