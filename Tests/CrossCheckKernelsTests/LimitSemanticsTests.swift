import CrossCheckCore
import CrossCheckKernels
import Testing

/// `function` on one row in the format of S, results as Doubles.
func run<S: KernelScalar>(_ s: S.Type, _ function: SoftmaxFunction, _ z: [Double], t: Double = 1, index: Int? = nil, targets: [Double]? = nil) throws -> [Double] {
    let target: Target? = index.map { .classIndex($0) } ?? targets.map { .vector($0) }
    return try SoftmaxKernels.evaluate(function, logits: z.map { S($0) }, temperature: S(t), target: target).map(\.kernelDouble)
}

/// Equal as values, NaN equal to NaN, zeros of either sign equal.
func same(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { ($0.isNaN && $1.isNaN) || $0 == $1 }
}

let inf = Double.infinity
let nan = Double.nan
let rowFunctionsWithTargets: [SoftmaxFunction] = [.crossEntropy, .crossEntropyGrad, .mseSoftmax, .mseSoftmaxGrad]

@Suite("Limit semantics for NaN and ±inf (the reference's table)")
struct LimitSemanticsTests {
    static let formats: [any KernelScalar.Type] = [Float16.self, BFloat16.self, Float.self, Double.self]

    @Test("any NaN in logits or targets gives NaN outputs", arguments: formats)
    func nanInput(_ s: any KernelScalar.Type) throws {
        for f in SoftmaxFunction.allCases {
            let z = [1.0, nan, -inf]
            let out: [Double]
            if (f.shape == .elementwise) {
                out = try run(s, f, z, targets: f.takesTarget ? [0.5, 0.5, 0.5] : nil)
                #expect(out[1].isNaN, "\(f)")
            } else {
                out = try run(s, f, z, index: f.takesTarget ? 0 : nil)
                #expect(out.allSatisfy { $0.isNaN }, "\(f)")
            }
            if f.takesTarget {
                let withNaNTarget = try run(s, f, [1, 2, 3], targets: [0.5, nan, 0.5])
                #expect((f.shape == .elementwise) ? withNaNTarget[1].isNaN : withNaNTarget.allSatisfy { $0.isNaN }, "\(f)")
            }
        }
    }

    @Test("masked −inf logits beside finite ones", arguments: formats)
    func masked(_ s: any KernelScalar.Type) throws {
        let z = [0.5, -inf, 1.5]
        #expect(try run(s, .softmax, z)[1] == 0)
        #expect(try run(s, .logSoftmax, z)[1] == -inf)
        #expect(try run(s, .logsumexp, z)[0].isFinite)
        #expect(try run(s, .crossEntropy, z, index: 1) == [inf])
        #expect(try run(s, .crossEntropy, z, index: 2)[0].isFinite)
        #expect(try run(s, .crossEntropy, z, targets: [0.5, 0.25, 0.25]) == [inf])
        #expect(try run(s, .crossEntropy, z, targets: [0.5, -0.25, 0.25]) == [-inf])
        #expect(try run(s, .crossEntropy, z, targets: [0.5, 0, 0.5])[0].isFinite)
        #expect(try run(s, .crossEntropy, [-inf, -inf, 0], targets: [0.5, -0.5, 1])[0].isNaN)
        // Gradients come from p (pᵢ = 0 on the masked class): finite.
        let g = try run(s, .crossEntropyGrad, z, index: 1)
        #expect(g.allSatisfy { $0.isFinite } && g[1] == -1)
        #expect(try run(s, .mseSoftmaxGrad, z, index: 1)[1] == 0)
        #expect(try run(s, .mseSoftmax, z, index: 1)[0].isFinite)
    }

    @Test("exactly one +inf logit", arguments: formats)
    func onePositiveInfinity(_ s: any KernelScalar.Type) throws {
        let z = [0.5, inf, -inf, 3]
        #expect(try run(s, .logsumexp, z) == [inf])
        #expect(try run(s, .softmax, z) == [0, 1, 0, 0])
        #expect(try run(s, .logSoftmax, z) == [-inf, 0, -inf, -inf])
        #expect(try run(s, .crossEntropy, z, index: 1) == [0])
        #expect(try run(s, .crossEntropy, z, index: 0) == [inf])
        #expect(try run(s, .crossEntropy, z, targets: [0, 0.75, 0, 0]) == [0])
        #expect(try run(s, .crossEntropy, z, targets: [0.25, 0.75, 0, 0]) == [inf])
        #expect(try run(s, .crossEntropyGrad, z, t: 0.5, index: 0) == [-2, 2, 0, 0])
        #expect(try run(s, .crossEntropyGrad, z, targets: [0.25, 0.5, 0, 0.25]) == [-0.25, 0.5, 0, -0.25])
        #expect(try run(s, .mseSoftmax, z, index: 0) == [2])
        #expect(try run(s, .mseSoftmax, z, targets: [0.25, 0.5, 0, 0.25]) == [0.375])
        #expect(try run(s, .mseSoftmaxGrad, z, index: 0) == [0, 0, 0, 0])
    }

    @Test("two or more +inf logits, or all −inf", arguments: formats)
    func noUniqueLimit(_ s: any KernelScalar.Type) throws {
        for (z, lse) in [([inf, 0, inf], inf), ([-inf, -inf], -inf)] {
            #expect(try run(s, .logsumexp, z) == [lse])
            for f in [SoftmaxFunction.softmax, .logSoftmax] {
                #expect(try run(s, f, z).allSatisfy { $0.isNaN }, "\(f) \(z)")
            }
            for f in rowFunctionsWithTargets {
                #expect(try run(s, f, z, index: 0).allSatisfy { $0.isNaN }, "\(f) \(z)")
                #expect(try run(s, f, z, targets: z.map { _ in 0.5 }).allSatisfy { $0.isNaN }, "\(f) \(z)")
            }
        }
    }

    @Test("elementwise functions at x = ±inf follow the limits", arguments: formats)
    func elementwiseLimits(_ s: any KernelScalar.Type) throws {
        let x = [inf, inf, inf, -inf, -inf, -inf]
        let t = [1, 0.5, 0, 1, 0.5, 0]
        #expect(try run(s, .sigmoid, x) == [1, 1, 1, 0, 0, 0])
        #expect(try run(s, .bceWithLogits, x, targets: t) == [0, inf, inf, inf, inf, 0])
        #expect(try run(s, .bceWithLogitsGrad, x, targets: t) == [0, 0.5, 1, -1, -0.5, 0])
        #expect(try run(s, .mseSigmoid, x, targets: t) == [0, 0.25, 1, 1, 0.25, 0])
        #expect(try run(s, .mseSigmoidGrad, x, targets: t) == [0, 0, 0, 0, 0, 0])
    }

    @Test("results beyond the format's range round to ±inf; z/T beyond it does not", arguments: formats)
    func overflow(_ s: any KernelScalar.Type) throws {
        let big = (s as any BinaryFloatingPoint.Type).greatestFiniteMagnitudeAsDouble
        #expect(try run(s, .logsumexp, [big, big], t: 0.5) == [inf])
        #expect(try run(s, .logsumexp, [-big, -big], t: 0.5) == [-inf])
        // z/T overflows, the gaps do not: finite, exact softmax of a tie.
        #expect(try run(s, .softmax, [big, big], t: 0.25) == [0.5, 0.5])
        let tie = try run(s, .logSoftmax, [0, 0])[0]
        #expect(try run(s, .logSoftmax, [big, big], t: 0.25)[0] == tie)
        #expect(try run(s, .crossEntropyGrad, [big, big], t: 0.5, index: 0) == [-1, 1])
    }

    @Test("exact results: ties, one class")
    func exact() throws {
        #expect(try run(Float.self, .softmax, [3, 3, 3, 3]) == [0.25, 0.25, 0.25, 0.25])
        #expect(try run(Double.self, .crossEntropy, [7], index: 0) == [0])
        #expect(try run(Float16.self, .logSoftmax, [-2]) == [0])
        #expect(try run(Double.self, .mseSoftmaxGrad, [1, 1], targets: [0.5, 0.5]) == [0, 0])
    }
}

extension BinaryFloatingPoint {
    static var greatestFiniteMagnitudeAsDouble: Double { Double(greatestFiniteMagnitude) }
}
