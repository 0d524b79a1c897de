import CrossCheckTestSupport
import CrossCheckAudit
import CrossCheckCatalog
import CrossCheckCore
import Foundation
import Testing

/// Splitting the work — over threads or shards — never changes the report.
@Suite struct ShardAndDeterminismTests {
    @Test func reportsAreByteIdenticalWhateverTheThreadCount() throws {
        let parameters = Support.smallParameters()
        let texts = try [1, 2, 3].map { try Support.audit("flawed-lse-no-log1p", parameters, threads: $0).json(timing: false) }
        #expect(texts[0] == texts[1])
        #expect(texts[0] == texts[2])
        #expect(texts[0].contains("\"schema_version\": 1"))
        #expect(!texts[0].contains("seconds"))
    }

    @Test func shardsMergeToTheUnshardedReport() throws {
        let whole = try Support.audit("flawed-ce-on-softmax", Support.smallParameters(samples: 7))
        var shards: [(source: String, report: AuditReport)] = []
        for i in [2, 0, 1] {  // any order
            let shard = try Support.audit("flawed-ce-on-softmax", Support.smallParameters(samples: 7, shard: Shard(index: i, count: 3)))
            #expect(shard.cells.allSatisfy { $0.samples <= 3 })
            // Through JSON, as `crosscheck merge` reads them.
            shards.append(("shard\(i).json", try AuditReport.decode(Data(shard.json().utf8), source: "shard\(i).json")))
        }
        let merged = try AuditReport.merge(shards)
        #expect(merged.withoutTiming == whole.withoutTiming)
        #expect(merged.json(timing: false) == whole.json(timing: false))
        #expect(!merged.passed)  // the flawed implementation is caught in the merge as in the whole
    }

    @Test func mergeRefusesIncompleteDuplicateOrMismatchedShards() throws {
        let a = try Support.audit("reference", Support.smallParameters(samples: 2, shard: Shard(index: 0, count: 2)))
        let b = try Support.audit("reference", Support.smallParameters(samples: 2, shard: Shard(index: 1, count: 2)))
        let missing = auditError { try AuditReport.merge([("a", a)]) }
        #expect(missing?.message.contains("1/2 are missing") == true || missing?.message.contains("shards 1/2") == true)
        #expect(missing?.kind == .badInput)
        #expect(auditError { try AuditReport.merge([("a", a), ("a again", a)]) }?.message.contains("both shard 0/2") == true)
        var other = b
        other.parameters.seed = 99
        #expect(auditError { try AuditReport.merge([("a", a), ("other", other)]) }?.message.contains("other parameters") == true)
        #expect(try AuditReport.merge([("a", a)], allowPartial: true).cells.count == a.cells.count)
    }

    @Test func shardSyntaxErrorsAreClear() {
        for (text, expected) in [("3/3", "must be in 0..<3"), ("1/0", "at least 1"), ("a/b", "expected INDEX/COUNT"), ("2", "expected INDEX/COUNT"), ("-1/4", "must be in 0..<4")] {
            let e = auditError { try Shard(parsing: text) }
            #expect(e?.kind == .usage, "\(text)")
            #expect(e?.message.contains(expected) == true, "\(text) → \(e?.message ?? "no error")")
        }
        #expect((try? Shard(parsing: "1/4"))?.contains(5) == true)
    }

    @Test func exhaustiveCoversEveryBitPatternOnce() throws {
        var seen = Set<UInt16>()
        for block in 0..<ExhaustiveSweep.blockCount(.float16) {
            for x in ExhaustiveSweep.values(.float16, block: block) where !x.isNaN { seen.insert(Float16(x).bitPattern) }
        }
        #expect(seen.count == 65536 - 2046)  // every non-NaN Float16 value (NaN payloads collapse to "nan")
        let plan = try AuditPlan(AuditParameters(mode: .exhaustive, functions: [.sigmoid, .bceWithLogits], formats: [.float16, .float32],
                                                 shard: Shard(index: 5, count: 1 << 16)))
        #expect(plan.cells.map(\.inputClass) == ["all", "all", "t=0", "t=0.5", "t=1", "t=0", "t=0.5", "t=1"])
        #expect(plan.counts == [1, 256, 1, 1, 1, 256, 256, 256])  // Float16 has 2^8 blocks (block 5 is this shard's), Float 2^24
        let e = auditError { try AuditPlan(AuditParameters(mode: .exhaustive, functions: [.mseSoftmax])) }
        #expect(e?.kind == .usage)
        #expect(e?.message.contains("two-class rows") == true && e?.message.contains("mse_softmax takes longer rows") == true)
    }

    /// The two-class rows [0, x]: a block is 256 rows (one sample of the plan, 256 problems), the
    /// golden vectors have a line per row, and a Float16 shard of each function is correctly
    /// rounded against itself.
    @Test func exhaustiveTwoClassRows() throws {
        let functions: [SoftmaxFunction] = [.logsumexp, .softmax, .logSoftmax, .crossEntropy]
        let parameters = AuditParameters(mode: .exhaustive, functions: functions, formats: [.float16], shard: try Shard(index: 60, count: 256))
        let plan = try AuditPlan(parameters)
        #expect(plan.cells.map(\.inputClass) == Array(repeating: ExhaustiveSweep.twoClassRows, count: 4))
        #expect(plan.counts == [1, 1, 1, 1])
        let rows = plan.problems(plan.cells[3], 60)
        #expect(rows.count == 256 && rows.allSatisfy { $0.logits.count == 2 && $0.logits[0] == 0 && $0.target == .classIndex(1) })
        let bits: [UInt16] = rows.map { Float16($0.logits[1]).bitPattern }
        let block: [UInt16] = (0..<256).map { UInt16(60 * 256 + $0) }
        #expect(bits == block)
        let report = try Support.audit("reference", parameters)
        #expect(report.cells.map(\.samples) == [256, 256, 256, 256])
        #expect(report.cells.map(\.outputs) == [256, 512, 512, 256])
        #expect(report.passed && report.cells.allSatisfy { $0.maxULP == 0 && $0.points.count == 1 })
        let line = MarkdownReport.describe(report, timing: false)
        #expect(line.contains("rows [0, x]") && !line.contains("targets"), "\(line)")
        let dir = Support.scratch()
        let written = try GoldenVectors.write(plan, to: dir, threads: 2)
        #expect(written.written == 4 * 256 && written.skipped == 0)
    }

    @Test func exhaustiveFloat16ShardAgreesWithTheReference() throws {
        let parameters = AuditParameters(mode: .exhaustive, functions: [.sigmoid], formats: [.float16], shard: try Shard(index: 1, count: 32))
        let report = try Support.audit("reference", parameters)
        #expect(report.cells.count == 1)
        #expect(report.cells[0].outputs == 8 * 256)
        #expect(report.cells[0].maxULP == 0 && report.passed)
    }
}
