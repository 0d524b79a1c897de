import CrossCheckCatalog
import Foundation
import CrossCheckCore
import CrossCheckProperties

/// One part of an audit split `count` ways: sample k of every cell belongs to shard k mod count.
///
/// Written `index/count` on the command line, 0-based (`0/4` … `3/4`), so that Slurm's
/// `SLURM_ARRAY_TASK_ID` (with `--array=0-3`), a Kubernetes indexed job's `JOB_COMPLETION_INDEX`
/// and a CI matrix index can be passed straight through.
public struct Shard: Codable, Hashable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The largest shard count: 2⁴⁰ (far more machines than anyone has; sample indices stay small).
    public static let maximumCount = 1 << 40

    public init(index: Int, count: Int) throws(AuditError) {
        guard count >= 1 else { throw AuditError(.usage, "--shard: the shard count must be at least 1, got \(count)") }
        guard count <= Self.maximumCount else { throw AuditError(.usage, "--shard: the shard count must be at most 2^40, got \(count)") }
        guard (0..<count).contains(index) else {
            throw AuditError(.usage, "--shard: the shard index must be in 0..<\(count) (shards are numbered from 0), got \(index)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`, e.g. `0/4`.
    public init(parsing text: String) throws(AuditError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw AuditError(.usage, "--shard: expected INDEX/COUNT such as 0/4 (shards are numbered from 0), got \"\(text)\"")
        }
        try self.init(index: i, count: n)
    }

    /// True when sample `k` of a cell belongs to this shard.
    public func contains(_ k: Int) -> Bool { k % count == index }

    /// How many of the samples 0..<total belong to this shard.
    public func share(of total: Int) -> Int { total > index ? (total - index + count - 1) / count : 0 }

    public var description: String { "\(index)/\(count)" }

    enum CodingKeys: String, CodingKey { case index, count }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(index: c.decode(Int.self, forKey: .index), count: c.decode(Int.self, forKey: .count))
    }
}

/// How the inputs of an audit are chosen.
public enum AuditMode: String, Codable, Hashable, Sendable {
    /// Generated rows of every input class (`RowKind`), each sample from its own seeded stream.
    case sampled
    /// Every value of the format as x, in blocks of 256 bit patterns: for the elementwise functions,
    /// and as the rows [0, x] for logsumexp, softmax, log_softmax and cross-entropy (class 1).
    case exhaustive
}

/// Everything that decides which problems an audit evaluates. Two runs with equal parameters
/// evaluate exactly the same problems, whatever the number of threads or machines.
public struct AuditParameters: Codable, Hashable, Sendable {
    public var mode: AuditMode
    public var seed: UInt64
    /// Samples per cell (`sampled`: 1...`maximumSamples`); ignored by `exhaustive`, whose cells
    /// have 2ᵇⁱᵗˢ/256 blocks.
    public var samples: Int
    /// The longest row generated (the `long` class draws 1,024…`maxClasses` logits;
    /// 1...`maximumMaxClasses`).
    public var maxClasses: Int
    public var functions: [SoftmaxFunction]
    public var formats: [FloatFormat]
    /// Mixed-precision pairs (inputs in one format, results correctly rounded to another), audited
    /// in cells of their own after `formats`.
    public var mixedPrecisionPairs: [FormatPair]
    /// The input classes: `RowKind` names (`sampled`); ignored by `exhaustive`.
    public var classes: [String]
    /// The part of the audit this run covers; nil for all of it.
    public var shard: Shard?

    /// The default budget: finishes in under two minutes on two cores for the fast paths.
    public static let defaultSamples = 32
    public static let defaultMaxClasses = 2048
    public static let defaultSeed: UInt64 = 1
    /// The most samples per cell: 10⁹ (a week of the reference on one core already).
    public static let maximumSamples = 1_000_000_000
    /// The longest row: 2²⁴ logits (the reference keeps each at high precision).
    public static let maximumMaxClasses = 1 << 24

    public init(
        mode: AuditMode = .sampled, seed: UInt64 = defaultSeed, samples: Int = defaultSamples,
        maxClasses: Int = defaultMaxClasses, functions: [SoftmaxFunction]? = nil, formats: [FloatFormat] = FloatFormat.ieeeFormats,
        classes: [String]? = nil, shard: Shard? = nil, mixedPrecisionPairs: [FormatPair] = []
    ) {
        self.mixedPrecisionPairs = mixedPrecisionPairs
        self.mode = mode
        self.seed = seed
        self.samples = samples
        self.maxClasses = maxClasses
        self.functions = functions ?? (mode == .exhaustive ? SoftmaxFunction.allCases.filter { $0.shape == .elementwise } : SoftmaxFunction.allCases)
        self.formats = formats
        self.classes = classes ?? (mode == .exhaustive ? [] : RowKind.allCases.map(\.rawValue))
        self.shard = shard
    }

    /// The (input, output) formats of the cells, in report order: each format with itself, then
    /// the mixed-precision pairs.
    public var formatPairs: [FormatPair] { formats.map { FormatPair($0, $0) } + mixedPrecisionPairs }

    /// The same parameters without the shard: what every shard of one audit shares.
    public var unsharded: AuditParameters {
        var p = self
        p.shard = nil
        return p
    }

    /// True when `other` generates the same problem for every cell both select: the same mode,
    /// seed, samples and longest row (the selection of functions, formats and classes may differ).
    public func drawsSameInputs(as other: AuditParameters) -> Bool {
        (mode, seed, samples, maxClasses) == (other.mode, other.seed, other.samples, other.maxClasses)
    }

    /// True when these parameters' audit has `cell`: its function, its (input, output) format pair
    /// and its class (a `RowKind` name when sampled, an exhaustive class when exhaustive).
    public func selects(_ cell: AuditCell) -> Bool {
        guard functions.contains(cell.function), formatPairs.contains(cell.formatPair) else { return false }
        switch mode {
        case .sampled: return classes.contains(cell.inputClass)
        case .exhaustive: return ExhaustiveSweep.classes(cell.function).contains(cell.inputClass)
        }
    }

    /// `validate()` for parameters read from a file: the error is of `kind`, prefixed with `what`
    /// (the options' names in its message are the file's `parameters` fields).
    public func validate(in what: String, kind: AuditError.Kind) throws(AuditError) {
        do { try validate() } catch { throw AuditError(kind, "\(what): parameters: \(error.message)") }
    }

    /// Throws a usage error naming what is inconsistent.
    public func validate() throws(AuditError) {
        if functions.isEmpty || formatPairs.isEmpty { throw AuditError(.usage, "the audit selects no function or no format") }
        switch mode {
        case .sampled:
            guard (1...Self.maximumSamples).contains(samples) else {
                throw AuditError(.usage, "--samples must be in 1...1000000000, got \(samples)")
            }
            guard (1...Self.maximumMaxClasses).contains(maxClasses) else {
                throw AuditError(.usage, "--max-classes must be in 1...16777216 (2^24), got \(maxClasses)")
            }
            if classes.isEmpty { throw AuditError(.usage, "the audit selects no input class") }
            for c in classes where RowKind(rawValue: c) == nil {
                throw AuditError(.usage, "unknown input class '\(c)'; expected one of: \(RowKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        case .exhaustive:
            if let row = functions.first(where: { !ExhaustiveSweep.sweeps($0) }) {
                let twoClass = ExhaustiveSweep.twoClassFunctions.map(\.function.name).joined(separator: ", ")
                throw AuditError(.usage, "--exhaustive covers the elementwise functions (\(ExhaustiveSweep.elementwiseFunctionNames)) and the two-class rows [0, x] of \(twoClass); \(row.name) takes longer rows")
            }
        }
    }
}

/// One cell of an audit: a function in a format (inputs in `format`, results in `outputFormat`,
/// the same unless mixed) on one class of inputs.
public struct AuditCell: Codable, Hashable, Sendable, CustomStringConvertible {
    public var function: SoftmaxFunction
    public var format: FloatFormat
    /// The format the results are rounded to and measured in (`output_format` in JSON, written
    /// only when it differs from `format`).
    public var outputFormat: FloatFormat
    /// A `RowKind` name, or for exhaustive audits `all` or `t=0`, `t=0.5`, `t=1`.
    public var inputClass: String

    public init(function: SoftmaxFunction, format: FloatFormat, outputFormat: FloatFormat? = nil, inputClass: String) {
        self.function = function
        self.format = format
        self.outputFormat = outputFormat ?? format
        self.inputClass = inputClass
    }

    /// `bfloat16→float32`, or `float32`.
    public var formatPair: FormatPair { FormatPair(format, outputFormat) }

    /// The function × format pair the cell belongs to.
    public var pair: FunctionFormat { FunctionFormat(function: function, format: format, outputFormat: outputFormat) }

    public var description: String { "\(function.name) \(formatPair) \(inputClass)" }

    enum CodingKeys: String, CodingKey {
        case function, format
        case outputFormat = "output_format"
        case inputClass = "class"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(function: try c.decode(SoftmaxFunction.self, forKey: .function), format: try c.decode(FloatFormat.self, forKey: .format),
                  outputFormat: try c.decodeIfPresent(FloatFormat.self, forKey: .outputFormat),
                  inputClass: try c.decode(String.self, forKey: .inputClass))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(function, forKey: .function)
        try c.encode(format, forKey: .format)
        if outputFormat != format { try c.encode(outputFormat, forKey: .outputFormat) }
        try c.encode(inputClass, forKey: .inputClass)
    }
}

/// A function in a format (or a mixed pair): the unit of the summary table, of JUnit test cases
/// and of the claims.
public struct FunctionFormat: Hashable, Sendable, CustomStringConvertible {
    public var function: SoftmaxFunction
    public var format: FloatFormat
    public var outputFormat: FloatFormat
    public init(function: SoftmaxFunction, format: FloatFormat, outputFormat: FloatFormat? = nil) {
        self.function = function
        self.format = format
        self.outputFormat = outputFormat ?? format
    }
    public var formatPair: FormatPair { FormatPair(format, outputFormat) }
    public var description: String { "\(function.name) \(formatPair)" }
}
