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
    /// What became of the counterexample: saved to a file, already stored, not saved, or the
    /// reason saving it failed (nil when the property passed).
    public var storage: CounterexampleStorage?

    public init(property: String, examples: Int, replayed: Int, counterexample: Problem?, message: String?,
                shrinkEvaluations: Int, storage: CounterexampleStorage? = nil) {
        self.property = property
        self.examples = examples
        self.replayed = replayed
        self.counterexample = counterexample
        self.message = message
        self.shrinkEvaluations = shrinkEvaluations
        self.storage = storage
    }

    public var passed: Bool { counterexample == nil && message == nil }

    /// For people: `PASS name (N examples)`, or `FAIL name: why`, the counterexample as a request
    /// line, and where it was saved.
    public var summaryLine: String {
        if passed { return "PASS \(property) (\(examples) examples, \(replayed) replayed)" }
        let request = counterexample.map { ProtocolCodec.encodeRequest($0) } ?? "-"
        var text = "FAIL \(property): \(message ?? "failed")\n     counterexample: \(request)"
        if let storage { text += "\n     \(storage)" }
        return text
    }
}

/// What became of a failing property's counterexample.
public enum CounterexampleStorage: Sendable, Equatable, CustomStringConvertible {
    /// Added to this file of the regression store.
    case saved(path: String)
    /// The file already had it (a stored counterexample that still fails).
    case alreadyStored(path: String)
    /// Not saved: no store, or saving turned off.
    case notSaved
    /// Saving failed, for this reason.
    case failed(path: String, reason: String)

    public var description: String {
        switch self {
        case .saved(let path): "saved to \(path)"
        case .alreadyStored(let path): "already stored in \(path)"
        case .notSaved: "not saved (no regression store)"
        case .failed(let path, let reason): "could not be saved to \(path): \(reason)"
        }
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
    /// Mixed-precision pairs (inputs in one format, results in another) checked besides `formats`
    /// by the properties that cover them (`Property.coversMixedPrecision`).
    public var mixedPrecisionPairs: [FormatPair]
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
        reference: any SoftmaxImplementation, seed: UInt64, examples: Int = 100, formats: [FloatFormat] = FloatFormat.ieeeFormats,
        mixedPrecisionPairs: [FormatPair] = [],
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
        self.mixedPrecisionPairs = mixedPrecisionPairs
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
        // The (input, output) cells: each format with itself, then the mixed pairs the property covers.
        let cells = formats.map { FormatPair($0, $0) } + (property.coversMixedPrecision ? mixedPrecisionPairs : [])
        guard !chosen.isEmpty, !cells.isEmpty else {
            return PropertyOutcome(property: property.name, examples: 0, replayed: 0, counterexample: nil, message: nil, shrinkEvaluations: 0)
        }
        func fail(_ p: Problem, _ why: String, examples: Int, replayed: Int) -> PropertyOutcome {
            func unshrunk(_ reason: String, spent: Int) -> PropertyOutcome {
                PropertyOutcome(property: property.name, examples: examples, replayed: replayed,
                                counterexample: p, message: reason, shrinkEvaluations: spent)
            }
            if let reason = unusable?() { return unshrunk(reason, spent: 0) }
            let (small, spent) = shrinker.shrink(p) { !property.holds($0, context).0 }
            // Unusable while shrinking (it hung on a candidate): every later candidate "failed".
            if let reason = unusable?() { return unshrunk("\(why); then, while shrinking: \(reason)", spent: spent) }
            let message = property.holds(small, context).1 ?? why
            return PropertyOutcome(property: property.name, examples: examples, replayed: replayed,
                                   counterexample: small, message: message, shrinkEvaluations: spent,
                                   storage: store(small, for: property.name))
        }
        // Replay stored counterexamples first; a store that cannot be read fails the property.
        var replayed = 0
        if let regressions {
            let stored: [Problem]
            do { stored = try regressions.problems(for: property.name) } catch {
                return PropertyOutcome(property: property.name, examples: 0, replayed: 0, counterexample: nil,
                                       message: "cannot replay the stored counterexamples: \(error)", shrinkEvaluations: 0)
            }
            for p in stored where chosen.contains(p.function) && cells.contains(FormatPair(p.format, p.outputFormat)) {
                replayed += 1
                trace?("\(property.name) replay: \(ProtocolCodec.encodeRequest(p))")
                let (ok, why) = property.holds(p, context)
                if !ok { return fail(p, why ?? "failed", examples: 0, replayed: replayed) }
            }
        }
        var rng = SplitMix64(seed: seed).fork(property.name)
        for k in 0..<examples {
            let f = chosen[k % chosen.count]
            let cell = cells[(k / chosen.count) % cells.count]
            var p = property.generate(generator, f, cell.input, &rng)
            p.outputFormat = cell.output
            trace?("\(property.name) #\(k): \(ProtocolCodec.encodeRequest(p))")
            let (ok, why) = property.holds(p, context)
            if !ok { return fail(p, why ?? "failed", examples: k + 1, replayed: replayed) }
        }
        return PropertyOutcome(property: property.name, examples: examples, replayed: replayed, counterexample: nil, message: nil,
                               shrinkEvaluations: 0)
    }

    /// Saves a counterexample when the run keeps them, and says what became of it.
    func store(_ problem: Problem, for property: String) -> CounterexampleStorage {
        guard saveCounterexamples, let regressions else { return .notSaved }
        let path = regressions.path(for: property)
        do {
            return try regressions.save(problem, for: property) ? .saved(path: path) : .alreadyStored(path: path)
        } catch {
            return .failed(path: path, reason: "\(error)")
        }
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
