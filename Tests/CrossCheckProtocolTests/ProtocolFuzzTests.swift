import CrossCheckCore
import CrossCheckProtocol
import Foundation
import Testing

/// Answers every valid problem with zeros of the right shape: the fuzz test exercises the parser,
/// the codec and the session, not the mathematics.
private struct ZeroAnswers: SoftmaxImplementation {
    let name = "zeros"
    func evaluate(_ problem: Problem) throws -> Answer {
        try problem.validate()
        return problem.function.isScalar ? .scalar(0) : .vector(Array(repeating: 0, count: problem.logits.count))
    }
}

/// A deterministic fuzz test of the protocol (the short, fixed-seed budget CI runs): request lines
/// mutated from a seed corpus — byte flips, cuts, repeats, JSON tokens and extreme numbers spliced
/// in, deep nesting, invalid UTF-8 — each must get exactly one answer line, a JSON object with
/// "result" or "error" and nothing else; a line accepted as a request must re-encode to a request
/// that decodes to the same problem (the same request line).
@Suite struct ProtocolFuzzTests {
    static let corpus: [String] = [
        #"{"function":"softmax","format":"float32","logits":["1.5","-inf","0x1.8p+3"],"temperature":"0.5"}"#,
        #"{"function":"cross_entropy","format":"float16","logits":["0","0","0","0"],"target":3}"#,
        #"{"function":"cross_entropy_grad","format":"float64","logits":["1e308","-1e308","5e-324"],"targets":["0.25","0.5","0.25"]}"#,
        #"{"function":"bce_with_logits","format":"float32","logits":["nan","inf","-0.0"],"targets":["0","1","0.5"]}"#,
        #"{"function":"logsumexp","format":"float64","logits":["-0x1.fffffffffffffp+1023"],"temperature":"4.9e-324"}"#,
        #"{"function":"mse_softmax_grad","format":"float16","logits":["65504","-65504"],"target":null,"targets":["1","0"]}"#,
    ]

    static let tokens: [String] = [
        "\"", "\\", "\\u0000", "\\ud800", "{", "}", "[", "]", ",", ":", "-", "null", "true", "1e999999", "-0", "nan",
        "0x1p-1074", "\"target\":", "\"targets\":", "99999999999999999999999", "1180591620717411303424", "\"logits\":[]",
        String(repeating: "[", count: 200), String(repeating: "{\"a\":", count: 100), "\u{FEFF}", " \t", "\"format\":\"float8\"",
    ]

    @Test func everyMutatedLineGetsOneWellFormedAnswer() throws {
        var rng = SplitMix64(seed: 0xF022)
        let session = ProtocolSession(implementation: ZeroAnswers())
        var accepted = 0
        for round in 0..<8_000 {
            var bytes = Array(Self.corpus[round % Self.corpus.count].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) { Self.mutate(&bytes, &rng) }
            let line = String(decoding: bytes, as: UTF8.self)
            let (answer, ok) = session.answer(line)
            guard case .object(let fields)? = try? JSONValue.parse(answer), fields.count == 1,
                  fields["result"] != nil || fields["error"] != nil else {
                Issue.record("malformed answer \(answer) to \(line)")
                continue
            }
            #expect(!answer.contains("\n"))
            if ok {
                accepted += 1
                // Compared as request lines: a NaN logit makes two equal problems unequal.
                let encoded = ProtocolCodec.encodeRequest(try ProtocolCodec.decodeRequest(line))
                #expect(ProtocolCodec.encodeRequest(try ProtocolCodec.decodeRequest(encoded)) == encoded, "\(line)")
            }
        }
        #expect(accepted > 50, "the mutations should leave some requests valid (\(accepted))")
    }

    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        let n = bytes.count
        switch Int.random(in: 0..<7, using: &rng) {
        case 0 where n > 0:  // flip a byte
            bytes[Int.random(in: 0..<n, using: &rng)] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
        case 1 where n > 1:  // cut a range
            let a = Int.random(in: 0..<n, using: &rng), b = Int.random(in: a...min(n, a + 12), using: &rng)
            bytes.removeSubrange(a..<b)
        case 2 where n > 1:  // repeat a range
            let a = Int.random(in: 0..<n, using: &rng), b = Int.random(in: a...min(n, a + 16), using: &rng)
            bytes.insert(contentsOf: bytes[a..<b], at: b)
        case 3:  // splice a token
            bytes.insert(contentsOf: Array(tokens.randomElement(using: &rng)!.utf8), at: Int.random(in: 0...n, using: &rng))
        case 4 where n > 0:  // truncate
            bytes.removeLast(Int.random(in: 1...n, using: &rng))
        case 5:  // invalid UTF-8
            bytes.insert(0xFF, at: Int.random(in: 0...n, using: &rng))
        default:  // replace a number string's digits
            if let quote = bytes.indices.filter({ bytes[$0] == UInt8(ascii: "\"") }).randomElement(using: &rng), quote + 1 < n {
                bytes.insert(contentsOf: Array(["1e-400", "0x1.fffffffffffffp+1023", "-inf", "0.1e", "--1", "1_0"].randomElement(using: &rng)!.utf8), at: quote + 1)
            }
        }
    }
}
