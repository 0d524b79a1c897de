import CrossCheckCore
import CrossCheckProtocol
import Foundation
import Testing

/// True when two answers have the same numbers bit for bit (same sign of zero); with
/// `nanMatchesNaN`, any NaN matches any NaN (fixtures written by other tools spell one "nan").
func sameBits(_ a: [Double], _ b: [Double], nanMatchesNaN: Bool = false) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { (nanMatchesNaN && $0.isNaN && $1.isNaN) || $0.bitPattern == $1.bitPattern }
}

/// The package's root directory.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The request/answer pairs of a JSON-lines fixture (`{"request": {…}, "answer": {…}, …}` a line,
/// LF or CRLF), with their line numbers; a line that is not such a pair is recorded as an issue.
func storedAnswers(_ url: URL) throws -> [(line: Int, problem: Problem, expected: Answer)] {
    let text = try String(contentsOf: url, encoding: .utf8)
    var pairs: [(line: Int, problem: Problem, expected: Answer)] = []
    for (number, line) in JSONLines.split(text).enumerated() where !line.isEmpty {
        guard case .object(let fields) = try JSONValue.parse(String(line)),
              let request = fields["request"], let answer = fields["answer"] else {
            Issue.record("\(url.lastPathComponent):\(number + 1): not a request/answer line")
            continue
        }
        let problem = try ProtocolCodec.decodeRequest(request)
        pairs.append((number + 1, problem, try ProtocolCodec.decodeAnswer(answer, for: problem)))
    }
    return pairs
}
