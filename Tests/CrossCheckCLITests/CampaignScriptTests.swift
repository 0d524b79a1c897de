import CrossCheckTestProcesses
import CrossCheckTestSupport
import Foundation
import Testing

/// CI/exhaustive-campaign.sh: shards spread with xargs -P, merged with `crosscheck merge`, resumed
/// without redoing finished shards.
@Suite struct CampaignScriptTests {
    func campaign(_ arguments: [String], dir: URL, environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestProcess.run("/bin/sh", [Support.root.appendingPathComponent("CI/exhaustive-campaign.sh").path] + arguments,
                            environment: ["CROSSCHECK": TestProcess.crosscheck, "DIR": dir.path, "JOBS": "2"].merging(environment) { $1 })
    }

    @Test func aStoppedCampaignResumesWithoutRedoingFinishedShards() throws {
        let dir = Support.scratch()
        // Shards 0…3 of 8: a partial merge.
        let first = try campaign(["sigmoid", "float16", "8", "0", "3"], dir: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("0 already done"))
        #expect(first.stdout.contains("| sigmoid | float16 | 128 | 0 |"), "half of the 256 blocks: \(first.stdout)")
        let shard1 = dir.appendingPathComponent("shard-1.json")
        let written = try FileManager.default.attributesOfItem(atPath: shard1.path)[.modificationDate] as? Date
        // Shard 2 "was stopped": no report. The whole range now: 3 shards are kept, 5 run.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("shard-2.json"))
        let second = try campaign(["sigmoid", "float16", "8"], dir: dir)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("3 already done"), "\(second.stderr)")
        #expect(second.stderr.contains("ran 5 shards"), "\(second.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: shard1.path)[.modificationDate] as? Date == written)
        // The merge of all 8 is the whole Float16 sweep: 256 blocks, every one correctly rounded.
        #expect(second.stdout.contains("| sigmoid | float16 | 256 | 0 |"), "\(second.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("merged.json").path))
    }

    @Test func badArgumentsAreRefused() throws {
        let dir = Support.scratch()
        #expect(try campaign(["sigmoid", "float16"], dir: dir).status == 2)
        let r = try campaign(["sigmoid", "float16", "8", "5", "9"], dir: dir)
        #expect(r.status == 2 && r.stderr.contains("FIRST ≤ LAST < COUNT"))
        #expect(try campaign(["sigmoid", "float16", "x8"], dir: dir).status == 2)
    }

    @Test func aShardThatErrorsEndsTheCampaignWithStatusTwoAndNoMerge() throws {
        // An implementation crosscheck does not know: every shard's audit is a usage error (64).
        let dir = Support.scratch()
        let r = try campaign(["sigmoid", "float16", "4"], dir: dir, environment: ["IMPLEMENTATION": "no-such-implementation"])
        #expect(r.status == 2, "the documented status for an error of the run, not xargs' 123: \(r.status) \(r.stderr)")
        #expect(r.stderr.contains("error: a shard failed"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("merged.json").path), "nothing merged")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("shard-0.json").path))
    }
}
