import CrossCheckAudit
import CrossCheckTestSupport
import Foundation
import Testing

/// Numbers read from reports and baselines are range-checked: a crafted file is an error naming
/// the field, never a trap in merge, compare or gate.
@Suite struct CraftedNumberTests {
    /// A report's JSON text with `cells[0][field]` replaced by the raw JSON `raw`.
    static func craft(_ json: String, cellField field: String, raw: String) throws -> String {
        var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        var cells = object["cells"] as! [[String: Any]]
        cells[0][field] = "@@CRAFTED@@"
        object["cells"] = cells
        let text = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        return text.replacingOccurrences(of: "\"@@CRAFTED@@\"", with: raw)
    }

    static let report = try! Support.audit("reference", Support.smallParameters(samples: 2))

    static let craftedReports: [(field: String, raw: String)] = [
        ("samples", "9223372036854775807"), ("outputs", "-1"), ("errors", "1125899906842625"),
        ("histogram", "[[0, 18446744073709551615]]"), ("histogram", "[[0, 1], [0, 2]]"), ("histogram", "[[5, 1]]"),
        ("points", "[[1e300, 2, 0, 0, 0]]"), ("points", "[[1, 2, 0, 0, 7]]"),
        ("sum_ulp", "\"340282366920938463463374607431768211455\""), ("bound_ulp", "-1"),
    ]

    @Test(arguments: craftedReports)
    func aCraftedReportNamesTheField(field: String, raw: String) throws {
        let text = try Self.craft(Self.report.json(), cellField: field, raw: raw)
        let error = auditError { try AuditReport.decode(Data(text.utf8), source: "crafted.json") }
        #expect(error?.kind == .badInput, "\(field): \(raw)")
        #expect(error?.message.contains(field) == true, "\(error?.message ?? "no error")")
    }

    @Test(arguments: [("errors", "9223372036854775807"), ("wrong_non_finite", "-3")])
    func aCraftedBaselineNamesTheField(field: String, raw: String) throws {
        let dir = Support.scratch(), url = dir.appendingPathComponent("baseline.json")
        let text = try Self.craft(JSONText.render(Baseline(Self.report)), cellField: field, raw: raw)
        try text.write(to: url, atomically: true, encoding: .utf8)
        let error = auditError { try Baseline.read(url) }
        #expect(error?.kind == .badBaseline)
        #expect(error?.message.contains(field) == true, "\(error?.message ?? "no error")")
    }

    @Test func craftedParametersAreBadInputNotUsage() throws {
        var object = try JSONSerialization.jsonObject(with: Data(Self.report.json().utf8)) as! [String: Any]
        var parameters = object["parameters"] as! [String: Any]
        parameters["samples"] = Int.max
        object["parameters"] = parameters
        let error = auditError { try AuditReport.decode(try JSONSerialization.data(withJSONObject: object), source: "crafted.json") }
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains("parameters: --samples must be in 1...1000000000") == true, "\(error?.message ?? "no error")")
    }

    @Test func aHugeShardCountIsMergedWithoutListingEveryMissingShard() throws {
        var shard = Self.report
        shard.parameters.shard = try Shard(index: 0, count: 1 << 40)
        let error = auditError { try AuditReport.merge([("a.json", shard)]) }
        #expect(error?.message.contains("and 1099511627767 more are missing") == true, "\(error?.message ?? "no error")")
    }

    @Test func mergesSaturateInsteadOfTrapping() {
        var a = Self.report.cells[0]
        a.samples = .max
        a.sumULP = .max
        a.merge(Self.report.cells[0])
        #expect(a.samples == .max && a.sumULP == .max)
    }
}
