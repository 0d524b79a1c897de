import CrossCheckCore
import CrossCheckProtocol
import Foundation

/// The result of running one property.
public struct PropertyOutcome: Sendable {
    public let property: String
    /// Generated examples checked (replayed regressions not counted), inconclusive ones included.
    public let examples: Int
    /// Stored counterexamples replayed first.
    public let replayed: Int
    /// Examples the reference could not decide (neither passed nor failed; see `Inconclusive`).
    public var inconclusive: Int
    /// The shrunk counterexample, when the property failed.
    public let counterexample: Problem?
    /// Why it failed (on the shrunk counterexample).
    public let message: String?
    /// Property evaluations spent shrinking.
    public let shrinkEvaluations: Int
    /// What became of the counterexample: saved to a file, already stored, not saved, or the
    /// reason saving it failed (nil when the property passed).
    public var storage: CounterexampleStorage?
    /// The cells of the stratified generation and how often each was hit.
    public var coverage: Coverage
    /// The command that replays this run of the property, when the caller knows it (the CLI).
    public var replay: String?

    public init(property: String, examples: Int, replayed: Int, counterexample: Problem?, message: String?,
                shrinkEvaluations: Int, storage: CounterexampleStorage? = nil, inconclusive: Int = 0,
                coverage: Coverage = Coverage(cells: [])) {
        self.property = property
        self.examples = examples
        self.replayed = replayed
        self.counterexample = counterexample
        self.message = message
        self.shrinkEvaluations = shrinkEvaluations
        self.storage = storage
        self.inconclusive = inconclusive
        self.coverage = coverage
    }

    /// True when the property failed on some example (or its store could not be replayed).
    public var failed: Bool { counterexample != nil || message != nil }
    /// True when nothing was checked: no example applied (no cell for the selected functions and
    /// formats, no stored counterexample), or every one was inconclusive. Not a pass.
    public var skipped: Bool { !failed && examples - inconclusive + replayed == 0 }
    /// True when the property held on at least one decided example and failed on none.
    public var passed: Bool { !failed && !skipped }

    /// For people: `PASS name (N examples, I inconclusive, R replayed)`, `SKIP name: why`, or
    /// `FAIL name: why`, the counterexample as a request line, where it was saved and the
    /// command that replays it.
    public var summaryLine: String {
        let counts = "\(examples) examples" + (inconclusive > 0 ? ", \(inconclusive) inconclusive" : "") + ", \(replayed) replayed"
        if passed { return "PASS \(property) (\(counts))" }
        if skipped {
            let why = examples == 0 ? "no applicable example for the selected functions and formats" : "every example was inconclusive"
            return "SKIP \(property): \(why) (\(counts)); not counted as passed"
        }
        let request = counterexample.map { ProtocolCodec.encodeRequest($0) } ?? "-"
        var text = "FAIL \(property): \(message ?? "failed")\n     counterexample: \(request)"
        if let storage { text += "\n     \(storage)" }
        if let replay { text += "\n     replay: \(replay)" }
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
    /// Generated examples per property; nil: the default budget (`budget(_:)`), one per cell
    /// of the property's stratified generation and `randomExamples` more.
    public var examples: Int?
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
        reference: any SoftmaxImplementation, seed: UInt64, examples: Int? = nil, formats: [FloatFormat] = FloatFormat.ieeeFormats,
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

    /// The examples a run of `property` draws when `examples` is nil: one per cell of its
    /// stratified generation, then `randomExamples` more from cells drawn at random.
    public func budget(_ property: Property) -> Int {
        examples ?? property.cells(functions: selected(property), formats: formats).count + Self.randomExamples
    }

    /// Examples drawn at random, after one per cell, by the default budget.
    public static let randomExamples = 100

    /// The cells a run of `property` visits, in order, each with the stream its problem is drawn
    /// from: every cell once (in an order drawn from the seed), then random cells to the budget.
    func schedule(_ property: Property, _ cells: [CoverageCell]) -> [(cell: CoverageCell, stream: SplitMix64)] {
        guard !cells.isEmpty else { return [] }
        let total = budget(property)
        let stream = SplitMix64(seed: seed).fork(property.name)
        var order = stream.fork("order")
        let visits = cells.indices.shuffled(using: &order)
        return (0..<total).map { k in
            let cell = k < visits.count ? cells[visits[k]] : cells[Int.random(in: 0..<cells.count, using: &order)]
            return (cell, stream.fork(cell.description).fork(k < visits.count ? 0 : k))
        }
    }

    /// The generated problems of a run of `property`, with their cells, in order (nothing is evaluated).
    public func visits(_ property: Property) -> [(cell: CoverageCell, problem: Problem)] {
        schedule(property, property.cells(functions: selected(property), formats: formats)).map { cell, stream in
            var rng = stream
            return (cell, property.generate(generator.focused(on: cell), cell.function, cell.format, &rng))
        }
    }

    /// Runs one property: replays its stored counterexamples, then visits every cell of its
    /// stratified generation once (in an order drawn from the seed, so a budget smaller than the
    /// cells still spreads over them), then draws the rest of the budget from random cells.
    /// The problem of a cell's visit comes from a stream forked by the cell's name, so it is
    /// the same whichever other functions and formats the run selects.
    public func run(_ property: Property, on implementation: any SoftmaxImplementation) -> PropertyOutcome {
        let context = PropertyContext(implementation: implementation, reference: reference, maxULPOverride: maxULPOverride)
        let chosen = selected(property)
        let cells = property.cells(functions: chosen, formats: formats)
        var coverage = Coverage(cells: cells)
        var inconclusive = 0
        func fail(_ p: Problem, _ why: String, examples: Int, replayed: Int) -> PropertyOutcome {
            func unshrunk(_ reason: String, spent: Int) -> PropertyOutcome {
                PropertyOutcome(property: property.name, examples: examples, replayed: replayed,
                                counterexample: p, message: reason, shrinkEvaluations: spent,
                                inconclusive: inconclusive, coverage: coverage)
            }
            if let reason = unusable?() { return unshrunk(reason, spent: 0) }
            let (small, spent) = shrinker.shrink(p) { !property.holds($0, context).0 }
            // Unusable while shrinking (it hung on a candidate): every later candidate "failed".
            if let reason = unusable?() { return unshrunk("\(why); then, while shrinking: \(reason)", spent: spent) }
            let message = property.holds(small, context).1 ?? why
            return PropertyOutcome(property: property.name, examples: examples, replayed: replayed,
                                   counterexample: small, message: message, shrinkEvaluations: spent,
                                   storage: store(small, for: property.name), inconclusive: inconclusive, coverage: coverage)
        }
        // Replay stored counterexamples first; a store that cannot be read fails the property.
        var replayed = 0
        if let regressions {
            let stored: [Problem]
            do { stored = try regressions.problems(for: property.name) } catch {
                return PropertyOutcome(property: property.name, examples: 0, replayed: 0, counterexample: nil,
                                       message: "cannot replay the stored counterexamples: \(error)", shrinkEvaluations: 0)
            }
            let pairs = Set(formats.map { FormatPair($0, $0) } + (property.coversMixedPrecision ? mixedPrecisionPairs : []))
            for p in stored where chosen.contains(p.function) && pairs.contains(FormatPair(p.format, p.outputFormat)) {
                replayed += 1
                trace?("\(property.name) replay: \(ProtocolCodec.encodeRequest(p))")
                let (ok, why) = property.holds(p, context)
                if !ok { return fail(p, why ?? "failed", examples: 0, replayed: replayed) }
            }
        }
        // Each cell of the property's stratification, then — for the properties that cover mixed
        // precision — each cell of a pair's input format once more, its results rounded to the
        // pair's output format (a stream of its own per pair and cell).
        var runs = schedule(property, cells).map { (cell: $0.cell, stream: $0.stream, output: $0.cell.format) }
        for pair in property.coversMixedPrecision ? mixedPrecisionPairs : [] {
            let streams = SplitMix64(seed: seed).fork(property.name).fork(pair.description)
            runs += property.cells(functions: chosen, formats: [pair.input]).map { cell in
                (cell: cell, stream: streams.fork(cell.description), output: pair.output)
            }
        }
        for (k, (cell, stream, output)) in runs.enumerated() {
            var rng = stream
            var p = property.generate(generator.focused(on: cell), cell.function, cell.format, &rng)
            p.outputFormat = output
            // A hit of the cell the problem is of (`CoverageCell.mismatch`), not of the cell scheduled.
            if output == cell.format, cell.mismatch(p) == nil { coverage.record(cell) }
            trace?("\(property.name) #\(k) [\(cell)\(output == cell.format ? "" : " → \(output.rawValue)")]: \(ProtocolCodec.encodeRequest(p))")
            switch property.verdict(p, context) {
            case .holds: break
            case .inconclusive: inconclusive += 1
            case .fails(let why): return fail(p, why, examples: k + 1, replayed: replayed)
            }
        }
        return PropertyOutcome(property: property.name, examples: runs.count, replayed: replayed, counterexample: nil, message: nil,
                               shrinkEvaluations: 0, inconclusive: inconclusive, coverage: coverage)
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
            if stopAtFirstFailure && outcome.failed { break }
            if outcome.failed, unusable?() != nil { break }
        }
        return outcomes
    }
}
