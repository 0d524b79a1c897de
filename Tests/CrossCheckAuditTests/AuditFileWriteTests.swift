import CrossCheckAudit
import CrossCheckTestSupport
import Foundation
import Testing

/// The audit's files are written with `AtomicFile`; a file that cannot be written is bad input.
@Suite struct AuditFileWriteTests {
    @Test func aBaselineThatCannotBeWrittenIsBadInputNamingThePath() throws {
        let dir = Support.scratch()
        let report = try Support.audit("reference", AuditParameters(seed: 1, samples: 1, maxClasses: 8, functions: [.softmax],
                                                                   formats: [.float32], classes: ["normal"]))
        let blocked = dir.appendingPathComponent("baseline.json")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("x"), withIntermediateDirectories: true)
        let error = auditError { try Baseline(report).write(to: blocked) }
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains(blocked.path) == true, "\(String(describing: error))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["baseline.json"], "no temporary file left")
    }
}
