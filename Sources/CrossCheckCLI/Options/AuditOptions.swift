import ArgumentParser
import CrossCheckAudit
import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProperties
import CrossCheckProtocol
import Foundation

/// Which problems an audit evaluates (shared by `audit`, `gate` and `vectors`). Every option is
/// optional so that `gate` can tell given options from the baseline's parameters.
struct ProblemSelection: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption, help: "Formats (default: all).")
    var format: [FloatFormat] = []

    @Option(name: .customLong("output-format"), help: "Mixed precision: each --format X as the pair X→F, results rounded to F (default: each format's own, plus the implementation's mixed-precision pairs).")
    var outputFormat: FloatFormat?

    @Option(name: .long, parsing: .upToNextOption, help: "Functions, by protocol name (default: all; with --exhaustive, the elementwise ones).")
    var function: [SoftmaxFunction] = []

    @Option(name: .customLong("class"), parsing: .upToNextOption, help: "Input classes (default: all).")
    var inputClass: [RowKind] = []

    @Option(name: .long, parsing: .unconditional, help: "Samples per function × format × class (default \(AuditParameters.defaultSamples); the time scales with it).")
    var samples: Int?

    @Option(name: .long, parsing: .unconditional, help: "Seed: the same seed gives the same problems and the same report (default \(AuditParameters.defaultSeed)).")
    var seed: UInt64?

    @Option(name: .customLong("max-classes"), parsing: .unconditional, help: "Longest row generated (default \(AuditParameters.defaultMaxClasses)).")
    var maxClasses: Int?

    @Option(name: .long, parsing: .unconditional, help: "Run part i of n (0-based, e.g. 0/4); `crosscheck merge` combines the parts' --json reports.")
    var shard: String?

    @Flag(name: .long, help: "Every value of the format as x, for the elementwise functions (Float16: 2^16; Float: 2^32, use --shard).")
    var exhaustive = false

    @Option(name: .long, parsing: .unconditional, help: "Threads (default: every core). The report does not depend on it.")
    var threads: Int?

    @Flag(name: .long, help: "No progress on stderr.")
    var quiet = false

    /// True when an option narrowing or changing the problems was given.
    var isGiven: Bool {
        !format.isEmpty || outputFormat != nil || !function.isEmpty || !inputClass.isEmpty || samples != nil || seed != nil || maxClasses != nil || shard != nil || exhaustive
    }

    /// The parameters: given options over `defaults` (a baseline's), over the built-in defaults.
    /// Formats not given are the implementation's (`claims`: `supportedFormats` and
    /// `mixedPrecisionPairs`), joined with a default baseline's, so a gate's cells grow when the
    /// implementation gains a format (the new cells are reported as new); --format gives exactly
    /// those formats, no pairs (--output-format F makes each X the pair X→F).
    func parameters(defaults: AuditParameters? = nil, claims: (any SoftmaxImplementation)? = nil) throws(AuditError) -> AuditParameters {
        let (formats, functions) = (format, function)
        let mode: AuditMode = exhaustive ? .exhaustive : (defaults?.mode ?? .sampled)
        let base = defaults.map { $0.mode == mode ? $0 : AuditParameters(mode: mode) } ?? AuditParameters(mode: mode)
        var p = AuditParameters(
            mode: mode, seed: seed ?? base.seed, samples: samples ?? base.samples, maxClasses: maxClasses ?? base.maxClasses,
            functions: functions.isEmpty ? base.functions : functions, formats: formats.isEmpty ? base.formats : formats,
            classes: inputClass.isEmpty ? base.classes : inputClass.map(\.rawValue)
        )
        if formats.isEmpty {
            p.mixedPrecisionPairs = base.mixedPrecisionPairs
            if let claims { grow(&p, defaults: defaults, claims: claims) }
        }
        if let outputFormat {
            p.mixedPrecisionPairs = p.formats.filter { $0 != outputFormat }.map { FormatPair($0, outputFormat) }
            p.formats = p.formats.filter { $0 == outputFormat }
        }
        if mode == .exhaustive && !inputClass.isEmpty { throw AuditError(.usage, "--class does not apply to --exhaustive audits") }
        if let shard { p.shard = try Shard(parsing: shard) }
        if let threads, !(1...4096).contains(threads) { throw AuditError(.usage, "--threads must be in 1...4096, got \(threads)") }
        try p.validate()
        return p
    }

    /// The formats and pairs of `claims` added to parameters whose formats were not given: all of
    /// them for a new audit; for a baseline's audit, when the baseline covered every IEEE format the
    /// implementation has (a default audit, not a narrowed one), those it does not know yet.
    private func grow(_ p: inout AuditParameters, defaults: AuditParameters?, claims: any SoftmaxImplementation) {
        let known = defaults?.formats ?? []
        if defaults != nil {
            let ieee = claims.supportedFormats.filter(FloatFormat.ieeeFormats.contains)
            guard p.mode == .sampled, Set(known).isSuperset(of: ieee) else { return }
        }
        p.formats = known + claims.supportedFormats.filter { !known.contains($0) }
        p.mixedPrecisionPairs += claims.mixedPrecisionPairs.filter { !p.mixedPrecisionPairs.contains($0) }
    }

    var threadCount: Int { max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount) }

    func progress(_ label: String) -> ProgressReporter? {
        guard !quiet else { return nil }
        return ProgressReporter(label: label, unit: exhaustive ? .init(name: "inputs", perItem: ExhaustiveSweep.blockSize) : .samples)
    }
}

/// Where reports go besides the Markdown on stdout (shared by `audit`, `gate`, `merge`, `score`).
struct ReportOutputs: ParsableArguments {
    @Option(name: .long, help: "Write the JSON report (schema in Docs/AUDIT.md) to this file.")
    var json: String?

    @Option(name: .long, help: "Write JUnit XML (a test case per function × format) to this file.")
    var junit: String?

    @Option(name: .long, help: "Write a self-contained HTML report with plots to this file.")
    var html: String?

    @Flag(name: .customLong("no-timing"), help: "Leave timings out, so equal audits give byte-identical output.")
    var noTiming = false

    @Flag(name: .customLong("summary-only"), help: "Print only the function × format summary, not the table per input class.")
    var summaryOnly = false

    /// Writes the requested files (each atomically). `junitText`: the JUnit to write instead of
    /// the audit's (the gate writes its own verdict there).
    func write(_ report: AuditReport, junitText: String? = nil) throws(AuditError) {
        let timing = !noTiming
        if let json { try AtomicFile.writeAuditFile(report.json(timing: timing), to: URL(fileURLWithPath: json)) }
        if let junit { try AtomicFile.writeAuditFile(junitText ?? JUnitReport.render(report, timing: timing), to: URL(fileURLWithPath: junit)) }
        if let html { try AtomicFile.writeAuditFile(HTMLReport.render(report, timing: timing), to: URL(fileURLWithPath: html)) }
    }

    /// The Markdown for stdout.
    func markdown(_ report: AuditReport) -> String {
        MarkdownReport.render(report, timing: !noTiming, detail: !summaryOnly)
    }
}
