import CrossCheckCore
import CrossCheckKernels
import CrossCheckProperties
import CrossCheckReference
import Foundation
import Testing

/// bfloat16 rows in Float lanes (`bf16_lanes.h`): batches (so that each row's phase 2 runs inside
/// the next row's loop) of rows that reach every branch of that path — a spread z − m beyond
/// Float's range, masked classes, outputs in the subnormal range and below it, ties, tails of
/// every length, rows past the 512-element flush of the Float sums, an LSE that cancels — at temperatures on both
/// sides of the Float-lane range 2⁻¹⁰⁰ ≤ 1/T ≤ 2⁸ and where the CE gradient's c·2⁻⁶⁴ leaves
/// Float's normal range (applied in Double), on every instruction set: within 1 ulp of the
/// reference, and the same bits on every path.
@Suite("bfloat16 in Float lanes", .serialized)
struct BFloat16LaneTests {
    static let temperatures: [Double] = [1, 0.75, 0x1p-8, 0x1.fep-9, 0x1p70, 0x1p100, 0x1p101]

    static func rows(classes n: Int, seed: UInt64) -> [[Double]] {
        var rng = SplitMix64(seed: seed)
        func random(_ scale: Double) -> [Double] { (0..<n).map { _ in FloatFormat.bfloat16.rounded(rng.gaussian() * scale) } }
        var spread = random(4)
        spread[0] = FloatFormat.bfloat16.rounded(3e38)
        spread[n - 1] = FloatFormat.bfloat16.rounded(-3.3e38)  // z − m overflows Float; (z − m)/T does not for T ≥ 2
        var masked = random(4)
        for i in stride(from: 1, to: n, by: 3) { masked[i] = -.infinity }
        let deep = (0..<n).map { FloatFormat.bfloat16.rounded(-Double($0 % 7) * 15.5) }  // e down to e^-93
        var tied = random(1)
        tied[n - 1] = 6
        tied[n / 2] = 6
        // All equal to −log n rounded: LSE = m + log n cancels (its scalar-path margin).
        let cancelling = [Double](repeating: FloatFormat.bfloat16.rounded(-Foundation.log(Double(n)) * 1.01), count: n)
        return [random(4), spread, masked, deep, tied, random(30), cancelling]
    }

    /// Every function of the vector path on `rows` as one batch: per function, per row, the outputs.
    static func batchOutputs(_ rows: [[Double]], temperature: Double) throws -> [SoftmaxFunction: [[Double]]] {
        let n = rows[0].count
        let z = rows.flatMap { $0.map { BFloat16($0) } }
        let targets = rows.indices.map { ($0 * 7) % n }
        let t = BFloat16(temperature)
        var perRow = [BFloat16](repeating: 0, count: rows.count)
        var perLogit = [BFloat16](repeating: 0, count: z.count)
        var result: [SoftmaxFunction: [[Double]]] = [:]
        func split(_ v: [BFloat16], _ width: Int) -> [[Double]] {
            stride(from: 0, to: v.count, by: width).map { v[$0..<($0 + width)].map(\.kernelDouble) }
        }
        try z.withUnsafeBufferPointer { zb in
            try targets.withUnsafeBufferPointer { yb in
                let batch = try LogitsBuffer(zb, classes: n)
                let y = TargetsBuffer<BFloat16>.classIndices(yb)
                try perRow.withUnsafeMutableBufferPointer { try SoftmaxKernels.logSumExp(batch, temperature: t, into: $0) }
                result[.logsumexp] = split(perRow, 1)
                try perRow.withUnsafeMutableBufferPointer { try SoftmaxKernels.crossEntropy(batch, targets: y, temperature: t, into: $0) }
                result[.crossEntropy] = split(perRow, 1)
                try perLogit.withUnsafeMutableBufferPointer { try SoftmaxKernels.softmax(batch, temperature: t, into: $0) }
                result[.softmax] = split(perLogit, n)
                try perLogit.withUnsafeMutableBufferPointer { try SoftmaxKernels.logSoftmax(batch, temperature: t, into: $0) }
                result[.logSoftmax] = split(perLogit, n)
                try perLogit.withUnsafeMutableBufferPointer { try SoftmaxKernels.crossEntropyGradient(batch, targets: y, temperature: t, into: $0) }
                result[.crossEntropyGrad] = split(perLogit, n)
            }
        }
        return result
    }

    @Test("within 1 ulp of the reference and the same bits on every path", arguments: [1, 15, 16, 17, 33, 1000, 2000])
    func accuracy(classes: Int) throws {
        defer { KernelISA.automatic() }
        let reference = ReferenceImplementation()
        let rows = Self.rows(classes: classes, seed: 0xBF16_0000 + UInt64(classes))
        for temperature in Self.temperatures {
            var expected: [SoftmaxFunction: [[Double]]] = [:]
            var declined = 0
            for function in VectorPathTests.vectorFunctions {
                expected[function] = try rows.enumerated().map { r, z in
                    let target: Target? = function.takesTarget ? .classIndex((r * 7) % classes) : nil
                    let problem = Problem(function: function, format: .bfloat16, logits: z, temperature: temperature, target: target)
                    return try decided(reference, problem, declined: &declined) ?? []
                }
            }
            #expect(declined == 0)
            var first: [SoftmaxFunction: [[Double]]]?
            for isa in VectorPathTests.paths {
                KernelISA.force(isa)
                let got = try Self.batchOutputs(rows, temperature: temperature)
                for function in VectorPathTests.vectorFunctions {
                    for (r, (g, x)) in zip(got[function]!, expected[function]!).enumerated() where !x.isEmpty {
                        let worst = zip(g, x).map { FloatFormat.bfloat16.ulpDistance($0, $1) }.max() ?? 0
                        #expect(worst <= 1, "\(isa.rawValue) \(function.rawValue) T=\(temperature) row \(r) of \(classes): \(worst) ulp")
                    }
                }
                if let first {
                    #expect(got.mapValues { $0.map { $0.map(\.bitPattern) } } == first.mapValues { $0.map { $0.map(\.bitPattern) } },
                            "\(isa.rawValue) differs from \(VectorPathTests.paths[0].rawValue) at T=\(temperature), \(classes) classes")
                } else {
                    first = got
                }
            }
        }
    }
}
