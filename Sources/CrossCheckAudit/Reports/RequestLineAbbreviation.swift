/// Long request lines shortened for terminals and pages: each array keeps its first values and
/// says how many it had, `["1.5","2",…(4096 values)]`, so the line shows the function, format,
/// the start of the row and every scalar field in about `limit` characters. The JSON report keeps
/// every line whole (a shortened line is not a request `crosscheck eval` can replay).
public enum RequestLineAbbreviation {
    /// Lines up to this many characters are left as they are.
    public static let defaultLimit = 200

    /// `line` when it fits in `limit` characters, otherwise its arrays cut to their first values.
    public static func abbreviate(_ line: String, limit: Int = defaultLimit) -> String {
        guard line.count > limit else { return line }
        let parts = split(line)
        let arrays = parts.filter(\.isArray).count
        guard arrays > 0 else { return String(line.prefix(limit)) + "…(\(line.count) characters)" }
        let fixed = parts.filter { !$0.isArray }.reduce(0) { $0 + $1.text.count }
        let budget = max(24, (limit - fixed) / arrays)
        return parts.map { $0.isArray ? shorten($0.text, budget: budget) : String($0.text) }.joined()
    }

    /// The line in pieces: arrays (`[…]`, brackets included) and the text between them. Request
    /// lines hold no nested arrays, and their strings (numbers, field names) no brackets.
    static func split(_ line: String) -> [(text: Substring, isArray: Bool)] {
        var parts: [(Substring, Bool)] = []
        var rest = line[...]
        while let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") {
            if open > rest.startIndex { parts.append((rest[..<open], false)) }
            parts.append((rest[open...close], true))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append((rest, false)) }
        return parts
    }

    /// An array cut to the values that fit in `budget` characters, with their count.
    static func shorten(_ array: Substring, budget: Int) -> String {
        guard array.count > budget else { return String(array) }
        let values = array.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
        let note = "…(\(values.count) values)]"
        var out = "["
        for v in values {
            guard out.count + v.count + 1 + note.count <= budget else { break }
            out += v + ","
        }
        return out + note
    }
}
