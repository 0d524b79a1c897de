import Foundation

/// Where the commands write their diagnostics — `error: …` and `warning: …` lines — when they
/// are not results: the process's stderr, unless a caller binds another sink for the duration of
/// a call (the tests that run commands in-process capture them this way, so a passing test run
/// prints no `error:` lines).
public enum Diagnostics {
    /// Receives each diagnostic, newline included.
    @TaskLocal public static var sink: @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }

    /// Writes `line` and a newline to the current sink.
    static func write(_ line: String) { sink(line + "\n") }
}
