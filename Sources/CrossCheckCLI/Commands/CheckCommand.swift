import ArgumentParser
import CrossCheckAudit
import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProperties
import CrossCheckProtocol
import CrossCheckReference
import Foundation

/// `crosscheck check`: runs the property catalog against an implementation.
public struct CheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the property catalog against an implementation; one line per property.",
        discussion: """
        Stored counterexamples are replayed first; then --examples generated problems per \
        property, from --seed (printed, so a run can be replayed). A failure is shrunk to a \
        minimal counterexample, printed as a protocol request line and saved ("saved to PATH").

        The regression store: --regressions DIR when given (created when a counterexample is \
        saved); otherwise Fixtures/regressions if that directory exists in the current directory \
        (a CrossCheck checkout, or a project that made one); otherwise none, and nothing is \
        written (the `regressions:` line says which). A store that cannot be read is an error \
        (exit 4).

        Exit status: 0 when every property holds (a SKIP is not a failure), 1 when one fails; 5 \
        when no property checked anything (every one SKIP: no applicable example for the selected \
        functions and formats, or every example inconclusive); 4 when the --external command \
        does not answer at all (nothing is stored then) or the regression store cannot be read. \
        An --external command that gives no answer within --timeout is killed with its process \
        group and not started again: that property fails (its example is not shrunk nor stored) \
        and the rest are not run.
        """
    )

    @OptionGroup var implementation: ImplementationOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Formats to check (default: all).")
    var format: [FloatFormat] = []

    @Option(name: .customLong("output-format"), help: ArgumentHelp(
        "Mixed precision: results in this format, inputs in each --format (default: each format's own, plus the implementation's mixed-precision pairs).",
        discussion: "Only the properties that compare outputs with the reference (accuracy, limits) run on mixed pairs."))
    var outputFormat: FloatFormat?

    @Option(name: .long, parsing: .upToNextOption, help: "Functions to check, by protocol name (default: all).")
    var function: [SoftmaxFunction] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Properties to run (default: the whole catalog).")
    var property: [String] = []

    @Option(name: .long, parsing: .unconditional, help: "Seed of the run (default: random, printed).")
    var seed: UInt64?

    @Option(name: .long, parsing: .unconditional, help: "Generated examples per property (default: one per cell of its stratified generation — function × format × row kind × target shape — then \(CheckRunner.randomExamples) from random cells).")
    var examples: Int?

    @Flag(name: .long, help: "After each property, print which cells of its stratified generation were hit and how often.")
    var coverage = false

    @Option(name: .long, help: "Directory of stored counterexamples, replayed first and added to (default: ./\(CheckCommand.projectStore) when it exists, else none).")
    var regressions: String?

    /// The project's own store, used when it exists in the current directory.
    static let projectStore = "Fixtures/regressions"

    @Flag(name: .customLong("no-save"), help: "Do not store new counterexamples.")
    var noSave = false

    @Flag(name: .long, help: "Print each problem (as a request line) to stderr before checking it.")
    var verbose = false

    @Flag(name: .customLong("exhaustive-float16"), help: "Instead of the catalog: every Float16 input of the elementwise functions (t = 0, ½ and 1) and of two-class rows [0, x], against the reference.")
    var exhaustiveFloat16 = false

    @Option(name: .customLong("exhaustive-format"), help: "Like --exhaustive-float16 in any 16- or 8-bit format: bfloat16 (65,536 inputs), float8_e4m3fn, float8_e5m2 (256), float16.")
    var exhaustiveFormat: FloatFormat?

    /// The format of the exhaustive sweep asked for, if any.
    var exhaustiveSweepFormat: FloatFormat? { exhaustiveFormat ?? (exhaustiveFloat16 ? .float16 : nil) }

    public init() {}

    func runExhaustive(_ subject: any SoftmaxImplementation, format: FloatFormat) -> ExitStatus {
        print(replayCommand(exhaustive: format))
        var failed = 0
        let sweeps = ExhaustiveSweep.sweeps
        for sweep in sweeps {
            let result = ExhaustiveSweep.run(subject, reference: ReferenceImplementation(), format: format, sweeps: [sweep])[0]
            let bound = implementation.maxULP ?? subject.maximumULPError(sweep.function, format)
            let ok = result.holds(to: bound)
            if !ok { failed += 1 }
            print((ok ? "PASS " : "FAIL ") + result.line)
            fflush(nil)
        }
        print("\(sweeps.count - failed) passed, \(failed) failed")
        return failed > 0 ? .failed : .passed
    }

    @Sendable static func traceToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    public mutating func validate() throws {
        for p in property where Catalog.named(p) == nil {
            throw ValidationError("unknown property '\(p)'; expected one of: \(Catalog.all.map(\.name).joined(separator: ", "))")
        }
        if let format = exhaustiveFormat, format.bitWidth > 16 {
            throw ValidationError("--exhaustive-format takes a 16- or 8-bit format (2^\(format.bitWidth) inputs of \(format.rawValue) are for `crosscheck audit --exhaustive`, sharded)")
        }
        if exhaustiveFormat != nil && exhaustiveFloat16 { throw ValidationError("--exhaustive-float16 and --exhaustive-format: give one") }
        if exhaustiveSweepFormat != nil {
            // The sweeps are fixed (every function and target of `ExhaustiveSweep.sweeps`): options
            // that select or draw catalog examples would be silently ignored.
            let ignored = [("--function", !function.isEmpty), ("--format", !format.isEmpty), ("--property", !property.isEmpty),
                           ("--output-format", outputFormat != nil), ("--seed", seed != nil), ("--examples", examples != nil),
                           ("--coverage", coverage)].filter(\.1).map(\.0)
            if !ignored.isEmpty {
                throw ValidationError("\(ignored.joined(separator: ", ")) cannot be combined with --exhaustive-format/--exhaustive-float16 (the sweeps cover every function and input of the format)")
            }
        }
        if let examples, !(0...1_000_000_000).contains(examples) { throw ValidationError("--examples must be in 0...1000000000, got \(examples)") }
    }

    public func run() throws {
        ProcessCleanup.installInterruptHandler()
        try runCommand { () throws(AuditError) -> ExitStatus in
            let subject = try implementation.resolve().make()
            if let external = implementation.external {
                // A command that cannot answer anything is a setup error, not a counterexample to store.
                try Preflight.check(subject, name: "`\(external)`")
            }
            if let format = exhaustiveSweepFormat { return runExhaustive(subject, format: format) }
            let store = regressionStore()
            if let store {
                // Every file the run would replay must read: a store silently skipped lets a fixed bug back in.
                do {
                    try store.validate()
                    for p in selectedProperties { _ = try store.problems(for: p.name) }
                } catch { throw AuditError(.badInput, "\(error)") }
            }
            return runCatalog(subject, store: store)
        }
    }

    /// Why `subject` can no longer be checked: an external implementation known to hang.
    static func unusable(_ subject: any SoftmaxImplementation) -> (@Sendable () -> String?)? {
        guard let external = subject as? ExternalImplementation else { return nil }
        return { external.hang?.message }
    }

    /// The properties to run.
    var selectedProperties: [Property] { property.isEmpty ? Catalog.all : property.compactMap(Catalog.named) }

    /// The store the rule above chooses: the one given, the project's if it exists here, or none.
    func regressionStore() -> RegressionStore? {
        if let regressions { return RegressionStore(directory: URL(fileURLWithPath: regressions)) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: Self.projectStore, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        return RegressionStore(directory: URL(fileURLWithPath: Self.projectStore))
    }

    /// One line saying where counterexamples come from and go.
    func storeLine(_ store: RegressionStore?) -> String {
        guard let store else {
            return "regressions: none (no ./\(Self.projectStore) here); counterexamples are not saved: --regressions DIR keeps them"
        }
        return "regressions: replayed from \(store.directory.path)" + (noSave ? ", new counterexamples not saved (--no-save)" : ", new counterexamples saved there")
    }

    /// The single formats and mixed pairs to check: with --output-format F, each input format X
    /// as X→F (X itself when X = F); otherwise the formats (--format, or the implementation's) and
    /// the implementation's mixed pairs whose input is among them.
    func cells(_ subject: any SoftmaxImplementation) -> (formats: [FloatFormat], pairs: [FormatPair]) {
        let inputs = format.isEmpty ? subject.supportedFormats : format
        if let outputFormat {
            let inputs = format.isEmpty ? [outputFormat] + subject.mixedPrecisionPairs.filter { $0.output == outputFormat }.map(\.input) : format
            return (inputs.filter { $0 == outputFormat }, inputs.filter { $0 != outputFormat }.map { FormatPair($0, outputFormat) })
        }
        return (inputs, subject.mixedPrecisionPairs.filter { inputs.contains($0.input) })
    }

    func runCatalog(_ subject: any SoftmaxImplementation, store: RegressionStore?) -> ExitStatus {
        let seed = self.seed ?? UInt64.random(in: 0...UInt64.max)
        let (formats, pairs) = cells(subject)
        let runner = CheckRunner(
            reference: ReferenceImplementation(), seed: seed, examples: examples,
            formats: formats, mixedPrecisionPairs: pairs,
            functions: function.isEmpty ? nil : function,
            maxULPOverride: implementation.maxULP,
            regressions: store,
            saveCounterexamples: !noSave,
            trace: verbose ? Self.traceToStandardError : nil,
            unusable: Self.unusable(subject)
        )
        let properties = selectedProperties
        print(replayCommand(seed: seed))
        print(storeLine(store))
        fflush(nil)
        let outcomes = runner.run(properties, on: subject) { outcome in
            var outcome = outcome
            if outcome.failed { outcome.replay = replayCommand(seed: seed, property: outcome.property) }
            print(outcome.summaryLine)
            if coverage { print(outcome.coverage.lines(indent: "     ").joined(separator: "\n")) }
            fflush(nil)
        }
        let failed = outcomes.count(where: \.failed), skipped = outcomes.count(where: \.skipped)
        if outcomes.count < properties.count {
            print("\(properties.count - outcomes.count) properties not run: the implementation is not started again after a time-out")
        }
        let inconclusive = outcomes.reduce(0) { $0 + $1.inconclusive }
        print("\(outcomes.count - failed - skipped) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped (no applicable example)" : "")
              + (inconclusive > 0 ? "; \(inconclusive) inconclusive examples (the reference could not decide them)" : ""))
        if failed > 0 { return .failed }
        if failed + skipped == outcomes.count { print("nothing checked: every property was skipped"); return .nothingChecked }
        return .passed
    }

    /// The command line that replays this run (of one property, when given), runnable as pasted
    /// in a POSIX shell: every option that decides the examples, arguments quoted where needed.
    func replayCommand(seed: UInt64, property only: String? = nil) -> String {
        var words = implementationWords()
        words += ["--seed", "\(seed)"]
        if let examples { words += ["--examples", "\(examples)"] }
        if !format.isEmpty { words += ["--format"] + format.map(\.rawValue) }
        if let outputFormat { words += ["--output-format", outputFormat.rawValue] }
        if !function.isEmpty { words += ["--function"] + function.map(\.name) }
        if let only { words += ["--property", only] } else if !property.isEmpty { words += ["--property"] + property }
        if let regressions { words += ["--regressions", regressions] }
        if noSave { words += ["--no-save"] }
        return words.map(Self.shellQuoted).joined(separator: " ")
    }

    /// The command line that replays the exhaustive sweep of `format`, as pasted in a POSIX shell.
    func replayCommand(exhaustive format: FloatFormat) -> String {
        (implementationWords() + ["--exhaustive-format", format.rawValue]).map(Self.shellQuoted).joined(separator: " ")
    }

    /// `crosscheck check` and the options that choose the implementation and its bound.
    func implementationWords() -> [String] {
        var words = ["crosscheck", "check"]
        if let external = implementation.external {
            words += ["--external", external]
            if implementation.timeout != ImplementationOptions.defaultTimeout { words += ["--timeout", "\(implementation.timeout)"] }
        } else if let name = implementation.implementation {
            words += ["--implementation", name.name]
        }
        if let maxULP = implementation.maxULP { words += ["--max-ulp", "\(maxULP)"] }
        return words
    }

    /// `word` as one POSIX shell word: unchanged when it has only safe characters, else in single
    /// quotes (a quote inside written '\'').
    static func shellQuoted(_ word: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:+,@%")
        if !word.isEmpty && word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
