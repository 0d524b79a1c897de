import CrossCheckCore
import CrossCheckProtocol
import Foundation

/// The accepted accuracy of an implementation: per cell, the largest error and the counts of
/// wrong non-finite results and unanswered problems, with the parameters that produced them.
///
/// `crosscheck gate` fails when an audit does worse than this; `--update-baseline` rewrites it.
/// JSON schema (`kind` "crosscheck-baseline", `schema_version` 1) in Docs/AUDIT.md.
public struct Baseline: Sendable, Equatable {
    public static let kind = "crosscheck-baseline"
    public static let schemaVersion = 1

    /// What the baseline holds for one cell.
    public struct Entry: Codable, Sendable, Equatable {
        public var cell: AuditCell
        public var maxULP: UInt64
        public var wrongNonFinite: Int
        public var errors: Int

        public init(cell: AuditCell, maxULP: UInt64, wrongNonFinite: Int, errors: Int) {
            self.cell = cell
            self.maxULP = maxULP
            self.wrongNonFinite = wrongNonFinite
            self.errors = errors
        }

        enum CodingKeys: String, CodingKey {
            case maxULP = "max_ulp", wrongNonFinite = "wrong_non_finite", errors
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cell = try AuditCell(from: decoder)  // the cell's keys, beside the entry's own
            maxULP = try c.decode(UInt64.self, forKey: .maxULP)
            wrongNonFinite = try c.decodeCount(forKey: .wrongNonFinite)
            errors = try c.decodeCount(forKey: .errors)
        }

        public func encode(to encoder: Encoder) throws {
            try cell.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(maxULP, forKey: .maxULP)
            try c.encode(wrongNonFinite, forKey: .wrongNonFinite)
            try c.encode(errors, forKey: .errors)
        }
    }

    /// The implementation the baseline was measured on.
    public var implementation: String
    /// The parameters of the audit that produced it (the gate reruns the audit with them).
    public var parameters: AuditParameters
    public var entries: [Entry]

    public init(implementation: String, parameters: AuditParameters, entries: [Entry]) {
        self.implementation = implementation
        self.parameters = parameters
        self.entries = entries
    }

    /// The baseline a report establishes.
    public init(_ report: AuditReport) {
        self.init(implementation: report.implementation, parameters: report.parameters.unsharded, entries: report.cells.map {
            Entry(cell: $0.cell, maxULP: $0.maxULP, wrongNonFinite: $0.wrongNonFinite, errors: $0.errors)
        })
    }

    /// Reads a baseline; a missing, unreadable, corrupt or unknown-version file is an `AuditError`
    /// with exit status `badBaseline` and a message saying which.
    public static func read(_ url: URL) throws(AuditError) -> Baseline {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AuditError(.badBaseline, "baseline \(url.path) does not exist (create it with `crosscheck gate --baseline \(url.path) --update-baseline`)")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw AuditError(.badBaseline, "baseline \(url.path) cannot be read: \(error.localizedDescription)")
        }
        let what = "baseline \(url.path)"
        let header = try JSONText.decode(SchemaHeader.self, from: data, what: what, kind: .badBaseline)
        try header.require(kind: kind, version: schemaVersion, what: what, errorKind: .badBaseline)
        let baseline = try JSONText.decode(Baseline.self, from: data, what: what, kind: .badBaseline)
        try baseline.parameters.validate(in: what, kind: .badBaseline)
        var seen = Set<AuditCell>()
        for e in baseline.entries where !seen.insert(e.cell).inserted {
            throw AuditError(.badBaseline, "\(what): the cell \(e.cell) appears twice")
        }
        return baseline
    }

    /// Writes the baseline with `AtomicFile`: a regular file (or a symlink's target) is replaced
    /// whole, keeping its mode, so a crash leaves the old file or the new one, never a torn one.
    public func write(to url: URL) throws(AuditError) {
        let text = try! JSONText.render(self)
        try AtomicFile.writeAuditFile(text, to: url)
    }
}

extension Baseline: Codable {
    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", kind, implementation, parameters, entries = "cells"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        implementation = try c.decode(String.self, forKey: .implementation)
        parameters = try c.decode(AuditParameters.self, forKey: .parameters)
        entries = try c.decode([Entry].self, forKey: .entries)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.schemaVersion, forKey: .schemaVersion)
        try c.encode(Self.kind, forKey: .kind)
        try c.encode(implementation, forKey: .implementation)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(entries, forKey: .entries)
    }
}

extension KeyedDecodingContainer {
    fileprivate func decode<T: Decodable>(_ key: Key) throws -> T { try decode(T.self, forKey: key) }
}
