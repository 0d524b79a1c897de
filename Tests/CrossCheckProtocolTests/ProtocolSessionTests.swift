import CrossCheckCore
import CrossCheckProtocol
import Testing

/// An implementation that answers softmax by a plain formula and fails on purpose on one value.
private struct PlainSoftmax: SoftmaxImplementation {
    struct Refusal: Error {}
    let name = "plain"
    func evaluate(_ problem: Problem) throws -> Answer {
        if problem.logits.contains(42) { throw Refusal() }
        let m = problem.logits.max()!
        let e = problem.logits.map { Foundation_exp($0 - m) }
        let s = e.reduce(0, +)
        return .vector(e.map { problem.format.rounded($0 / s) })
    }
}

private func Foundation_exp(_ x: Double) -> Double {
    // A crude exp good enough for a session test: e^x = 2^(x·log2 e).
    var result = 1.0, term = 1.0
    for k in 1..<60 { term *= x / Double(k); result += term }
    return x < -30 ? 0 : result
}

@Suite struct ProtocolSessionTests {
    @Test func answersEveryLineInOrderAndKeepsGoing() {
        let lines = [
            #"{"function": "softmax", "format": "float64", "logits": ["0", "0"]}"#,
            "not json",
            "",
            #"{"function": "softmax", "format": "float64", "logits": ["42", "0"]}"#,
            #"{"function": "softmax", "format": "float64", "logits": []}"#,
            #"{"function": "softmax", "format": "float64", "logits": ["0", "0", "0", "0"]}"#,
        ]
        var input = lines.makeIterator()
        var output: [String] = []
        let session = ProtocolSession(implementation: PlainSoftmax())
        let ok = session.serve(readLine: { input.next() }, write: { output.append($0) })
        #expect(!ok)
        #expect(output.count == lines.count)
        #expect(output[0] == #"{"result":["0.5","0.5"]}"#)
        #expect(output[1].hasPrefix(#"{"error":"malformed JSON"#))
        #expect(output[2].hasPrefix(#"{"error":"request: empty line"#))
        #expect(output[3].hasPrefix(#"{"error":"plain: "#))
        #expect(output[4].hasPrefix(#"{"error":"logits: must not be empty"#))
        #expect(output[5] == #"{"result":["0.25","0.25","0.25","0.25"]}"#)
    }

    @Test func allGoodRequestsSucceed() {
        var input = [#"{"function": "softmax", "format": "float32", "logits": ["1", "1"]}"#].makeIterator()
        let ok = ProtocolSession(implementation: PlainSoftmax()).serve(readLine: { input.next() }, write: { _ in })
        #expect(ok)
    }
}
