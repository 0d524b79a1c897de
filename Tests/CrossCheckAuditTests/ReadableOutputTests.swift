import CrossCheckTestSupport
import CrossCheckAudit
import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProtocol
import CrossCheckReference
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

    /// A mixed-precision cell (bfloat16 inputs, float32 results) is shrunk in its output format:
    /// the error is in float32 ulps (the flawed softmax answers bfloat16 values, far from the
    /// float32 result), and the values are written as float32 numbers.
    @Test func aMixedPrecisionWorstInputIsShrunkInItsOutputFormat() throws {
        let parameters = AuditParameters(seed: 7, samples: 4, maxClasses: 40, functions: [.softmax], formats: [.float32],
                                         classes: ["normal", "edge"], mixedPrecisionPairs: [FormatPair(.bfloat16, .float32)])
        let report = try Support.audit("flawed-softmax-exp-minus-lse", parameters)
        let mixed = report.cells.filter { $0.cell.outputFormat != $0.cell.format && !$0.passed }
        #expect(!mixed.isEmpty)
        var shrunkCount = 0
        for cell in mixed {
            guard let shrunk = cell.worst?.shrunk else { continue }
            shrunkCount += 1
            let small = try ProtocolCodec.decodeRequest(shrunk.request)
            #expect(small.format == .bfloat16 && small.outputFormat == .float32)
            #expect(shrunk.ulp > cell.bound, "\(cell.cell): \(shrunk)")
            let expected = try ReferenceImplementation().evaluate(small).values[shrunk.output]
            #expect(shrunk.expected == FloatFormat.float32.format(expected), "\(shrunk.expected) is not the float32 \(expected)")
            let got = try FlawedImplementation(.softmaxFromRoundedLSE).evaluate(small).values[shrunk.output]
            #expect(shrunk.got == FloatFormat.float32.format(got))
            #expect(Double(FloatFormat.float32.ulpDistance(got, expected)) == shrunk.ulp)
        }
        #expect(shrunkCount > 0)
    }
}
