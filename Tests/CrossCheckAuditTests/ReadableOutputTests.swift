import CrossCheckTestSupport
import CrossCheckAudit
import CrossCheckCore
import CrossCheckProtocol
import Foundation
import Testing

/// What people read stays readable: long request lines shortened (the JSON keeps them whole), and
/// the worst input of a cell above its bound shrunk to a smaller one that still shows the error.
@Suite struct ReadableOutputTests {
    static let longLine = ProtocolCodec.encodeRequest(
        Problem(function: .softmax, format: .float32, logits: (0..<4096).map { Double($0) / 8 }, temperature: 0.5))

    @Test func longRequestLinesAreShortenedWithTheirValueCount() throws {
        let short = RequestLineAbbreviation.abbreviate(Self.longLine)
        #expect(Self.longLine.count > 20_000)
        #expect(short.count <= 220, "\(short.count): \(short)")
        #expect(short.contains("…(4096 values)]"))
        #expect(short.hasPrefix("{\"function\":\"softmax\",\"format\":\"float32\",\"logits\":[\"0.0\","))
        #expect(short.contains("\"temperature\":\"0.5\""))  // scalar fields are kept
        let small = #"{"function":"softmax","format":"float32","logits":["1.0","2.0"]}"#
        #expect(RequestLineAbbreviation.abbreviate(small) == small)
    }

    @Test func theWorstInputAboveTheBoundIsShrunkAndStillFails() throws {
        let report = try Support.audit("flawed-softmax-exp-minus-lse", Support.smallParameters(samples: 4))
        let failing = report.cells.filter { cell in cell.worst.map { ($0.ulp ?? 0) > cell.bound } ?? false }
        #expect(!failing.isEmpty)
        var shrunkCount = 0
        for cell in failing {
            guard let worst = cell.worst, let shrunk = worst.shrunk else { continue }
            shrunkCount += 1
            let original = try ProtocolCodec.decodeRequest(worst.request), small = try ProtocolCodec.decodeRequest(shrunk.request)
            #expect(small.logits.count <= original.logits.count)
            #expect(small != original)
            #expect(shrunk.ulp > cell.bound, "\(cell.cell): \(shrunk)")
            #expect(small.function == cell.cell.function && small.format == cell.cell.format)
        }
        #expect(shrunkCount > 0)
        // Cells within their bound are not shrunk.
        #expect(report.cells.filter { $0.passed }.allSatisfy { $0.worst?.shrunk == nil })
        // It shows in the Markdown and survives the JSON.
        #expect(MarkdownReport.render(report).contains("shrunk: output"))
        let decoded = try AuditReport.decode(Data(report.json().utf8), source: "test")
        #expect(decoded.cells.map(\.worst) == report.cells.map(\.worst))
    }
}
