import ArgumentParser
import CrossCheckAudit
import CrossCheckCore
import CrossCheckProperties
import Foundation

/// `crosscheck check`: runs the property catalog against an implementation.
public struct CheckCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the property catalog against an implementation; one line per property.",
        discussion: """
        Stored counterexamples (--regressions, default Fixtures/regressions) are replayed \
        first; then --examples generated problems per property, from --seed (printed, so a \
        run can be replayed). A failure is shrunk to a minimal counterexample, printed as a \
        protocol request line and saved.

        Exit status: 0 when every property holds, 1 otherwise; 4 when the --external command \
        does not answer at all (nothing is stored then).
        """
    )

    @Option(name: .long, help: "A built-in implementation: \(Implementations.names.joined(separator: ", ")).")
    var implementation: String?

    @Option(name: .long, help: "A command that speaks the JSON-lines protocol on stdin/stdout (run with /bin/sh -c).")
    var external: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Formats to check: float16 float32 float64 (default: all).")
    var format: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Functions to check, by protocol name (default: all).")
    var function: [String] = []

    @Option(name: .long, parsing: .upToNextOption, help: "Properties to run (default: the whole catalog).")
    var property: [String] = []

    @Option(name: .long, help: "Seed of the run (default: random, printed).")
    var seed: UInt64?

    @Option(name: .long, help: "Generated examples per property.")
    var examples: Int = 100

    @Option(name: .customLong("max-ulp"), help: "The error bound, in ulps, to hold the implementation to (default: what it claims; 1 for --external).")
    var maxULP: Double?

    @Option(name: .long, help: "Seconds an external implementation may take per answer.")
    var timeout: Double = 10

    @Option(name: .long, help: "Directory of stored counterexamples, replayed first and added to.")
    var regressions: String = "Fixtures/regressions"

    @Flag(name: .customLong("no-save"), help: "Do not store new counterexamples.")
    var noSave = false

    @Flag(name: .long, help: "Print each problem (as a request line) to stderr before checking it.")
    var verbose = false

    @Flag(name: .customLong("exhaustive-float16"), help: "Instead of the catalog: every Float16 input of the elementwise functions (t = 0 and 1) and of two-class rows [0, x], against the reference.")
    var exhaustiveFloat16 = false

    public init() {}

    func runExhaustive(_ subject: any SoftmaxImplementation) throws {
        print("crosscheck check --implementation \(subject.name) --exhaustive-float16")
        var failed = 0
        for name in ExhaustiveFloat16.sweepNames {
            let result = ExhaustiveFloat16.run(subject, only: [name])[0]
            let function = SoftmaxFunction.allCases.first { name.hasPrefix($0.name + " ") || name == $0.name }!
            let bound = maxULP ?? subject.maximumULPError(function, .float16)
            let ok = result.worstULP <= bound && result.wrongNonFinite == 0
            if !ok { failed += 1 }
            print((ok ? "PASS " : "FAIL ") + result.line)
            fflush(nil)
        }
        print("\(ExhaustiveFloat16.sweepNames.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }

    @Sendable static func traceToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    public mutating func validate() throws {
        if implementation != nil && external != nil { throw ValidationError("give --implementation or --external, not both") }
        if let implementation, Implementations.named(implementation) == nil {
            throw ValidationError("unknown implementation '\(implementation)'; expected one of: \(Implementations.names.joined(separator: ", "))")
        }
        for f in format where FloatFormat(rawValue: f) == nil { throw ValidationError("unknown format '\(f)'; expected float16, float32 or float64") }
        for f in function where SoftmaxFunction(rawValue: f) == nil {
            throw ValidationError("unknown function '\(f)'; expected one of: \(SoftmaxFunction.allCases.map(\.name).joined(separator: ", "))")
        }
        for p in property where Catalog.named(p) == nil {
            throw ValidationError("unknown property '\(p)'; expected one of: \(Catalog.all.map(\.name).joined(separator: ", "))")
        }
        if examples < 0 { throw ValidationError("--examples must be ≥ 0") }
        if let maxULP, !(maxULP >= 0) { throw ValidationError("--max-ulp must be ≥ 0") }
        if !(timeout > 0) { throw ValidationError("--timeout must be > 0") }
    }

    public func run() throws {
        let subject: any SoftmaxImplementation
        if let external {
            subject = ExternalImplementation(command: external, timeout: timeout, maximumULPError: maxULP ?? 1)
        } else {
            subject = Implementations.named(implementation ?? Implementations.defaultCheckName)!
        }
        if let external {
            // A command that cannot answer anything is a setup error, not a counterexample to store.
            do {
                try Preflight.check(subject, name: "`\(external)`")
            } catch {
                FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
                throw ExitCode(4)
            }
        }
        if exhaustiveFloat16 {
            try runExhaustive(subject)
            return
        }
        let seed = self.seed ?? UInt64.random(in: 0...UInt64.max)
        let runner = CheckRunner(
            seed: seed, examples: examples,
            formats: format.isEmpty ? FloatFormat.allCases : format.compactMap(FloatFormat.init),
            functions: function.isEmpty ? nil : function.compactMap(SoftmaxFunction.init),
            maxULPOverride: maxULP,
            regressions: RegressionStore(directory: URL(fileURLWithPath: regressions)),
            saveCounterexamples: !noSave,
            trace: verbose ? Self.traceToStandardError : nil
        )
        let properties = property.isEmpty ? Catalog.all : property.compactMap(Catalog.named)
        print("crosscheck check --implementation \(external.map { "external (\($0))" } ?? subject.name) --seed \(seed) --examples \(examples)")
        fflush(nil)
        let outcomes = runner.run(properties, on: subject) { outcome in
            print(outcome.summaryLine)
            fflush(nil)
        }
        let failed = outcomes.filter { !$0.passed }.count
        print("\(outcomes.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
