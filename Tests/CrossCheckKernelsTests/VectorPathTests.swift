import CrossCheckCore
import CrossCheckKernels
import CrossCheckProperties
import CrossCheckReference
import Foundation
import Testing

/// The vector path (C target `_CrossCheckKernelsC`) on every instruction set this CPU runs: the
/// accuracy targets against the MPFR reference on hostile rows, the same bits on every path, and
/// batches (pipelined rows, rows declined to the scalar path, threads) equal to rows alone.
/// Serialized: these tests switch the process-wide instruction set (every path gives the same
/// bits, so other suites running meanwhile are unaffected).
@Suite("Vector path on every instruction set", .serialized)
struct VectorPathTests {
    static let paths = KernelISA.allCases.filter(\.isSupported)
    static let vectorFunctions: [SoftmaxFunction] = [.logsumexp, .softmax, .logSoftmax, .crossEntropy, .crossEntropyGrad]

    @Test("this CPU's paths are found; the best one is the default")
    func detection() {
        #expect(KernelISA.portable.isSupported)
        KernelISA.automatic()
        if ProcessInfo.processInfo.environment["CROSSCHECK_KERNELS_ISA"] == nil {
            #expect(KernelISA.active == Self.paths.first)
        }
        print("instruction sets: \(Self.paths.map(\.rawValue).joined(separator: ", ")); active \(KernelISA.active.rawValue)")
    }

    @Test("accuracy against the reference on every path", arguments: FastPathImplementation().supportedFormats)
    func accuracy(format: FloatFormat) throws {
        defer { KernelISA.automatic() }
        let reference = ReferenceImplementation()
        var lines: [String] = []
        for isa in Self.paths {
            KernelISA.force(isa)
            #expect(KernelISA.active == isa)
            var rng = SplitMix64(seed: 0x51D0_0000 + UInt64(format.precision))
            var worst = 0.0
            var worstDetail = ""
            var declined = 0
            for function in Self.vectorFunctions {
                for kind in testedKinds {
                    for r in 0..<(kind == .long ? 1 : max(rowsPerKind / 2, 4)) {
                        var problem = rowGenerator.problem(function, format, kind: kind, &rng)
                        if case .vector = problem.target { problem.target = .classIndex(r % problem.logits.count) }
                        guard let expected = try decided(reference, problem, declined: &declined) else { continue }
                        let got = try kernelAnswer(problem)
                        for (g, x) in zip(got, expected) {
                            let d = format.ulpDistance(g, x)
                            if d > worst {
                                worst = d
                                worstDetail = "row \(r) of \(kind.rawValue): got \(g), expected \(x): \(describe(problem))"
                            }
                        }
                    }
                }
            }
            lines.append("\(isa.rawValue): max \(worst) ulp")
            #expect(worst <= bound(format), "\(isa.rawValue): \(worst) ulp at \(worstDetail)")
            #expect(declined == 0, "\(isa.rawValue): the reference could not decide \(declined) rows")
        }
        print("[\(format.rawValue)] vector path: " + lines.joined(separator: "; "))
    }

    /// Float16 results are computed in Double and rounded once: rounding to Float first and then
    /// to Float16 would be wrong near Float16 midpoints. These rows (found by searching all Float16
    /// logits with mpmath) are such cases: softmax([0, 0.00146484375])₀ = 0.49963378912…, whose
    /// double rounding is 0.49951171875 but correct rounding 0.499755859375.
    @Test("Float16 results are rounded once (no double rounding through Float)")
    func float16RoundedOnce() throws {
        defer { KernelISA.automatic() }
        let cases: [(SoftmaxFunction, [Double], Double)] = [
            (.softmax, [0, 0.00146484375], 0.499755859375),
            (.softmax, [0, -0.0029296875], 0.50048828125),
            (.logSoftmax, [0, -6.389617919921875e-05], -0.69287109375),
        ]
        for isa in Self.paths {
            KernelISA.force(isa)
            for (function, logits, expected) in cases {
                // The row repeated fills whole vectors and a tail; every copy must round the same.
                let problem = Problem(function: function, format: .float16, logits: logits, temperature: 1, target: nil)
                let got = try kernelAnswer(problem)
                #expect(got[0] == expected, "\(isa.rawValue): \(function.rawValue)(\(logits))₀ = \(got[0]), expected \(expected)")
                let batch = try FastBatchProbe.rows(function, logits, copies: 37)
                #expect(batch.allSatisfy { $0 == expected }, "\(isa.rawValue): batch \(function.rawValue)(\(logits))₀ gave \(Set(batch))")
            }
        }
    }

    @Test("every path gives the same bits", arguments: FastPathImplementation().supportedFormats)
    func sameBits(format: FloatFormat) throws {
        defer { KernelISA.automatic() }
        for classes in [1, 7, 16, 37, 1000] {
            var results: [[UInt64]] = []
            for isa in Self.paths {
                KernelISA.force(isa)
                results.append(try BatchRun(format: format, classes: classes).outputs(threads: 1).map(\.bitPattern))
            }
            for (isa, r) in zip(Self.paths, results) {
                #expect(r == results[0], "\(isa.rawValue) differs from \(Self.paths[0].rawValue) (\(format.rawValue), \(classes) classes)")
            }
        }
    }

    @Test("batches equal rows alone, whatever the thread count", arguments: FastPathImplementation().supportedFormats)
    func batches(format: FloatFormat) throws {
        for classes in [3, 24, 129] {
            let run = BatchRun(format: format, classes: classes)
            let one = try run.outputs(threads: 1)
            #expect(try run.outputs(threads: 3).map(\.bitPattern) == one.map(\.bitPattern))
            let alone = try run.rowsAlone()
            #expect(alone.count == one.count - 1)  // the batch also has the CE mean
            for (i, (a, b)) in zip(alone, one).enumerated() {
                #expect(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN), "output \(i) (\(format.rawValue), \(classes) classes): alone \(a), batch \(b)")
            }
        }
    }
}

/// A batch mixing rows the vector path takes with rows it declines (NaN, +inf, all −inf, a −inf
/// mask, a spread beyond 700), run through the batch API; outputs of every function, in order,
/// as Doubles (exact).
struct BatchRun {
    let format: FloatFormat
    let classes: Int
    let logits: [Double]
    let targets: [Int]
    let temperature = 0.75

    init(format: FloatFormat, classes: Int) {
        self.format = format
        self.classes = classes
        var rng = SplitMix64(seed: 0xBA7C_0000 + UInt64(classes))
        var values: [Double] = []
        for r in 0..<12 {
            var row = (0..<classes).map { _ in format.rounded(rng.gaussian() * 4) }
            switch r {
            case 2: row[row.count / 2] = .nan
            case 4: row[0] = .infinity
            case 5: row = row.map { _ in -.infinity }
            case 7: row[row.count - 1] = -.infinity
            case 9: row[0] = format.rounded(-1000)
            case 10: row = row.map { format.rounded($0 * 300) }
            default: break
            }
            values += row
        }
        logits = values
        targets = (0..<12).map { _ in Int.random(in: 0..<classes, using: &rng) }
    }

    var rows: Int { logits.count / classes }

    func outputs(threads: Int) throws -> [Double] {
        switch format {
        case .float16: return try outputs(Float16.self, threads: threads)
        case .float32: return try outputs(Float.self, threads: threads)
        case .float64: return try outputs(Double.self, threads: threads)
        case .bfloat16: return try outputs(BFloat16.self, threads: threads)
        default: Issue.record("no kernels for \(format.rawValue)"); return []
        }
    }

    func outputs<S: KernelScalar>(_: S.Type, threads: Int) throws -> [Double] {
        let z = logits.map { S($0) }
        let t = S(temperature)
        var perRow = [S](repeating: 0, count: rows)
        var perLogit = [S](repeating: 0, count: z.count)
        var loss = [S](repeating: 0, count: 1)
        var result: [Double] = []
        try z.withUnsafeBufferPointer { zb in
            try targets.withUnsafeBufferPointer { yb in
                let batch = try LogitsBuffer(zb, classes: classes)
                let y = TargetsBuffer<S>.classIndices(yb)
                try perRow.withUnsafeMutableBufferPointer { try SoftmaxKernels.logSumExp(batch, temperature: t, into: $0, threads: threads) }
                result += perRow.map(\.kernelDouble)
                try perLogit.withUnsafeMutableBufferPointer { try SoftmaxKernels.softmax(batch, temperature: t, into: $0, threads: threads) }
                result += perLogit.map(\.kernelDouble)
                try perLogit.withUnsafeMutableBufferPointer { try SoftmaxKernels.logSoftmax(batch, temperature: t, into: $0, threads: threads) }
                result += perLogit.map(\.kernelDouble)
                try perRow.withUnsafeMutableBufferPointer { try SoftmaxKernels.crossEntropy(batch, targets: y, temperature: t, into: $0, threads: threads) }
                result += perRow.map(\.kernelDouble)
                try perLogit.withUnsafeMutableBufferPointer { try SoftmaxKernels.crossEntropyGradient(batch, targets: y, temperature: t, into: $0, threads: threads) }
                result += perLogit.map(\.kernelDouble)
                let ce = CrossEntropyLoss<S>(reduction: .mean, temperature: t)
                try loss.withUnsafeMutableBufferPointer { lb in
                    try ce.compute(batch, targets: y, loss: lb, gradient: nil, threads: threads)
                }
                result += loss.map(\.kernelDouble)
            }
        }
        return result
    }

    /// The same outputs (without the mean), each row evaluated on its own.
    func rowsAlone() throws -> [Double] {
        var result: [Double] = []
        for function in [SoftmaxFunction.logsumexp, .softmax, .logSoftmax, .crossEntropy, .crossEntropyGrad] {
            for r in 0..<rows {
                let z = Array(logits[(r * classes)..<((r + 1) * classes)])
                let target: Target? = function.takesTarget ? .classIndex(targets[r]) : nil
                result += try kernelAnswer(Problem(function: function, format: format, logits: z, temperature: format.rounded(temperature), target: target))
            }
        }
        return result
    }
}

/// Float16 batch calls on one row repeated: output 0 of every copy.
enum FastBatchProbe {
    static func rows(_ function: SoftmaxFunction, _ row: [Double], copies: Int) throws -> [Double] {
        let z = (0..<copies).flatMap { _ in row.map { Float16($0) } }
        var out = [Float16](repeating: 0, count: z.count)
        try z.withUnsafeBufferPointer { zb in
            let batch = try LogitsBuffer(zb, classes: row.count)
            try out.withUnsafeMutableBufferPointer { ob in
                switch function {
                case .softmax: try SoftmaxKernels.softmax(batch, into: ob)
                case .logSoftmax: try SoftmaxKernels.logSoftmax(batch, into: ob)
                default: preconditionFailure("\(function) is not probed")
                }
            }
        }
        return stride(from: 0, to: out.count, by: row.count).map { Double(out[$0]) }
    }
}
