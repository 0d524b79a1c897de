import CrossCheckCore
import CrossCheckProtocol
import CrossCheckReference
import Foundation
import Testing

/// The golden vectors under Fixtures/golden were computed with mpmath (interval arithmetic, a
/// Ziv loop of its own, its own rounding to each format) — independently of MPFR. The reference
/// must reproduce every one exactly: same value, same sign of zero, NaN where NaN.
@Suite struct GoldenVectorTests {
    static let directory = packageRoot.appendingPathComponent("Fixtures/golden")

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
        let reference = ReferenceImplementation()
        var checked = 0
        for (number, problem, expected) in try storedAnswers(Self.directory.appendingPathComponent(file)) {
            let got = try reference.evaluate(problem)
            #expect(sameBits(got.values, expected.values, nanMatchesNaN: true), "\(file):\(number): \(ProtocolCodec.encodeRequest(problem)) gave \(ProtocolCodec.encode(got, format: problem.format)), golden \(ProtocolCodec.encode(expected, format: problem.format))")
            checked += 1
        }
        #expect(checked > 0)
    }
}
