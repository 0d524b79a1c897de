import Foundation
import Testing

/// `crosscheck bench`: one JSON line per measurement with the fields the issue names; bad options
/// are refused with a usage error (exit 64) before anything is allocated or timed. No timing is
/// asserted (the machines are shared).
@Suite struct BenchCommandTests {
    @Test func printsOneJSONLinePerMeasurement() throws {
        let r = try runCrossCheck(["bench", "--function", "softmax", "cross_entropy_grad", "--format", "float16", "float64",
                                   "--rows", "3", "--classes", "17", "--threads", "1", "2", "--repeats", "1", "--sample-seconds", "0.001"], input: "")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 8)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            for key in ["function", "format", "rows", "classes", "threads", "elements_per_second"] {
                #expect(object?[key] != nil, "\(key) missing in \(line)")
            }
            #expect((object?["elements_per_second"] as? Double ?? 0) > 0)
        }
    }

    @Test func printsATableWithTableAndSpeedsRelativeToCopy() throws {
        let r = try runCrossCheck(["bench", "--function", "softmax", "copy", "--format", "float32", "--rows", "3", "--classes", "17",
                                   "--threads", "1", "--repeats", "1", "--sample-seconds", "0.001", "--table"], input: "")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(r.stdout)")  // header, rule, copy, softmax
        #expect(lines[0].hasPrefix("function") && lines[0].contains("M elem/s") && lines[0].contains("× copy"))
        #expect(lines[2].hasPrefix("copy") && lines[2].contains("1.00"), "\(lines[2])")  // copy first, relative to itself
        #expect(lines[3].hasPrefix("softmax") && lines[3].contains("3 × 17"), "\(lines[3])")
        #expect(!r.stdout.contains("{"))
    }

    /// --targets gives the row functions target vectors (and the elementwise ones other targets);
    /// every line names them.
    @Test(arguments: ["soft", "near-prediction"])
    func targetVectorsAreNamedInEveryLine(_ targets: String) throws {
        let r = try runCrossCheck(["bench", "--function", "cross_entropy_grad", "mse_softmax", "mse_sigmoid_grad", "--format", "float64",
                                   "--rows", "2", "--classes", "9", "--targets", targets, "--repeats", "1", "--sample-seconds", "0.001", "--json"], input: "")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["targets"] as? String == targets, "\(line)")
            #expect((object?["elements_per_second"] as? Double ?? 0) > 0)
        }
    }

    /// --output-format float32 times the mixed-precision calls (autocast); each line names both formats.
    @Test func mixedPrecisionLinesNameBothFormats() throws {
        let r = try runCrossCheck(["bench", "--format", "bfloat16", "float16", "--output-format", "float32", "--rows", "2", "--classes", "33",
                                   "--repeats", "1", "--sample-seconds", "0.001", "--json"], input: "")
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 8)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(["bfloat16", "float16"].contains(object?["format"] as? String ?? ""), "\(line)")
            #expect(object?["output_format"] as? String == "float32", "\(line)")
            #expect((object?["elements_per_second"] as? Double ?? 0) > 0)
        }
    }

    @Test func jsonAndTableTogetherAreAUsageError() throws {
        let r = try runCrossCheck(["bench", "--json", "--table", "--rows", "1", "--classes", "1"], input: "")
        #expect(r.status == 64)
    }

    @Test("bad options are usage errors", arguments: [
        ["--format", "float8"], ["--rows", "10"], ["--rows", "0", "--classes", "5"], ["--threads=-1"], ["--isa", "bogus"],
        ["--function", "nope"], ["--temperature", "0"], ["--targets", "hard"], ["--rows", "1000000000", "--classes", "1000000000"],
        ["--format", "float32", "--output-format", "float32"], ["--format", "bfloat16", "--output-format", "float64"],
        ["--format", "bfloat16", "--output-format", "float32", "--function", "mse_softmax"],
        ["--format", "float16", "--output-format", "float32", "--targets", "soft"],
    ])
    func badOptions(arguments: [String]) throws {
        let r = try runCrossCheck(["bench"] + arguments, input: "")
        #expect(r.status == 64, "\(arguments): \(r.status) \(r.stderr)")
        #expect(r.stderr.contains("Error: "))
        #expect(r.stdout.isEmpty)
    }
}
