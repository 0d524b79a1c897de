import CrossCheckCore
import CrossCheckProtocol
import Testing

/// Input from outside, read strictly: duplicate keys, out-of-range class indices, CRLF lines.
@Suite struct StrictInputTests {
    @Test func duplicateKeysAreRefused() {
        let line = #"{"function":"softmax","format":"float32","logits":["1"],"logits":["2","3"]}"#
        #expect { _ = try ProtocolCodec.decodeRequest(line) } throws: { "\($0)".contains("duplicate key \"logits\"") }
        #expect(throws: ProblemError.self) { _ = try JSONValue.parse(#"{"a":1,"b":{"c":1,"c":1}}"#) }
        #expect((try? JSONValue.parse(#"{"a":1,"b":{"a":1}}"#)) != nil, "the same key in different objects is fine")
    }

    @Test func aHugeClassIndexIsOutOfRangeNotFractional() {
        for index in ["1180591620717411303424", "1e30", "-1e19"] {
            let line = #"{"function":"cross_entropy","format":"float32","logits":["1","2"],"target":"# + index + "}"
            #expect { _ = try ProtocolCodec.decodeRequest(line) } throws: { "\($0)".contains("out of range") && !"\($0)".contains("fractional") }
        }
        let fractional = #"{"function":"cross_entropy","format":"float32","logits":["1","2"],"target":0.5}"#
        #expect { _ = try ProtocolCodec.decodeRequest(fractional) } throws: { "\($0)".contains("fractional") }
    }

    @Test func linesSplitAtLFAndCRLF() {
        #expect(JSONLines.split("a\r\nb\r\n") == ["a", "b"])
        #expect(JSONLines.split("a\nb") == ["a", "b"])
        #expect(JSONLines.split("a\r\n\r\nb\n") == ["a", "", "b"])
        #expect(JSONLines.split("") == [])
    }
}
