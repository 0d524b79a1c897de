import CrossCheckCore
import CrossCheckProtocol
import CrossCheckReference
import Foundation
import Testing

/// The golden vectors under Fixtures/golden were computed with mpmath (interval arithmetic, a
/// Ziv loop of its own, its own rounding to each format) — independently of MPFR. The reference
/// must reproduce every one exactly: same value, same sign of zero, NaN where NaN.
@Suite struct GoldenVectorTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden")

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    @Test func everyFunctionHasGoldenVectors() {
        let names = Set(Self.files.map { String($0.dropLast(".jsonl".count)) })
        for f in SoftmaxFunction.allCases {
            #expect(names.contains(f.name), "no golden vectors for \(f.name)")
        }
    }

    @Test(arguments: files)
    func referenceReproducesGoldenVectors(_ file: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
        let reference = ReferenceImplementation()
        var checked = 0
        for (number, line) in text.split(separator: "\n").enumerated() where !line.isEmpty {
            guard case .object(let fields) = try JSONValue.parse(String(line)),
                  let request = fields["request"], let answer = fields["answer"] else {
                Issue.record("\(file):\(number + 1): not a golden vector line")
                continue
            }
            let requestLine = try JSONEncoder().encode(request).map { Character(Unicode.Scalar($0)) }
            let problem = try ProtocolCodec.decodeRequest(String(requestLine))
            let expected = try ProtocolCodec.decodeAnswer(String(try JSONEncoder().encode(answer).map { Character(Unicode.Scalar($0)) }), for: problem)
            let got = try reference.evaluate(problem)
            let same = got.values.count == expected.values.count && zip(got.values, expected.values).allSatisfy {
                ($0.isNaN && $1.isNaN) || $0.bitPattern == $1.bitPattern
            }
            #expect(same, "\(file):\(number + 1): \(ProtocolCodec.encodeRequest(problem)) gave \(ProtocolCodec.encode(got, format: problem.format)), golden \(ProtocolCodec.encode(expected, format: problem.format))")
            checked += 1
        }
        #expect(checked > 0)
    }
}

extension JSONValue: Encodable {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
