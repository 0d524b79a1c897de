import CrossCheckCore
import CrossCheckKernels
import CrossCheckReference
import Foundation
import Testing
import _CrossCheckKernelsC

/// bfloat16 stores of the vector path, and mixed precision (Float16/bfloat16 logits, Float
/// results) through the batch API and `FastPathImplementation`, against the MPFR reference.
@Suite("bfloat16 stores and mixed precision", .serialized)
struct MixedPrecisionKernelTests {
    static let paths = KernelISA.allCases.filter(\.isSupported)
    static let functions: [SoftmaxFunction] = [.logsumexp, .softmax, .logSoftmax, .crossEntropy, .crossEntropyGrad]

    /// The vector stores round Double to bfloat16 once (round-to-odd at 10 bits, then to nearest
    /// even on the Float bits): midpoints, their neighbours, subnormals and the overflow
    /// threshold, on every path, as Core's rounding on the bfloat16 grid.
    @Test("vector bfloat16 stores are correctly rounded on every path")
    func stores() {
        defer { KernelISA.automatic() }
        let format = FloatFormat.bfloat16
        var values: [Double] = [0x1.ff8p127, 0x1.ff7fffffp127, 0x1p128, 0x1p-134, 0x1.0000001p-134, 0x1p-135, 0x1.8p-133, 0x1p-141, 0, -0.0]
        var rng = SplitMix64(seed: 0x5702E)
        for _ in 0..<4000 {
            let a = format.value(bitPattern: rng.next() & 0x7F7F)
            guard format.nextUp(a).isFinite else { continue }
            let mid = (a + format.nextUp(a)) / 2
            let sign: Double = rng.next() & 1 == 0 ? 1 : -1
            values += [mid, mid.nextUp, mid.nextDown, mid + mid.ulp * 0x1p29, mid - mid.ulp * 0x1p29, a].map { $0 * sign }
        }
        let expected = values.map { format.rounded($0) }
        for isa in Self.paths {
            KernelISA.force(isa)
            var out = [UInt16](repeating: 0, count: values.count)
            values.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { o in
                    cck_convert(Int32(CCK_FLOAT64), Int32(CCK_BFLOAT16), v.baseAddress!, v.count, o.baseAddress!)
                }
            }
            let wrong = zip(values, zip(out, expected)).filter { BFloat16(bitPattern: $1.0).kernelDouble.bitPattern != $1.1.bitPattern }
            #expect(wrong.isEmpty, "\(isa.rawValue): \(wrong.count) wrong, first \(wrong.first.map { "\($0.0) → \(BFloat16(bitPattern: $0.1.0))" } ?? "")")
        }
    }

    /// Mixed batch calls (`LogitsBuffer<BFloat16>` or `<Float16>` in, `[Float]` out) against the
    /// reference's answer rounded to float32: within Float's 1 ulp, on every path.
    @Test("mixed batch calls within 1 ulp of float32", arguments: [FloatFormat.bfloat16, .float16])
    func batchCalls(format: FloatFormat) throws {
        defer { KernelISA.automatic() }
        let reference = ReferenceImplementation()
        for isa in Self.paths {
            KernelISA.force(isa)
            var rng = SplitMix64(seed: 0x313E_D000 + UInt64(format.precision))
            var worst = 0.0
            var detail = ""
            var declined = 0
            for function in Self.functions {
                for kind in testedKinds {
                    for r in 0..<(kind == .long ? 1 : 3) {
                        var problem = rowGenerator.problem(function, format, kind: kind, &rng)
                        if function.takesTarget { problem.target = .classIndex(r % problem.logits.count) }
                        problem.outputFormat = .float32
                        guard let expected = try decided(reference, problem, declined: &declined) else { continue }
                        let got = format == .bfloat16 ? try mixedBatch(BFloat16.self, problem) : try mixedBatch(Float16.self, problem)
                        #expect(got.count == expected.count)
                        for (g, x) in zip(got, expected) where FloatFormat.float32.ulpDistance(g, x) > worst {
                            worst = FloatFormat.float32.ulpDistance(g, x)
                            detail = "got \(g), expected \(x): \(describe(problem))"
                        }
                        let single = try FastPathImplementation().evaluate(problem).values
                        #expect(zip(single, got).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }, "evaluate() and the batch call differ: \(describe(problem))")
                    }
                }
            }
            print("[\(format.rawValue)→float32] \(isa.rawValue): max \(worst) ulp")
            #expect(worst <= 1, "\(isa.rawValue): \(worst) ulp: \(detail)")
            #expect(declined == 0, "\(isa.rawValue): the reference could not decide \(declined) rows")
        }
    }

    /// The fused loss and gradient from narrow logits equal (bit for bit) the Float call on the
    /// widened logits, over several widening blocks and thread counts, with ignored rows and weights.
    @Test("fused cross-entropy from bfloat16 and Float16 logits equals Float's on the widened logits")
    func fusedLoss() throws {
        try fused(BFloat16.self)
        try fused(Float16.self)
    }

    func fused<S: KernelScalar>(_: S.Type) throws {
        let (rows, classes) = (53, 1000)  // 16 rows per widening block: four blocks, one partial
        var rng = SplitMix64(seed: 0xF05E)
        let narrow = (0..<(rows * classes)).map { _ in S(rng.gaussian() * 4) }
        let wide = narrow.map { Float($0.kernelDouble) }
        let y = (0..<rows).map { _ in Int(rng.next() % UInt64(classes)) }
        let weight = (0..<classes).map { _ in Float(Double(rng.next() % 4) / 2) }
        for loss in [CrossEntropyLoss<Float>(reduction: .mean), CrossEntropyLoss<Float>(weight: weight, ignoreIndex: y[3], reduction: .sum, temperature: 0.75),
                     CrossEntropyLoss<Float>(labelSmoothing: 0.125, reduction: .none)] {
            for threads in [1, 2] {
                let (l1, g1) = try run(loss, narrow, y, classes: classes, threads: threads)
                let (l2, g2) = try run(loss, wide, y, classes: classes, threads: threads)
                #expect(l1.map(\.bitPattern) == l2.map(\.bitPattern), "\(S.floatFormat.rawValue) \(loss.reduction) loss, \(threads) threads")
                #expect(g1.map(\.bitPattern) == g2.map(\.bitPattern), "\(S.floatFormat.rawValue) \(loss.reduction) gradient, \(threads) threads")
            }
        }
    }

    /// The loss and gradient of `logits` (any format) into Float buffers.
    func run<S: KernelScalar>(_ loss: CrossEntropyLoss<Float>, _ logits: [S], _ y: [Int], classes: Int, threads: Int) throws -> ([Float], [Float]) {
        var l = [Float](repeating: 0, count: loss.reduction == .none ? logits.count / classes : 1)
        var g = [Float](repeating: 0, count: logits.count)
        try logits.withUnsafeBufferPointer { zb in
            try y.withUnsafeBufferPointer { yb in
                try l.withUnsafeMutableBufferPointer { lb in
                    try g.withUnsafeMutableBufferPointer { gb in
                        try loss.compute(LogitsBuffer(zb, classes: classes), targets: .classIndices(yb), loss: lb, gradient: gb, threads: threads)
                    }
                }
            }
        }
        return (l, g)
    }

    @Test("pairs the results' format cannot hold are refused")
    func refused() throws {
        let z: [Float] = [1, 2, 3]
        var out = [BFloat16](repeating: 0, count: 3)
        #expect(throws: KernelError.self) {
            try z.withUnsafeBufferPointer { zb in
                try out.withUnsafeMutableBufferPointer { try SoftmaxKernels.softmax(LogitsBuffer(zb, classes: 3), into: $0) }
            }
        }
        let problem = Problem(function: .softmax, format: .float32, outputFormat: .bfloat16, logits: [1, 2, 3])
        #expect(throws: ImplementationError.self) { try FastPathImplementation().evaluate(problem) }
    }

    /// `problem` through the mixed batch API (one row, Float outputs), as Doubles.
    func mixedBatch<S: KernelScalar>(_: S.Type, _ problem: Problem) throws -> [Double] {
        let z = problem.logits.map { S($0) }
        let t = S(problem.temperature)
        let n = problem.logits.count
        var out = [Float](repeating: 0, count: problem.function.isScalar ? 1 : n)
        let y = [problem.target.flatMap { if case .classIndex(let i) = $0 { i } else { nil } } ?? 0]
        try z.withUnsafeBufferPointer { zb in
            try y.withUnsafeBufferPointer { yb in
                let batch = try LogitsBuffer(zb, classes: n)
                try out.withUnsafeMutableBufferPointer { o in
                    switch problem.function {
                    case .logsumexp: try SoftmaxKernels.logSumExp(batch, temperature: t, into: o)
                    case .softmax: try SoftmaxKernels.softmax(batch, temperature: t, into: o)
                    case .logSoftmax: try SoftmaxKernels.logSoftmax(batch, temperature: t, into: o)
                    case .crossEntropy: try SoftmaxKernels.crossEntropy(batch, targets: .classIndices(yb), temperature: t, into: o)
                    case .crossEntropyGrad: try SoftmaxKernels.crossEntropyGradient(batch, targets: .classIndices(yb), temperature: t, into: o)
                    default: Issue.record("\(problem.function) is not a mixed batch call")
                    }
                }
            }
        }
        return out.map { Double($0) }
    }
}
