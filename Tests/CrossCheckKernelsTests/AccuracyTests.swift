import CrossCheckCore
import CrossCheckKernels
import CrossCheckProperties
import CrossCheckReference
import Foundation
import Testing

/// The fast paths' answer to a protocol problem.
func kernelAnswer(_ problem: Problem) throws -> [Double] {
    try FastPathImplementation().evaluate(problem).values
}

/// The largest error in ulps over the outputs, and the problem that reached it.
struct Worst: CustomStringConvertible {
    var ulps = 0.0
    var problem: Problem?
    var detail = ""
    var count = 0
    var referenceTime = Duration.zero
    var kernelTime = Duration.zero

    mutating func record(_ ulps: Double, _ problem: Problem, _ detail: String = "") {
        count += 1
        if self.problem == nil || ulps > self.ulps {
            self.ulps = ulps
            self.problem = problem
            self.detail = detail
        }
    }

    var description: String { ulps == .infinity ? "inf" : String(Int(ulps)) }
}

func describe(_ p: Problem) -> String {
    let z = p.logits.prefix(40).map { p.format.format($0) }.joined(separator: ", ")
    var target = "none"
    switch p.target {
    case .classIndex(let y): target = "class \(y)"
    case .vector(let t): target = "[" + t.prefix(40).map { p.format.format($0) }.joined(separator: ", ") + "]"
    case .none: break
    }
    return "\(p.function.name) \(p.format.rawValue) T=\(p.format.format(p.temperature)) n=\(p.logits.count) target=\(target) z=[\(z)\(p.logits.count > 40 ? ", …" : "")]"
}

/// The bound of the accuracy targets: 1 ulp for Float16, bfloat16 and Float, 2 for Double.
func bound(_ format: FloatFormat) -> Double { format == .float64 ? 2 : 1 }

/// The reference's values for `problem`, nil only where it cannot decide it (its precision cap,
/// `ImplementationError.undecided`): `declined` counts those. Any other error fails the test.
func decided(_ reference: ReferenceImplementation, _ problem: Problem, declined: inout Int) throws -> [Double]? {
    do { return try reference.evaluate(problem).values } catch ImplementationError.undecided {
        declined += 1
        return nil
    }
}

/// Rows per row kind (elementwise vectors: half as many); CROSSCHECK_KERNEL_ROWS=200 for a deeper run.
let rowsPerKind: Int = {
    if let text = ProcessInfo.processInfo.environment["CROSSCHECK_KERNEL_ROWS"], let n = Int(text), n > 0 { return n }
    return 16
}()

/// The rows: the property engine's generator (one generator for the whole package), every row kind.
let rowGenerator = ProblemGenerator(maxClasses: 2048)
let testedKinds = RowKind.allCases

let rowFunctions: [SoftmaxFunction] = SoftmaxFunction.allCases.filter { $0.shape == .row }
let elementwiseFunctions: [SoftmaxFunction] = SoftmaxFunction.allCases.filter { $0.shape == .elementwise }

@Suite("Accuracy against the MPFR reference")
struct AccuracyTests {
    let reference = ReferenceImplementation()

    func check(_ problem: Problem, into worst: inout Worst) throws {
        let expected: [Double]
        let clock = ContinuousClock()
        let start = clock.now
        do {
            expected = try reference.evaluate(problem).values
        } catch {
            print("reference failed (skipped): \(error): \(describe(problem))")
            return
        }
        let middle = clock.now
        let got = try kernelAnswer(problem)
        worst.referenceTime += middle - start
        worst.kernelTime += clock.now - middle
        #expect(got.count == expected.count)
        var e = 0.0
        var detail = ""
        for (i, (g, x)) in zip(got, expected).enumerated() {
            let d = problem.format.ulpDistance(g, x)
            if d > e {
                e = d
                detail = "output \(i): got \(g) expected \(x)"
            }
        }
        worst.record(e, problem, detail)
    }

    @Test("row functions on hostile rows", arguments: FastPathImplementation().supportedFormats)
    func rows(format: FloatFormat) throws {
        var rng = SplitMix64(seed: 0x5EED_0000 + UInt64(format.precision))
        var report: [String] = []
        var failures: [String] = []
        for function in rowFunctions {
            var line = "\(function.name.padding(toLength: 20, withPad: " ", startingAt: 0))"
            var overall = Worst()
            for kind in testedKinds {
                var worst = Worst()
                for _ in 0..<(kind == .long ? 1 : rowsPerKind) {
                    try check(rowGenerator.problem(function, format, kind: kind, &rng), into: &worst)
                }
                line += " \(kind.rawValue)=\(worst)"
                overall.record(worst.ulps, worst.problem!)
                overall.referenceTime += worst.referenceTime
                overall.kernelTime += worst.kernelTime
                if worst.ulps > bound(format) { failures.append("\(worst.ulps) ulp (\(worst.detail)): \(describe(worst.problem!))") }
            }
            report.append(line + "  max=\(overall)  (reference \(overall.referenceTime), kernels \(overall.kernelTime))")
        }
        print("[\(format.rawValue)] max ulp by function and row kind\n" + report.joined(separator: "\n"))
        for f in failures.prefix(20) { print("  over the bound: \(f)") }
        #expect(failures.isEmpty, "\(failures.count) row kinds over \(bound(format)) ulp")
    }

    @Test("elementwise functions on hostile inputs", arguments: FastPathImplementation().supportedFormats)
    func elementwise(format: FloatFormat) throws {
        var rng = SplitMix64(seed: 0xE1E_0000 + UInt64(format.precision))
        var report: [String] = []
        var failures: [String] = []
        for function in elementwiseFunctions {
            var line = "\(function.name.padding(toLength: 20, withPad: " ", startingAt: 0))"
            var time = Duration.zero, kernelTime = Duration.zero
            for kind in testedKinds where kind != .long {
                var worst = Worst()
                for _ in 0..<max(rowsPerKind / 2, 1) {
                    try check(rowGenerator.problem(function, format, kind: kind, &rng), into: &worst)
                }
                line += " \(kind.rawValue)=\(worst)"
                time += worst.referenceTime
                kernelTime += worst.kernelTime
                if worst.ulps > bound(format) { failures.append("\(worst.ulps) ulp (\(worst.detail)): \(describe(worst.problem!))") }
            }
            report.append(line + "  (reference \(time), kernels \(kernelTime))")
        }
        print("[\(format.rawValue)] elementwise max ulp\n" + report.joined(separator: "\n"))
        for f in failures.prefix(20) { print("  over the bound: \(f)") }
        #expect(failures.isEmpty, "\(failures.count) input kinds over \(bound(format)) ulp")
    }
}

@Suite("Accuracy where max/T + log S cancels")
struct CancellationTests {
    /// Rows whose LSE is near 0: the maximum sits at −T·log S. Float16, bfloat16 and Float recompute such
    /// rows in double-double and stay within 1 ulp; Double's double-double leaves an absolute error
    /// ≈ 2⁻¹⁰⁶·|max/T| there (a documented limit), so Double is not asserted here.
    @Test("logsumexp near zero", arguments: [FloatFormat.float16, .bfloat16, .float32])
    func logSumExpNearZero(format: FloatFormat) throws {
        var rng = SplitMix64(seed: 0x15E)
        let reference = ReferenceImplementation()
        var worst = 0.0
        for trial in 0..<200 {
            let n = Int.random(in: 2...6, using: &rng)
            let gaps = (0..<(n - 1)).map { _ in Double.random(in: 0..<4, using: &rng) }
            let t = [1.0, 0.5, 3.0, 0.01][trial % 4]
            let top = format.rounded(-log1p(gaps.map { exp(-$0) }.reduce(0, +)) * t)
            let z = [top] + gaps.map { format.rounded(top - $0 * t) }
            let problem = Problem(function: .logsumexp, format: format, logits: z, temperature: format.rounded(t))
            let expected = try reference.evaluate(problem).values[0]
            let got = try kernelAnswer(problem)[0]
            let d = format.ulpDistance(got, expected)
            worst = max(worst, d)
            #expect(d <= 1, "\(describe(problem)): got \(got), expected \(expected)")
        }
        print("[\(format.rawValue)] logsumexp near zero: max \(worst) ulp")
    }
}

@Suite("Accuracy where z/T overflows the format")
struct QuotientOverflowTests {
    /// Rows whose quotients z/T are beyond the format while the gaps (z − max)/T stay moderate:
    /// the kernels must never form z/T in the format.
    @Test(arguments: FastPathImplementation().supportedFormats)
    func rowsWithHugeQuotients(format: FloatFormat) throws {
        var rng = SplitMix64(seed: 0x0F10_0000 + UInt64(format.precision))
        let reference = ReferenceImplementation()
        var worst = Worst()
        var declined = 0
        for function in rowFunctions {
            for _ in 0..<rowsPerKind {
                let (z, t) = rowGenerator.quotientOverflowRow(format, &rng)
                let target: Target? = function.takesTarget ? rowGenerator.rowTarget(classes: z.count, format, &rng) : nil
                let problem = Problem(function: function, format: format, logits: z, temperature: t, target: target)
                guard let expected = try decided(reference, problem, declined: &declined) else { continue }
                let got = try kernelAnswer(problem)
                let e = zip(got, expected).map { format.ulpDistance($0, $1) }.max() ?? 0
                worst.record(e, problem)
            }
        }
        #expect(worst.ulps <= bound(format), "\(worst.ulps) ulp: \(describe(worst.problem!))")
        #expect(declined == 0, "the reference could not decide \(declined) rows")
    }
}

@Suite("Accuracy where the gap z − max is near Double's largest value")
struct HugeGapTests {
    /// Rows whose gap z − max is finite but whose TwoSum overflowed on the way (s − a rounds to
    /// −inf, the error term is NaN): found by the stratified input classes, where logsumexp and
    /// softmax returned NaN. Every row function against the reference, within the Double bound.
    @Test(arguments: [[1.7976931348623157e+308, 5.522678300450529e+307], [1.7976931348623157e+308, 6.0e307],
                      [6.0e307, 1.7976931348623157e+308, -1.0e308]])
    func rowsWithHugeGaps(logits: [Double]) throws {
        let reference = ReferenceImplementation()
        for function in rowFunctions {
            let target: Target? = function.takesTarget ? .classIndex(1) : nil
            let problem = Problem(function: function, format: .float64, logits: logits, target: target)
            let expected = try reference.evaluate(problem).values
            let got = try kernelAnswer(problem)
            let hasNaN = got.contains { $0.isNaN }
            #expect(!hasNaN, "\(function.name): \(got)")
            let e = zip(got, expected).map { FloatFormat.float64.ulpDistance($0, $1) }.max() ?? 0
            #expect(e <= bound(.float64), "\(function.name): \(e) ulp, \(got) vs \(expected)")
        }
    }
}

@Suite("Accuracy where a gradient is a tiny difference")
struct CancellingGradientTests {
    /// The stratified classes' counterexample (seed 1): the near class's Σt − tᵢ leaves only the
    /// tiny targets elsewhere, so rounding Σt first cost 4 ulp in binary64.
    @Test func crossEntropyGradientNearTheTarget() throws {
        let problem = Problem(function: .crossEntropyGrad, format: .float64, logits: [-1.0, -39.75, -40.5],
                              target: .vector([0.09375, 1.3010426069826053e-18, 6.031499608594094e-19]))
        let expected = try ReferenceImplementation().evaluate(problem).values
        let got = try kernelAnswer(problem)
        let e = zip(got, expected).map { FloatFormat.float64.ulpDistance($0, $1) }.max() ?? 0
        #expect(e <= bound(.float64), "\(e) ulp: \(got) vs \(expected)")
    }

    /// The kernel's answer within the bound of the reference's, every output.
    func expectWithinBound(_ problem: Problem, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try ReferenceImplementation().evaluate(problem).values
        let got = try kernelAnswer(problem)
        let e = zip(got, expected).map { problem.format.ulpDistance($0, $1) }.max() ?? 0
        #expect(e <= bound(problem.format), "\(e) ulp: \(describe(problem))", sourceLocation: sourceLocation)
    }

    /// The audit's binary64 counterexamples before Ziv's retry (597, 15,584 and 979 ulp; 9 and 4 ulp
    /// for the shrunk soft-target rows): σ(x) − t and (Σt)eᵢ − tᵢS more than 2⁴⁰ below their
    /// double-double terms, now flagged and computed again in Extended192.
    @Test(arguments: [
        Problem(function: .bceWithLogitsGrad, format: .float64, logits: [-1.6321805843714172], target: .vector([0.16353186195913888])),
        Problem(function: .mseSigmoid, format: .float64, logits: [-7.770495789138229], target: .vector([0.0004218259776946085])),
        Problem(function: .mseSigmoidGrad, format: .float64, logits: [-11.364083813330803], target: .vector([1.160475745898937e-05])),
        Problem(function: .crossEntropyGrad, format: .float64,
                logits: [1.3302278024821605, -2.176024019687867, 0.09319923169450933, -0.6426846383424939, 0.883551858489745],
                target: .vector([0.001251801114355922, 3.756552954633927e-05, 0.00036332949195758954, 0.0001740645563424477, 0.0008008412524323617])),
        Problem(function: .crossEntropyGrad, format: .float64, logits: [-1.245589283840626, -2.0936551593735255, -1.2714545084616553],
                temperature: 0.7457686937127772, target: .vector([0.001770741636949043, 0.0005679217362394075, 0.0017103804413904637])),
        Problem(function: .crossEntropyGrad, format: .float64, logits: [5.1912123574260765, -2.6275872552844697, -5.330797484017391],
                temperature: 897.9757437116964, target: .vector([0.1437805262876962, 0.1425340437841354, 0.14210561336325378])),
    ])
    func auditCounterexamples(_ problem: Problem) throws {
        try expectWithinBound(problem)
    }

    /// mse_softmax_grad with a class index of probability ≈ 0 beside near-tied classes (audit seeds
    /// 2, 4, 5): Nⱼ of a near j is of the size of fⱼ − fᵢ, which eᵢ = 1 + fᵢ loses in any fixed
    /// precision (the base answered 0 or was off by 72 ulp; the retry alone could not help).
    @Test(arguments: [
        ([-4.026973185845831e+281, 5.322127199414684e-68, -1.0499670137314326e-271], 1.0, 0),
        ([-1.5669078578674458e+284, 2.834405672106375e-223, 5.2523329532237926e-45], 1.0, 0),
        ([0.0, -2.388023077596381e+94, 3.0945746176059796e-288], 1.0, 1),
        ([-1.620025621217382e-63, -7.728190431712368e-291, -1.910418462077105e+95, 3.0945746176059796e-288], 1.0, 2),
        ([-3.2215785486766646e+282, 5.322127199414684e-68, -1.0499670137314326e-271], 213.90818712151605, 0),
    ])
    func oneHotTargetBesideNearTies(_ logits: [Double], _ temperature: Double, _ y: Int) throws {
        try expectWithinBound(Problem(function: .mseSoftmaxGrad, format: .float64, logits: logits, temperature: temperature, target: .classIndex(y)))
        try expectWithinBound(Problem(function: .mseSoftmaxGrad, format: .float32, logits: logits.map { Double(Float($0)) }, temperature: Double(Float(temperature)),
                                      target: .classIndex(y)))
    }

    /// The same with target vectors (audit seed 5): near-tied classes whose residuals Dᵢ = eᵢ − tᵢS
    /// agree to ≈ 10⁻²²⁸, so Nⱼ = Σ eᵢ(Dⱼ − Dᵢ) must come from the fᵢ and the exact target
    /// differences (the residual form answered 0); equal, unequal, signed and far-class targets.
    static let nearTieTargetRows: [([Double], [Double])] = [
        ([0.0, 5.276589072053972e-228], [0.05, 0.05]),
        ([0.0, 5.276589072053972e-228], [0.05, 0.95]),
        ([1e-300, 0.0, -3e-300, -0.5, -2.0], [0.25, 0.25, 0.25, 0.25, 0.0]),
        ([2e-200, -1e-200, 0.0, -40.0], [-0.5, -0.5, -0.5, 2.5]),
        ([0x1p-1028, 0.0, 0x1p-1029, 0x1.8p-1028], [0.3, 0.3, 0.3, 0.1]),
    ]

    @Test(arguments: nearTieTargetRows)
    func targetVectorBesideNearTies(_ logits: [Double], _ targets: [Double]) throws {
        for temperature in [1.0, 3.0e5] {
            try expectWithinBound(Problem(function: .mseSoftmaxGrad, format: .float64, logits: logits, temperature: temperature, target: .vector(targets)))
        }
    }

    /// Rows whose targets are the prediction rounded to Double (t = softmax(z/T), correctly
    /// rounded): every gradient output and the MSE are tiny differences of their terms.
    @Test(arguments: [2, 5, 64, 700])
    func rowsWhoseTargetsAreThePrediction(classes: Int) throws {
        var rng = SplitMix64(seed: UInt64(classes))
        for temperature in [1.0, 0.7457686937127772, 40] {
            let z = (0..<classes).map { _ in Double.random(in: -4...4, using: &rng) }
            let p = try ReferenceImplementation().evaluate(Problem(function: .softmax, format: .float64, logits: z, temperature: temperature)).values
            for function in [SoftmaxFunction.crossEntropyGrad, .mseSoftmax, .mseSoftmaxGrad, .crossEntropy] {
                try expectWithinBound(Problem(function: function, format: .float64, logits: z, temperature: temperature, target: .vector(p)))
            }
        }
    }

    /// Elementwise targets that are σ(x) rounded to Double, over [−30, 30] and at the edges of the
    /// kernel's branches (|x| = ¾, tiny x).
    @Test func elementwiseTargetsThatAreThePrediction() throws {
        var rng = SplitMix64(seed: 7)
        let x = (0..<120).map { _ in Double.random(in: -30...30, using: &rng) } + [1e-300, -1e-10, 0.5, -0.74, 0.75, -0.75, 0.76, -40]
        let t = try ReferenceImplementation().evaluate(Problem(function: .sigmoid, format: .float64, logits: x)).values
        for function in [SoftmaxFunction.bceWithLogitsGrad, .mseSigmoid, .mseSigmoidGrad] {
            try expectWithinBound(Problem(function: function, format: .float64, logits: x, target: .vector(t)))
        }
    }

    /// The loss API's soft-target path (`CrossEntropyLoss`, sum reduction: the gradient is the
    /// protocol's cross_entropy_grad) goes through the same retry.
    @Test func crossEntropyLossGradientNearThePrediction() throws {
        var rng = SplitMix64(seed: 11)
        let z = (0..<40).map { _ in Double.random(in: -3...3, using: &rng) }
        let p = try ReferenceImplementation().evaluate(Problem(function: .softmax, format: .float64, logits: z)).values
        let expected = try ReferenceImplementation().evaluate(Problem(function: .crossEntropyGrad, format: .float64, logits: z, target: .vector(p))).values
        let got = try CrossEntropyLoss<Double>(reduction: .sum).lossAndGradient(Logits(row: z), .soft(p)).gradient
        let e = zip(got, expected).map { FloatFormat.float64.ulpDistance($0, $1) }.max() ?? 0
        #expect(e <= bound(.float64), "\(e) ulp")
    }

    /// The same for `BCEWithLogitsLoss` (sum reduction, no weights: the gradient is σ(x) − t).
    @Test func bceLossGradientNearThePrediction() throws {
        let x = [-1.6321805843714172, -7.770495789138229, -11.364083813330803, 0.3, 2.5, -0.6]
        let t = try ReferenceImplementation().evaluate(Problem(function: .sigmoid, format: .float64, logits: x)).values
        let expected = try ReferenceImplementation().evaluate(Problem(function: .bceWithLogitsGrad, format: .float64, logits: x, target: .vector(t))).values
        let got = try BCEWithLogitsLoss<Double>(reduction: .sum).lossAndGradient(Logits(row: x), t).gradient
        let e = zip(got, expected).map { FloatFormat.float64.ulpDistance($0, $1) }.max() ?? 0
        #expect(e <= bound(.float64), "\(e) ulp: \(got) vs \(expected)")
    }
}
