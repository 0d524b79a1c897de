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

/// The request/answer pairs of a JSON-lines fixture (`{"request": {…}, "answer": {…}, …}` a line),
/// with their line numbers; a line that is not such a pair is recorded as an issue.
func storedAnswers(_ url: URL) throws -> [(line: Int, problem: Problem, expected: Answer)] {
    let text = try String(contentsOf: url, encoding: .utf8)
    var pairs: [(line: Int, problem: Problem, expected: Answer)] = []
    for (number, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
        guard case .object(let fields) = try JSONValue.parse(String(line)),
              let request = fields["request"], let answer = fields["answer"] else {
            Issue.record("\(url.lastPathComponent):\(number + 1): not a request/answer line")
            continue
        }
        let problem = try ProtocolCodec.decodeRequest(String(decoding: try JSONEncoder().encode(request), as: UTF8.self))
        let expected = try ProtocolCodec.decodeAnswer(String(decoding: try JSONEncoder().encode(answer), as: UTF8.self), for: problem)
        pairs.append((number + 1, problem, expected))
    }
    return pairs
}

/// Request and answer objects re-encoded as JSON text for the protocol codec.
extension JSONValue: Encodable {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
