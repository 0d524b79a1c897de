/// Lines of a JSON-lines file (requests, vectors, answers, stored counterexamples).
public enum JSONLines {
    /// The lines of `text`, split at LF or CRLF (a file saved on Windows reads the same), without
    /// their line endings; a final line ending adds no empty line, so `"a\r\nb\r\n"` is `["a", "b"]`.
    /// Empty lines inside are kept (callers number lines from 1 in messages).
    public static func split(_ text: String) -> [Substring] {
        // "\r\n" is one Character in Swift: splitting at "\n" alone would never split a CRLF file.
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}
