import CrossCheckTestProcesses
import Foundation
import Testing

/// Runs the real `crosscheck` binary (built beside the test bundle) as a subprocess.
func runCrossCheck(_ arguments: [String], input: String, in directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    try TestProcess.crosscheck(arguments, input: input, in: directory)
}

@Suite struct EvalCommandTests {
    @Test func answersAMixedStreamLineForLine() throws {
        let requests = [
            #"{"function": "softmax", "format": "float32", "logits": ["1.5", "-inf", "0x1.8p+3"], "temperature": "0.5"}"#,
            #"{"function": "softmax", "format": "float32", "logits": ["1.5"], "temperature": "0"}"#,
            #"{oops"#,
            #"{"function": "cross_entropy", "format": "float16", "logits": ["0", "0", "0", "0"], "target": 3}"#,
            #"{"function": "cross_entropy", "format": "float16", "logits": ["0", "0"], "target": 3}"#,
            #"{"function": "bce_with_logits", "format": "float64", "logits": ["0"], "targets": ["2"]}"#,
            #"{"function": "sigmoid", "format": "float16", "logits": ["-17", "0", "inf", "nan"]}"#,
        ]
        let (status, out, _) = try runCrossCheck(["eval", "--reference"], input: requests.joined(separator: "\n") + "\n")
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        #expect(status == 1)
        #expect(lines.count == requests.count)
        #expect(lines[0] == #"{"result":["7.5825607e-10","0.0","1.0"]}"#)
        #expect(lines[1].contains(#""error":"temperature"#))
        #expect(lines[2].contains(#""error":"malformed JSON"#))
        #expect(lines[3] == #"{"result":"1.387"}"#)  // log 4 in binary16
        #expect(lines[4].contains(#""error":"target: class index 3 is out of range"#))
        #expect(lines[5].contains(#""error":"targets[0]"#))
        #expect(lines[6] == #"{"result":["6e-08","0.5","1.0","nan"]}"#)  // σ(−17) ≈ 0.69 of the least subnormal
    }

    @Test func exitsZeroWhenEveryRequestSucceeds() throws {
        let (status, out, _) = try runCrossCheck(["eval", "--reference"], input: #"{"function": "logsumexp", "format": "float64", "logits": ["0", "0"]}"# + "\n")
        #expect(status == 0)
        #expect(out == #"{"result":"0.6931471805599453"}"# + "\n")
    }

    @Test func unknownImplementationIsAClearError() throws {
        let (status, _, err) = try runCrossCheck(["eval", "--implementation", "nope"], input: "")
        #expect(status != 0)
        #expect(status == 64 && err.contains("'nope' is invalid for '--implementation") && err.contains("reference"))
    }
}

/// A whole reference run in its own process frees every mpfr_t and mpq_t it made: what is left at
/// exit is the same handful of static constants after 4 requests as after 400.
@Suite struct ReferenceMemoryTests {
    func liveHandles(requests: Int) throws -> String {
        let lines = (0..<requests).map { i in
            #"{"function":"mse_softmax_grad","format":"float64","logits":["\#(i)","0","-1e300","2.5"],"target":1}"#
        }
        setenv("CROSSCHECK_REPORT_LIVE_HANDLES", "1", 1)
        defer { unsetenv("CROSSCHECK_REPORT_LIVE_HANDLES") }
        let (status, out, err) = try runCrossCheck(["eval", "--reference"], input: lines.joined(separator: "\n") + "\n")
        #expect(status == 0)
        #expect(out.split(separator: "\n").count == requests)
        return err.split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test func nothingIsLeftBehind() throws {
        let few = try liveHandles(requests: 4), many = try liveHandles(requests: 400)
        #expect(few.hasPrefix("live mpfr_t: "))
        #expect(few == many, "after 4 requests: \(few); after 400: \(many)")
    }
}
