import CrossCheckTestSupport
import Foundation
import Testing

/// `check` says when nothing was checked; its exhaustive sweeps refuse options they would ignore
/// and print a replay line that runs as pasted.
@Suite struct CheckStatusTests {
    @Test func nothingCheckedExitsFive() throws {
        // softmax-distribution has no cell for sigmoid: the only property run is a SKIP.
        let r = try runCrossCheck(["check", "--implementation", "reference", "--seed", "1", "--function", "sigmoid",
                                   "--property", "softmax-distribution", "--format", "float16"], input: "", in: Support.scratch())
        #expect(r.status == 5, "\(r.stdout)")
        #expect(r.stdout.contains("SKIP softmax-distribution"), "\(r.stdout)")
        #expect(r.stdout.contains("nothing checked"), "\(r.stdout)")
    }

    @Test(arguments: [["--function", "sigmoid"], ["--format", "float16"], ["--property", "limits"], ["--seed", "3"],
                      ["--output-format", "float32"], ["--examples", "4"]])
    func exhaustiveSweepsRejectCatalogOptions(_ extra: [String]) throws {
        let r = try runCrossCheck(["check", "--implementation", "reference", "--exhaustive-format", "float8_e5m2"] + extra, input: "")
        #expect(r.status == 64, "\(extra)")
        #expect(r.stderr.contains("\(extra[0]) cannot be combined with --exhaustive-format"), "\(r.stderr)")
        #expect(r.stdout.isEmpty, "nothing run: \(r.stdout)")
    }

    @Test func theExhaustiveReplayLineNamesTheExternalAndItsOptions() throws {
        let cwd = Support.scratch()
        let first = try CheckOutcomeLineTests.shell(
            "crosscheck check --external 'crosscheck eval --implementation reference' --timeout 20 --max-ulp 2 --exhaustive-format float8_e5m2", in: cwd)
        #expect(first.status == 0, "\(first.stdout)")
        let lines = first.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "crosscheck check --external 'crosscheck eval --implementation reference' --timeout 20.0 --max-ulp 2.0 --exhaustive-format float8_e5m2", "\(lines)")
        #expect(lines.contains { $0.hasPrefix("PASS sigmoid: 256 inputs") }, "\(lines)")
        let again = try CheckOutcomeLineTests.shell(lines[0], in: cwd)
        #expect(again.status == 0 && again.stdout == first.stdout, "\(again.stdout)")
    }
}

/// An audit of an external command starts one process per measuring thread and no more: the
/// preflight's process is ended, and shrinking reuses the measuring threads' processes.
@Suite struct ExternalAuditProcessTests {
    @Test func anExternalAuditStartsOneProcessPerThreadAfterThePreflight() throws {
        let cwd = Support.scratch()
        let starts = cwd.appendingPathComponent("starts").path
        let external = "echo started >> '\(starts)'; exec crosscheck eval --implementation flawed-softmax-exp-minus-lse"
        let r = try CheckOutcomeLineTests.shell(
            "crosscheck audit --external \"\(external)\" --function softmax --format float32 --class normal edge dominant "
                + "--samples 4 --max-classes 40 --threads 2 --quiet", in: cwd)
        #expect(r.status == 1, "\(r.stdout)")
        #expect(r.stdout.contains("shrunk"), "the failing cells were shrunk: \(r.stdout)")
        let started = try String(contentsOfFile: starts, encoding: .utf8).split(separator: "\n").count
        // The preflight's process, then one per thread (before: another one per thread to shrink).
        #expect(started <= 3, "\(started) processes started")
    }
}
