import CrossCheckCore
import CrossCheckProtocol
import Foundation

/// Counterexamples kept as protocol request lines, one file per property
/// (`<directory>/<property>.jsonl`), replayed first on every later run.
///
/// Writes are atomic (a whole new file, then a rename), so a crash never leaves a torn file;
/// lines already present are not duplicated.
public struct RegressionStore: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    func file(_ property: String) -> URL { directory.appendingPathComponent("\(property).jsonl") }

    /// The stored problems for `property` (LF or CRLF lines; blank lines skipped). A line that is
    /// not a valid request, or a file that exists but cannot be read, is an error `PATH:LINE: why`
    /// in `errors`, not fatal.
    public func problems(for property: String) -> (problems: [Problem], errors: [String]) {
        let url = file(property)
        guard FileManager.default.fileExists(atPath: url.path) else { return ([], []) }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            return ([], ["\(url.path): cannot be read: \(error.localizedDescription)"])
        }
        var problems: [Problem] = [], errors: [String] = []
        for (n, line) in JSONLines.split(text).enumerated() where !line.allSatisfy(\.isWhitespace) {
            do { problems.append(try ProtocolCodec.decodeRequest(String(line))) }
            catch { errors.append("\(url.path):\(n + 1): \(error.message)") }
        }
        return (problems, errors)
    }

    /// Adds `problem` to the property's file unless it is there already.
    public func save(_ problem: Problem, for property: String) throws {
        let line = ProtocolCodec.encodeRequest(problem)
        let url = file(property)
        let existing = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        if JSONLines.split(existing).contains(where: { $0 == line }) { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var text = existing
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += line + "\n"
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}
