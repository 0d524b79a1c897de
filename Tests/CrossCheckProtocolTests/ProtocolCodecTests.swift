import CrossCheckCore
import CrossCheckProtocol
import Testing

@Suite struct ProtocolCodecTests {
    @Test func decodesTheDocumentedExample() throws {
        let p = try ProtocolCodec.decodeRequest(#"{"function": "softmax", "format": "float32", "logits": ["1.5", "-inf", "0x1.8p+3"], "temperature": "0.5"}"#)
        #expect(p.function == .softmax)
        #expect(p.format == .float32)
        #expect(p.logits == [1.5, -.infinity, 12])
        #expect(p.temperature == 0.5)
        #expect(p.target == nil)
    }

    @Test func readsNumbersAsTheNearestValueOfTheFormat() throws {
        let p = try ProtocolCodec.decodeRequest(#"{"function": "sigmoid", "format": "float16", "logits": ["0.1", "1e10", "1.00048828125000001"]}"#)
        #expect(p.logits == [Double(Float16(0.1)), .infinity, 1 + 0x1p-10])
    }

    @Test func targetsAndClassIndices() throws {
        let hard = try ProtocolCodec.decodeRequest(#"{"function": "cross_entropy", "format": "float64", "logits": ["1", "2"], "target": 1}"#)
        #expect(hard.target == .classIndex(1))
        let soft = try ProtocolCodec.decodeRequest(#"{"function": "cross_entropy", "format": "float64", "logits": ["1", "2"], "targets": ["0.25", "0.75"]}"#)
        #expect(soft.target == .vector([0.25, 0.75]))
    }

    /// Each kind of bad request, and a word its error message must contain.
    static let badRequests: [(String, String)] = [
        (#"{"function": "softmax", "format": "float32", "logits": ["1"]"#, "malformed JSON"),
        (#"["softmax"]"#, "JSON object"),
        (#"{"function": "softmaxx", "format": "float32", "logits": ["1"]}"#, "function"),
        (#"{"function": "softmax", "format": "float8", "logits": ["1"]}"#, "format"),
        (#"{"format": "float32", "logits": ["1"]}"#, "function"),
        (#"{"function": "softmax", "logits": ["1"]}"#, "format"),
        (#"{"function": "softmax", "format": "float32"}"#, "logits"),
        (#"{"function": "softmax", "format": "float32", "logits": [1.5]}"#, "logits[0]"),
        (#"{"function": "softmax", "format": "float32", "logits": ["1", "abc"]}"#, "logits[1]"),
        (#"{"function": "softmax", "format": "float32", "logits": "1"}"#, "logits"),
        (#"{"function": "softmax", "format": "float32", "logits": []}"#, "logits"),
        (#"{"function": "softmax", "format": "float32", "logits": ["1"], "temperature": "0"}"#, "temperature"),
        (#"{"function": "softmax", "format": "float32", "logits": ["1"], "temperature": "-1"}"#, "temperature"),
        (#"{"function": "softmax", "format": "float32", "logits": ["1"], "temperature": "inf"}"#, "temperature"),
        (#"{"function": "softmax", "format": "float32", "logits": ["1"], "temperature": "nan"}"#, "temperature"),
        (#"{"function": "softmax", "format": "float32", "logits": ["1"], "temperature": 2}"#, "temperature"),
        (#"{"function": "cross_entropy", "format": "float32", "logits": ["1", "2"], "target": 2}"#, "target"),
        (#"{"function": "cross_entropy", "format": "float32", "logits": ["1", "2"], "target": -1}"#, "target"),
        (#"{"function": "cross_entropy", "format": "float32", "logits": ["1", "2"], "target": 0.5}"#, "target"),
        (#"{"function": "cross_entropy", "format": "float32", "logits": ["1", "2"], "target": "1"}"#, "target"),
        (#"{"function": "cross_entropy", "format": "float32", "logits": ["1", "2"]}"#, "target"),
        (#"{"function": "cross_entropy", "format": "float32", "logits": ["1", "2"], "targets": ["1"]}"#, "targets"),
        (#"{"function": "cross_entropy", "format": "float32", "logits": ["1", "2"], "target": 1, "targets": ["0", "1"]}"#, "target"),
        (#"{"function": "cross_entropy", "format": "float32", "logits": ["1", "2"], "targets": ["inf", "0"]}"#, "targets[0]"),
        (#"{"function": "bce_with_logits", "format": "float32", "logits": ["1", "2"], "targets": ["1.5", "0"]}"#, "targets[0]"),
        (#"{"function": "bce_with_logits", "format": "float32", "logits": ["1", "2"], "targets": ["0", "-0.25"]}"#, "targets[1]"),
        (#"{"function": "bce_with_logits", "format": "float32", "logits": ["1"], "target": 0}"#, "target"),
        (#"{"function": "sigmoid", "format": "float32", "logits": ["1"], "temperature": "2"}"#, "temperature"),
        (#"{"function": "softmax", "format": "float32", "logits": ["1"], "target": 0}"#, "target"),
        (#"{"function": "softmax", "format": "float32", "logits": ["1"], "temprature": "2"}"#, "temprature"),
    ]

    @Test(arguments: badRequests)
    func badRequestsNameTheField(_ request: String, _ word: String) {
        do {
            _ = try ProtocolCodec.decodeRequest(request)
            Issue.record("accepted a bad request: \(request)")
        } catch {
            #expect(error.message.contains(word), "\(error.message) should mention \(word)")
        }
    }

    @Test func answersAreShortestRoundTripStrings() {
        #expect(ProtocolCodec.encode(.scalar(0.25), format: .float32) == #"{"result":"0.25"}"#)
        #expect(ProtocolCodec.encode(.vector([0.5, -.infinity, .nan, -0.0]), format: .float64)
                == #"{"result":["0.5","-inf","nan","-0.0"]}"#)
        let third = Double(Float(1.0 / 3.0))
        #expect(ProtocolCodec.encode(.scalar(third), format: .float32) == #"{"result":"0.33333334"}"#)
        #expect(ProtocolCodec.encodeError("a \"quoted\"\nword") == #"{"error":"a \"quoted\"\nword"}"#)
    }

    @Test func requestsRoundTripThroughTheirEncoding() throws {
        let problems = [
            Problem(function: .crossEntropyGrad, format: .float16, logits: [1, -.infinity, 0x1p-24], temperature: 0.5, target: .classIndex(2)),
            Problem(function: .bceWithLogits, format: .float64, logits: [1e300, -0.0], target: .vector([0.25, 1])),
            Problem(function: .softmax, format: .float32, logits: [Double(Float.greatestFiniteMagnitude), .nan]),
        ]
        for p in problems {
            let back = try ProtocolCodec.decodeRequest(ProtocolCodec.encodeRequest(p))
            #expect(back.function == p.function && back.format == p.format && back.temperature == p.temperature)
            #expect(zip(back.logits, p.logits).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) })
            #expect(back.target == p.target)
        }
    }
}

@Suite struct ULPDistanceTests {
    @Test func countsExactlyInBinary64() {
        let x = 0x1.123456789abcdp+1000
        #expect(FloatFormat.float64.ulpDistance(x.nextUp, x) == 1)
        #expect(FloatFormat.float64.ulpDistance(-x, -x.nextUp) == 1)
        #expect(FloatFormat.float64.ulpDistance(.greatestFiniteMagnitude, -.greatestFiniteMagnitude) > 1e19)
        #expect(FloatFormat.float16.ulpDistance(1, Double(Float16(1).nextUp)) == 1)
        #expect(FloatFormat.float32.ulpDistance(0.0, -0.0) == 0)
    }
}
