import CrossCheckAudit
import CrossCheckTestSupport
import CrossCheckTestProcesses
import Foundation
import Testing

/// Numbers from the command line and the environment: out of range is a usage error with a
/// message, never a crash; CRLF files read like LF ones.
@Suite struct OptionRangeTests {
    @Test(arguments: [
        ["audit", "--samples", "9223372036854775807"], ["audit", "--samples", "-5"],
        ["audit", "--shard", "0/9223372036854775807"], ["audit", "--max-classes", "4611686018427387904"],
        ["audit", "--max-classes", "-1"], ["audit", "--threads", "-2"], ["audit", "--timeout", "-1"],
        ["audit", "--max-ulp", "-0.5"], ["check", "--examples", "-3"], ["check", "--examples", "9223372036854775807"],
        ["bench", "--sample-seconds", "nan"], ["bench", "--sample-seconds", "-1"], ["bench", "--repeats", "-1"],
        ["gate", "--baseline", "x.json", "--tolerance", "-1"],
    ])
    func outOfRangeOptionsAreUsageErrors(_ arguments: [String]) {
        #expect(CommandSupport.exitStatus(arguments + ["--quiet"].filter { _ in arguments[0] == "audit" }) == 64, "\(arguments)")
    }

    @Test func aBogusKernelISAIsWarnedAbout() throws {
        let text = try TestProcess.crosscheck(["eval", "--help"], environment: ["CROSSCHECK_KERNELS_ISA": "avx9000"]).stderr
        #expect(text.contains("warning: CROSSCHECK_KERNELS_ISA=avx9000 is not one of avx512, avx2, portable"), "\(text)")
    }

    @Test func crlfVectorsAndAnswersScore() throws {
        let dir = Support.scratch()
        _ = try VectorsAndCommandTests.scoreOffline("reference", dir: dir)
        for name in ["vectors.jsonl", "answers-reference.jsonl"] {
            let url = dir.appendingPathComponent(name)
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(of: "\n", with: "\r\n").write(to: url, atomically: true, encoding: .utf8)
        }
        let report = try GoldenVectors.score(vectors: dir.appendingPathComponent("vectors.jsonl"),
                                             answers: dir.appendingPathComponent("answers-reference.jsonl"), name: "reference", bound: 1)
        #expect(report.passed && report.cells.allSatisfy { $0.samples == 3 })
    }
}
