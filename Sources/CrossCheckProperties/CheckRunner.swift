import CrossCheckCore
import CrossCheckProtocol
import Foundation

/// The result of running one property.
public struct PropertyOutcome: Sendable {
    public let property: String
    /// Generated examples checked (replayed regressions not counted).
    public let examples: Int
    /// Stored counterexamples replayed first.
    public let replayed: Int
    /// The shrunk counterexample, when the property failed.
    public let counterexample: Problem?
    /// Why it failed (on the shrunk counterexample).
    public let message: String?
    /// Property evaluations spent shrinking.
    public let shrinkEvaluations: Int
    /// What went wrong besides the property: stored lines that could not be replayed
    /// (`PATH:LINE: why`), a counterexample that could not be saved.
    public var warnings: [String] = []

    public var passed: Bool { counterexample == nil && message == nil }

    /// One line for people: `PASS name (N examples)` or `FAIL name: why — request line`.
    /// Warnings follow, one `warning:` line each.
    public var summaryLine: String {
        let notes = warnings.map { "\n     warning: \($0)" }.joined()
        if passed { return "PASS \(property) (\(examples) examples, \(replayed) replayed)" + notes }
        let request = counterexample.map { ProtocolCodec.encodeRequest($0) } ?? "-"
        return "FAIL \(property): \(message ?? "failed")\n     counterexample: \(request)" + notes
    }
}

/// Runs properties against an implementation: replays stored counterexamples, then generated
/// examples from a seed; shrinks the first failure and stores it.
public struct CheckRunner: Sendable {
    /// The ground truth the properties compare against (the catalog passes the MPFR reference).
    public var reference: any SoftmaxImplementation
    public var seed: UInt64
    /// Generated examples per property.
    public var examples: Int
    public var formats: [FloatFormat]
    /// Restricts the functions checked (nil: every function the property uses).
    public var functions: [SoftmaxFunction]?
    public var maxULPOverride: Double?
    public var generator: ProblemGenerator
    public var shrinker: Shrinker
    /// Where counterexamples are replayed from and saved to (nil: neither).
    public var regressions: RegressionStore?
    /// Save new counterexamples to `regressions`.
    public var saveCounterexamples: Bool
    /// Hears `property: request line` before each generated or replayed problem is checked.
    public var trace: (@Sendable (String) -> Void)?
    /// Why the implementation can no longer be checked at all (e.g. an external one known to
    /// hang), nil while it can. Once it gives a reason, a failing example is reported as it is —
    /// not shrunk (every evaluation would fail) nor saved — and no further property is run.
    public var unusable: (@Sendable () -> String?)?

    public init(
        reference: any SoftmaxImplementation, seed: UInt64, examples: Int = 100, formats: [FloatFormat] = FloatFormat.allCases,
        functions: [SoftmaxFunction]? = nil, maxULPOverride: Double? = nil,
        generator: ProblemGenerator = ProblemGenerator(maxClasses: 4096), shrinker: Shrinker = Shrinker(),
        regressions: RegressionStore? = nil, saveCounterexamples: Bool = true,
        trace: (@Sendable (String) -> Void)? = nil, unusable: (@Sendable () -> String?)? = nil
    ) {
        self.reference = reference
        self.trace = trace
        self.unusable = unusable
        self.seed = seed
        self.examples = examples
        self.formats = formats
        self.functions = functions
        self.maxULPOverride = maxULPOverride
        self.generator = generator
        self.shrinker = shrinker
        self.regressions = regressions
        self.saveCounterexamples = saveCounterexamples
    }

    /// The functions of `property` this run checks.
    func selected(_ property: Property) -> [SoftmaxFunction] {
        guard let functions else { return property.functions }
        return property.functions.filter { functions.contains($0) }
    }

    /// Runs one property; `progress` hears each problem as it is checked.
    public func run(_ property: Property, on implementation: any SoftmaxImplementation) -> PropertyOutcome {
        let context = PropertyContext(implementation: implementation, reference: reference, maxULPOverride: maxULPOverride)
        let chosen = selected(property)
        guard !chosen.isEmpty, !formats.isEmpty else {
            return PropertyOutcome(property: property.name, examples: 0, replayed: 0, counterexample: nil, message: nil, shrinkEvaluations: 0)
        }
        var warnings: [String] = []
        func fail(_ p: Problem, _ why: String, examples: Int, replayed: Int) -> PropertyOutcome {
            func unshrunk(_ reason: String, spent: Int) -> PropertyOutcome {
                PropertyOutcome(property: property.name, examples: examples, replayed: replayed,
                                counterexample: p, message: reason, shrinkEvaluations: spent, warnings: warnings)
            }
            if let reason = unusable?() { return unshrunk(reason, spent: 0) }
            let (small, spent) = shrinker.shrink(p) { !property.holds($0, context).0 }
            // Unusable while shrinking (it hung on a candidate): every later candidate "failed".
            if let reason = unusable?() { return unshrunk("\(why); then, while shrinking: \(reason)", spent: spent) }
            let message = property.holds(small, context).1 ?? why
            if saveCounterexamples, let regressions {
                do { try regressions.save(small, for: property.name) } catch {
                    warnings.append("counterexample not saved to \(regressions.file(property.name).path): \(error.localizedDescription)")
                }
            }
            return PropertyOutcome(property: property.name, examples: examples, replayed: replayed,
                                   counterexample: small, message: message, shrinkEvaluations: spent, warnings: warnings)
        }
        // Replay stored counterexamples first.
        var replayed = 0
        if let regressions {
            let stored = regressions.problems(for: property.name)
            warnings += stored.errors.map { "not replayed: \($0)" }
            for p in stored.problems
            where chosen.contains(p.function) && formats.contains(p.format) {
                replayed += 1
                trace?("\(property.name) replay: \(ProtocolCodec.encodeRequest(p))")
                let (ok, why) = property.holds(p, context)
                if !ok { return fail(p, why ?? "failed", examples: 0, replayed: replayed) }
            }
        }
        var rng = SplitMix64(seed: seed).fork(property.name)
        for k in 0..<examples {
            let f = chosen[k % chosen.count]
            let format = formats[(k / chosen.count) % formats.count]
            let p = property.generate(generator, f, format, &rng)
            trace?("\(property.name) #\(k): \(ProtocolCodec.encodeRequest(p))")
            let (ok, why) = property.holds(p, context)
            if !ok { return fail(p, why ?? "failed", examples: k + 1, replayed: replayed) }
        }
        return PropertyOutcome(property: property.name, examples: examples, replayed: replayed, counterexample: nil, message: nil,
                               shrinkEvaluations: 0, warnings: warnings)
    }

    /// Runs every property, in order (stopping after the first failure when asked, and when the
    /// implementation has become `unusable`).
    public func run(
        _ properties: [Property], on implementation: any SoftmaxImplementation,
        stopAtFirstFailure: Bool = false, each: (PropertyOutcome) -> Void = { _ in }
    ) -> [PropertyOutcome] {
        var outcomes: [PropertyOutcome] = []
        for property in properties {
            let outcome = run(property, on: implementation)
            each(outcome)
            outcomes.append(outcome)
            if stopAtFirstFailure && !outcome.passed { break }
            if !outcome.passed, unusable?() != nil { break }
        }
        return outcomes
    }
}
