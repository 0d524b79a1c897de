import CrossCheckTestSupport
import CrossCheckAudit
import CrossCheckCore
import CrossCheckProtocol
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// The reports machines read parse, and say what they should.
@Suite struct ReportFormatTests {
    static let report: AuditReport = try! Support.audit("flawed-softmax-exp-minus-lse", Support.smallParameters(samples: 4))

    @Test func jsonRoundTripsAndHasItsDocumentedFields() throws {
        let text = Self.report.json()
        let decoded = try AuditReport.decode(Data(text.utf8), source: "test")
        #expect(decoded.json() == text)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["schema_version"] as? Int == 1)
        #expect(object["kind"] as? String == "crosscheck-audit-report")
        let cell = try #require((object["cells"] as? [[String: Any]])?.first)
        for key in ["function", "format", "class", "bound_ulp", "passed", "samples", "outputs", "max_ulp", "p50_ulp", "p99_ulp",
                    "mean_ulp", "sum_ulp", "wrong_non_finite", "errors", "inconclusive", "histogram", "points", "implementation_seconds"] {
            #expect(cell[key] != nil, "missing \(key)")
        }
        let failing = try #require(Self.report.cells.first { !$0.passed && $0.worst != nil })
        let request = try #require(failing.worst?.request)
        #expect(try ProtocolCodec.decodeRequest(request).function == .softmax)  // replayable
    }

    @Test func junitIsWellFormedWithOneCasePerFunctionAndFormat() throws {
        let xml = JUnitReport.render(Self.report)
        let parser = XMLParser(data: Data(xml.utf8))
        let counter = ElementCounter()
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.counts["testcase"] == 6)  // 3 functions × 2 formats
        #expect(counter.counts["testsuite"] == 2)
        #expect((counter.counts["failure"] ?? 0) >= 1)
        #expect(xml.contains("{&quot;function&quot;:&quot;softmax&quot;"))  // the failure carries the input
    }

    @Test func htmlIsSelfContainedWithPlots() {
        let html = HTMLReport.render(Self.report)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 6 + 2)  // a histogram per pair, scatter plots
        #expect(!html.contains("<script"))
        let links = html.components(separatedBy: "http").count - 1
        let namespaces = html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1
        #expect(links == namespaces)  // nothing fetched from the network
    }

    @Test func markdownHasTheTablesAndTheWorstInputs() {
        let md = MarkdownReport.render(Self.report)
        #expect(md.contains("| function | format | samples | max ulp | p50 | p99 | mean | wrong non-finite |"))
        #expect(md.contains("| function | format | class |"))
        #expect(md.contains("### Inputs that show the errors"))
        #expect(md.contains("**FAIL**"))
    }

    @Test func comparisonPutsReportsSideBySide() throws {
        let exact = try Support.audit("reference", Support.smallParameters(samples: 4))
        let table = MarkdownReport.comparison([exact, Self.report])
        #expect(table.contains("| function | format | reference | flawed-softmax-exp-minus-lse |"))
        #expect(table.contains("| softmax | float16 | 0 / 0 | "))
        #expect(table.components(separatedBy: "\n").filter { $0.hasPrefix("| ") }.count == 1 + 6)
    }

    @Test func percentilesAndBucketsAreExactWhereTheyShouldBe() {
        var s = CellStatistics(cell: AuditCell(function: .sigmoid, format: .float32, inputClass: "normal"), bound: 1)
        let p = Problem(function: .sigmoid, format: .float32, logits: Array(repeating: 0.5, count: 100))
        let expected = Array(repeating: 0.5, count: 100)
        var got = expected
        got[99] = Double(Float(0.5).nextUp.nextUp.nextUp)  // 3 ulps
        got[98] = .nan  // wrong non-finite
        s.record(sample: 0, problem: p, expected: expected, got: got, keepPoint: true)
        #expect(s.maxULP == 3 && s.wrongNonFinite == 1 && s.outputs == 100)
        #expect(s.p50 == 0 && s.p99 == 3)
        #expect(abs(s.mean - 3.0 / 99) < 1e-15)
        #expect(!s.passed)
        #expect(CellStatistics.bucket(1023) == 1023 && CellStatistics.bucket(1500) == 1408)
        #expect(ULPDistance.between(-Double.greatestFiniteMagnitude, .greatestFiniteMagnitude, in: .float64) == UInt64(0x7FEF_FFFF_FFFF_FFFF) * 2)
    }
}

/// Counts XML elements by name.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}
