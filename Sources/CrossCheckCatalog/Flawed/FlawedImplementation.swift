import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference
import Foundation

/// Deliberately flawed implementations: the suite proves itself by failing each of them.
///
/// Each is the correctly rounded reference with one classic defect injected, computed in the
/// format's own arithmetic (every operation rounded to the format, as the buggy code would), so
/// a check that fails it fails for that defect alone.
public struct FlawedImplementation: SoftmaxImplementation {
    /// The defects.
    public enum Flaw: String, CaseIterable, Sendable {
        /// LSE = log Σ exp(zᵢ/T): overflows for large logits, −inf for very negative ones.
        case lseWithoutShift = "flawed-lse-no-shift"
        /// LSE = a + log(Σ exp(zᵢ − a)) without log1p: all relative accuracy lost when the leader is far ahead.
        case lseWithoutLog1p = "flawed-lse-no-log1p"
        /// softmax = exp(z/T − LSE) with LSE rounded first: the rounding of LSE is amplified by |z|.
        case softmaxFromRoundedLSE = "flawed-softmax-exp-minus-lse"
        /// cross-entropy of softmax(z) instead of z: the most common cross-entropy mistake.
        case crossEntropyOnProbabilities = "flawed-ce-on-softmax"
        /// Σ exp(zᵢ − a) accumulated in Float16: long sums stall.
        case float16Accumulation = "flawed-float16-accumulation"
        /// BCE = log(1 + eˣ) − t·x: overflows for large x.
        case naiveBCE = "flawed-naive-bce"
        /// ∂CE/∂z = p − y, the 1/T forgotten.
        case gradientWithoutTemperature = "flawed-grad-missing-temperature"
        /// MSE's gradient returned for CE's.
        case mseGradientForCrossEntropy = "flawed-mse-grad-for-ce"
        /// Correct, except 2 ulps off on rows of 1,024 classes or more.
        case twoULPOnLongRows = "flawed-2ulp-long-rows"
        /// A fully masked row (every logit −inf) answered as if it had probabilities 0 — softmax 0,
        /// CE 0 — instead of NaN: the "safe softmax" of attention code that hides fully masked rows.
        case fullyMaskedRows = "flawed-fully-masked"
        /// Soft-target CE as Σ tᵢ·(LSE − zᵢ/T) over every class: tᵢ = 0 on a −inf logit gives 0·∞ = NaN.
        case maskedSoftTargets = "flawed-masked-soft-targets"
        /// mse_softmax summed naively, left to right in the format, on rows of 1,000 classes or
        /// more: tens to hundreds of ulps in binary16 and binary32.
        case longRowNaiveMSE = "flawed-long-row-mse"
        /// Sigmoid in binary32 and binary64 flushes subnormal results to zero (FTZ/DAZ code).
        case sigmoidSubnormalFlush = "flawed-sigmoid-ftz"
        /// CE with a class index answers 0 when the target is the argmax and the gap to the runner-up,
        /// over T, exceeds 20 ("the loss is negligible"), though e^{−gap/T} is far above the least subnormal.
        case confidentShortcut = "flawed-confident-shortcut"
        /// log_softmax as log(softmax(z/T)): −inf wherever a probability underflows, and the
        /// rounding of p amplified where p ≈ 1 — the classic reason frameworks ship a fused
        /// log_softmax (PyTorch's and TensorFlow's docs warn against log(softmax(x))).
        case logOfSoftmax = "flawed-log-of-softmax"
    }

    public let flaw: Flaw
    public var name: String { flaw.rawValue }
    let reference = ReferenceImplementation()

    public init(_ flaw: Flaw) { self.flaw = flaw }

    /// Every flawed implementation, by name.
    public static var all: [FlawedImplementation] { Flaw.allCases.map(FlawedImplementation.init) }

    public func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double { 1 }

    public func evaluate(_ p: Problem) throws -> Answer {
        try p.validate()
        let correct = try reference.evaluate(p)
        if let answer = try classAnswer(p, correct) { return answer }
        guard p.logits.allSatisfy(\.isFinite) else { return correct }
        let f = p.format
        let r = f.rounded
        let z = p.logits.map { r($0 / p.temperature) }
        func pack(_ v: [Double]) -> Answer { p.function.isScalar ? .scalar(v[0]) : .vector(v) }
        switch (flaw, p.function) {
        case (.lseWithoutShift, .logsumexp):
            return pack([r(log(z.reduce(0.0) { r($0 + r(exp($1))) }))])
        case (.lseWithoutLog1p, .logsumexp):
            let a = z.max()!
            return pack([r(a + r(log(z.reduce(0.0) { r($0 + r(exp(r($1 - a)))) })))])
        case (.softmaxFromRoundedLSE, .softmax):
            let lse = try reference.evaluate(Self.with(p, .logsumexp)).values[0]
            return pack(z.map { r(exp(r($0 - lse))) })
        case (.crossEntropyOnProbabilities, .crossEntropy), (.crossEntropyOnProbabilities, .crossEntropyGrad):
            var q = p
            q.logits = try reference.evaluate(Self.with(p, .softmax)).values
            q.temperature = 1
            return try reference.evaluate(q)
        case (.float16Accumulation, .softmax), (.float16Accumulation, .logsumexp):
            let a = z.max()!
            var s: Float16 = 0
            let e = z.map { r(exp(r($0 - a))) }
            for x in e { s += Float16(x) }
            if p.function == .logsumexp { return pack([r(a + r(log(Double(s))))]) }
            return pack(e.map { r($0 / Double(s)) })
        case (.naiveBCE, .bceWithLogits):
            let t = p.targetVector!
            return pack(zip(p.logits, t).map { x, t in r(r(log(r(1 + r(exp(x))))) - r(t * x)) })
        case (.gradientWithoutTemperature, .crossEntropyGrad):
            return pack(correct.values.map { r($0 * p.temperature) })
        case (.mseGradientForCrossEntropy, .crossEntropyGrad):
            var q = p
            q.function = .mseSoftmaxGrad
            return try reference.evaluate(q)
        case (.twoULPOnLongRows, _) where p.function.shape == .row && p.logits.count >= 1024:
            return pack(correct.values.map { x in
                guard x.isFinite, x != 0 else { return x }
                var y = x
                for _ in 0..<2 { y = f.rounded(y.magnitude == f.greatestFiniteMagnitude ? y : Self.nextAway(y, f)) }
                return y
            })
        default:
            return correct
        }
    }

    static func with(_ p: Problem, _ f: SoftmaxFunction) -> Problem {
        var q = p
        q.function = f
        q.target = nil
        return q
    }

    static func nextAway(_ x: Double, _ f: FloatFormat) -> Double {
        x > 0 ? f.nextUp(x) : f.nextDown(x)
    }
}
