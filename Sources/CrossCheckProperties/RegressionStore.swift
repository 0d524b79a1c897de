import CrossCheckCore
import CrossCheckProtocol
import Foundation

/// Counterexamples kept as protocol request lines, one file per property
/// (`<directory>/<property>.jsonl`), replayed first on every later run.
///
/// Writes go through `AtomicFile` (a whole new file, then a rename), so a crash never leaves a torn
/// file; lines already present are not duplicated, and a file that exists but cannot be read is
/// never rewritten (its counterexamples would be lost).
public struct RegressionStore: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    func file(_ property: String) -> URL { directory.appendingPathComponent("\(property).jsonl") }

    /// The stored problems for `property` (none when it has no file yet; LF or CRLF lines, blank
    /// lines skipped). A file that exists but
    /// cannot be read, or a line that is not a request, is an error: a store that is silently
    /// skipped would let a fixed bug come back unnoticed.
    public func problems(for property: String) throws(RegressionStoreError) -> [Problem] {
        let url = file(property)
        guard let text = try contents(of: url) else { return [] }
        var problems: [Problem] = []
        for (n, line) in JSONLines.split(text).enumerated() where !line.allSatisfy(\.isWhitespace) {
            do { problems.append(try ProtocolCodec.decodeRequest(String(line))) } catch {
                throw RegressionStoreError(path: "\(url.path):\(n + 1)", reason: "not a request line: \(error.message)")
            }
        }
        return problems
    }

    /// Checks that the directory, when it exists, is one that can be read.
    public func validate() throws(RegressionStoreError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw RegressionStoreError(path: directory.path, reason: "is not a directory") }
        guard FileManager.default.isReadableFile(atPath: directory.path) else {
            throw RegressionStoreError(path: directory.path, reason: "cannot be read")
        }
    }

    /// Where `property`'s counterexamples are kept.
    public func path(for property: String) -> String { file(property).path }

    /// Adds `problem` to the property's file unless it is there already; true when it was added.
    /// A file that exists but cannot be read is an error, and is left as it is.
    @discardableResult
    public func save(_ problem: Problem, for property: String) throws(RegressionStoreError) -> Bool {
        let line = ProtocolCodec.encodeRequest(problem)
        let url = file(property)
        let existing = try contents(of: url) ?? ""
        if JSONLines.split(existing).contains(where: { $0 == line }) { return false }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RegressionStoreError(path: directory.path, reason: "cannot be created: \(error.localizedDescription)")
        }
        var text = existing
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += line + "\n"
        do throws(AtomicFileError) { try AtomicFile.write(text, to: url) } catch {
            throw RegressionStoreError(path: url.path, reason: "cannot be written: \(error)")
        }
        return true
    }

    /// The text of `url`; nil when there is no such file. A file that exists but cannot be read
    /// (not UTF-8, no permission, a directory) is an error.
    private func contents(of url: URL) throws(RegressionStoreError) -> String? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw RegressionStoreError(path: url.path, reason: "cannot be read: \(error.localizedDescription)")
        }
    }
}

/// A regression store, or one of its files, that cannot be read.
public struct RegressionStoreError: Error, Sendable, CustomStringConvertible {
    /// The file (with `:line` for a bad line) or directory.
    public var path: String
    public var reason: String

    public var description: String { "regression store \(path) \(reason)" }
}
