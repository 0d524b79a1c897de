import CrossCheckCore
import CrossCheckProperties
import Foundation

/// The result of an audit: the statistics of every cell, and what produced them.
///
/// Its JSON form (schema in Docs/AUDIT.md, `schema_version` 1) is what `--json` writes, what
/// `merge` and `gate --report` read. For a given implementation and parameters it is the same,
/// byte for byte, whatever the number of threads or shards — apart from the timing fields
/// (`*_seconds`), which `--no-timing` leaves out.
public struct AuditReport: Sendable, Equatable {
    public static let schemaVersion = 1
    public static let kind = "crosscheck-audit-report"

    /// The implementation audited (`external: CMD` for an external command, a name for offline answers).
    public var implementation: String
    public var parameters: AuditParameters
    /// Cells in plan order.
    public var cells: [CellStatistics]
    /// Wall-clock time of the run (summed over shards by `merge`).
    public var elapsedSeconds: Double?

    public init(implementation: String, parameters: AuditParameters, cells: [CellStatistics], elapsedSeconds: Double? = nil) {
        self.implementation = implementation
        self.parameters = parameters
        self.cells = cells
        self.elapsedSeconds = elapsedSeconds
    }

    /// One line per function × format, aggregating its input classes in plan order (the class
    /// of an aggregate is `all`).
    public var summary: [CellStatistics] {
        var order: [FunctionFormat] = []
        var rows: [FunctionFormat: CellStatistics] = [:]
        for c in cells {
            let key = c.cell.pair
            if rows[key] == nil {
                order.append(key)
                var s = CellStatistics(cell: AuditCell(function: key.function, format: key.format, outputFormat: key.outputFormat, inputClass: "all"), bound: c.bound)
                s.absorb(c)
                rows[key] = s
            } else {
                rows[key]!.absorb(c)
            }
        }
        return order.map { var s = rows[$0]!; s.points = []; return s }
    }

    /// Hits per function × format × row kind × target shape of the samples this report covers
    /// (from its parameters; `AuditPlan.coverage`). Empty for exhaustive audits.
    public var coverage: Coverage {
        (try? AuditPlan(parameters).coverage) ?? Coverage(cells: [])
    }

    /// True when every function × format holds to the claimed bound.
    public var passed: Bool { cells.allSatisfy(\.passed) }

    /// The same report with every timing removed.
    public var withoutTiming: AuditReport {
        var r = self
        r.cells = cells.map(\.withoutTiming)
        r.elapsedSeconds = nil
        return r
    }

    /// The JSON text of the report.
    public func json(timing: Bool = true) -> String {
        // Encoding plain values cannot fail.
        try! JSONText.render(self, omitTiming: !timing)
    }

    /// Reads a report, saying clearly what is wrong with a file that is not one.
    public static func read(_ url: URL) throws(AuditError) -> AuditReport {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AuditError(.badInput, "cannot read report \(url.path): \(error.localizedDescription)")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes report JSON; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws(AuditError) -> AuditReport {
        let header = try JSONText.decode(SchemaHeader.self, from: data, what: "report \(source)", kind: .badInput)
        try header.require(kind: kind, version: schemaVersion, what: "report \(source)", errorKind: .badInput)
        let report = try JSONText.decode(AuditReport.self, from: data, what: "report \(source)", kind: .badInput)
        try report.parameters.validate(in: "report \(source)", kind: .badInput)
        return report
    }
}

/// The fields every CrossCheck JSON file starts with: what it is, and which schema it follows.
struct SchemaHeader: Decodable {
    var kind: String?
    var schemaVersion: Int?

    enum CodingKeys: String, CodingKey {
        case kind
        case schemaVersion = "schema_version"
    }

    func require(kind expected: String, version: Int, what: String, errorKind: AuditError.Kind) throws(AuditError) {
        guard let kind, let schemaVersion else {
            throw AuditError(errorKind, "\(what): not a CrossCheck file (no \"kind\" and \"schema_version\" fields)")
        }
        guard kind == expected else { throw AuditError(errorKind, "\(what): is a \(kind), expected a \(expected)") }
        guard schemaVersion == version else {
            throw AuditError(errorKind, "\(what): schema_version \(schemaVersion) is not supported (this crosscheck reads version \(version))")
        }
    }
}

// MARK: - JSON coding

extension AuditReport: Codable {
    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", kind, implementation, parameters, cells, coverage
        case elapsedSeconds = "elapsed_seconds"
    }

    /// One line of the JSON `coverage` section: a cell of stratified generation and its hits.
    struct CoverageEntry: Encodable {
        var function: SoftmaxFunction
        var format: FloatFormat
        var inputClass: String
        var target: String
        var hits: Int
        enum CodingKeys: String, CodingKey { case function, format, inputClass = "class", target, hits }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        implementation = try c.decode(String.self, forKey: .implementation)
        parameters = try c.decode(AuditParameters.self, forKey: .parameters)
        cells = try c.decode([CellStatistics].self, forKey: .cells)
        elapsedSeconds = c.contains(.elapsedSeconds) ? try c.decodeNonNegative(forKey: .elapsedSeconds) : nil
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(Self.kind, forKey: .kind)
        try c.encode(implementation, forKey: .implementation)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(cells, forKey: .cells)
        // Derived from the parameters (never read back): which cells the samples reached.
        let coverage = self.coverage
        try c.encode(zip(coverage.cells, coverage.hits).map {
            CoverageEntry(function: $0.function, format: $0.format, inputClass: $0.rowKind.rawValue, target: $0.targetShape.rawValue, hits: $1)
        }, forKey: .coverage)
        if encoder.userInfo[JSONText.omitTiming] as? Bool != true { try c.encodeIfPresent(elapsedSeconds, forKey: .elapsedSeconds) }
    }
}

extension AuditParameters {
    enum CodingKeys: String, CodingKey {
        case mode, seed, samples, functions, formats, classes, shard
        case maxClasses = "max_classes"
        case mixedPrecisionPairs = "mixed_precision_pairs"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let pairs = try (c.decodeIfPresent([String].self, forKey: .mixedPrecisionPairs) ?? []).map { text in
            guard let pair = FormatPair(parsing: text) else {
                throw DecodingError.dataCorruptedError(forKey: .mixedPrecisionPairs, in: c, debugDescription: "'\(text)' is not a pair INPUT→OUTPUT of formats")
            }
            return pair
        }
        self.init(mode: try c.decode(AuditMode.self, forKey: .mode), seed: try c.decode(UInt64.self, forKey: .seed),
                  samples: try c.decode(Int.self, forKey: .samples), maxClasses: try c.decode(Int.self, forKey: .maxClasses),
                  functions: try c.decode([SoftmaxFunction].self, forKey: .functions), formats: try c.decode([FloatFormat].self, forKey: .formats),
                  classes: try c.decode([String].self, forKey: .classes), shard: try c.decodeIfPresent(Shard.self, forKey: .shard),
                  mixedPrecisionPairs: pairs)
    }

    /// The synthesized encoding, with `mixed_precision_pairs` (`"bfloat16→float32"`, …) only when
    /// there are some (reports and baselines without them read and write as before).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mode, forKey: .mode)
        try c.encode(seed, forKey: .seed)
        try c.encode(samples, forKey: .samples)
        try c.encode(maxClasses, forKey: .maxClasses)
        try c.encode(functions, forKey: .functions)
        try c.encode(formats, forKey: .formats)
        if !mixedPrecisionPairs.isEmpty { try c.encode(mixedPrecisionPairs.map(\.description), forKey: .mixedPrecisionPairs) }
        try c.encode(classes, forKey: .classes)
        try c.encodeIfPresent(shard, forKey: .shard)
    }
}

extension FormatPair {
    /// Reads `bfloat16→float32` (or `bfloat16->float32`); a single format name is that format with itself.
    public init?(parsing text: String) {
        let parts = text.replacingOccurrences(of: "->", with: "→").split(separator: "→", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let input = FloatFormat(rawValue: String(parts[0])),
              let output = FloatFormat(rawValue: String(parts.last!)) else { return nil }
        self.init(input, output)
    }
}

extension CellStatistics: Codable {
    enum CodingKeys: String, CodingKey {
        case bound = "bound_ulp", passed, samples, outputs
        case wrongNonFinite = "wrong_non_finite", errors, inconclusive
        case maxULP = "max_ulp", p50 = "p50_ulp", p99 = "p99_ulp", mean = "mean_ulp", sumULP = "sum_ulp", histogram
        case worst, firstWrongNonFinite = "first_wrong_non_finite", firstError = "first_error", points
        case implementationSeconds = "implementation_seconds", referenceSeconds = "reference_seconds"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(cell: try AuditCell(from: decoder), bound: try c.decodeNonNegative(forKey: .bound))
        samples = try c.decodeCount(forKey: .samples)
        outputs = try c.decodeCount(forKey: .outputs)
        wrongNonFinite = try c.decodeCount(forKey: .wrongNonFinite)
        errors = try c.decodeCount(forKey: .errors)
        inconclusive = try c.decodeCount(forKey: .inconclusive)
        maxULP = try c.decode(UInt64.self, forKey: .maxULP)
        for pair in try c.decode([[UInt64]].self, forKey: .histogram) {
            guard pair.count == 2 else {
                throw DecodingError.dataCorruptedError(forKey: .histogram, in: c, debugDescription: "histogram entries are [ulp, count]")
            }
            guard Self.bucket(pair[0]) == pair[0], pair[0] <= maxULP, histogram[pair[0]] == nil else {
                throw DecodingError.dataCorruptedError(forKey: .histogram, in: c, debugDescription: "\(pair[0]) ulp is not a bucket (each once, at most max_ulp)")
            }
            histogram[pair[0]] = try c.checkedCount(pair[1], forKey: .histogram)
        }
        let sum = try c.decode(String.self, forKey: .sumULP)
        // Each finite error is at most max_ulp: a larger sum is corrupt (and could overflow a merge).
        guard let exact = UInt128(sum), exact <= UInt128(maxULP) * UInt128(finiteOutputs) else {
            throw DecodingError.dataCorruptedError(forKey: .sumULP, in: c, debugDescription: "\"\(sum)\" is not a whole number in 0...max_ulp × the histogram's count")
        }
        sumULP = exact
        worst = try c.decodeIfPresent(Example.self, forKey: .worst)
        firstWrongNonFinite = try c.decodeIfPresent(Example.self, forKey: .firstWrongNonFinite)
        firstError = try c.decodeIfPresent(Example.self, forKey: .firstError)
        for p in try c.decodeIfPresent([[Double]].self, forKey: .points) ?? [] {
            let whole = { (x: Double) in x >= 0 && x <= CheckedDecoding.maximumIndex && x == x.rounded() }
            guard p.count == 5, whole(p[0]), whole(p[1]), p[2].isFinite, p[3].isFinite, p[3] >= 0, p[4] == 0 || p[4] == 1 else {
                throw DecodingError.dataCorruptedError(forKey: .points, in: c, debugDescription: "points are [sample, length, spread, ulp, wrong_non_finite]: sample and length whole numbers in 0...2^53, spread and ulp finite, the last 0 or 1; got \(p)")
            }
            points.append(PlotPoint(sample: Int(p[0]), length: Int(p[1]), spread: p[2], ulp: p[3], wrongNonFinite: p[4] != 0))
        }
        implementationSeconds = c.contains(.implementationSeconds) ? try c.decodeNonNegative(forKey: .implementationSeconds) : 0
        referenceSeconds = c.contains(.referenceSeconds) ? try c.decodeNonNegative(forKey: .referenceSeconds) : 0
    }

    public func encode(to encoder: Encoder) throws {
        try cell.encode(to: encoder)  // the cell's keys, beside the statistics
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(bound, forKey: .bound)
        try c.encode(passed, forKey: .passed)
        try c.encode(samples, forKey: .samples)
        try c.encode(outputs, forKey: .outputs)
        try c.encode(wrongNonFinite, forKey: .wrongNonFinite)
        try c.encode(errors, forKey: .errors)
        try c.encode(inconclusive, forKey: .inconclusive)
        try c.encode(maxULP, forKey: .maxULP)
        try c.encode(p50, forKey: .p50)
        try c.encode(p99, forKey: .p99)
        try c.encode(mean, forKey: .mean)
        try c.encode(String(sumULP), forKey: .sumULP)
        try c.encode(histogram.keys.sorted().map { [$0, UInt64(histogram[$0]!)] }, forKey: .histogram)
        try c.encodeIfPresent(worst, forKey: .worst)
        try c.encodeIfPresent(firstWrongNonFinite, forKey: .firstWrongNonFinite)
        try c.encodeIfPresent(firstError, forKey: .firstError)
        let sorted = points.sorted { $0.sample < $1.sample }
        let finite = { (x: Double) in x.isFinite ? x : Double.greatestFiniteMagnitude }  // JSON has no inf
        try c.encode(sorted.map { [Double($0.sample), Double($0.length), finite($0.spread), finite($0.ulp), $0.wrongNonFinite ? 1 : 0] }, forKey: .points)
        if encoder.userInfo[JSONText.omitTiming] as? Bool != true {
            try c.encode(implementationSeconds, forKey: .implementationSeconds)
            try c.encode(referenceSeconds, forKey: .referenceSeconds)
        }
    }
}
