import CrossCheckTestSupport
import Foundation
import Testing

/// CI/exhaustive-campaign.sh: shards spread with xargs -P, merged with `crosscheck merge`, resumed
/// without redoing finished shards.
@Suite struct CampaignScriptTests {
    static let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("crosscheck").path

    func campaign(_ arguments: [String], dir: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [Support.root.appendingPathComponent("CI/exhaustive-campaign.sh").path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["CROSSCHECK": Self.binary, "DIR": dir.path, "JOBS": "2"]) { $1 }
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
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
}
