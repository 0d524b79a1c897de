/// The verdict of comparing an audit with a baseline.
///
/// A cell regresses when its largest error exceeds the baseline's by more than the tolerance,
/// when it has more wrong non-finite results or more unanswered problems than the baseline, or
/// when it is in the baseline but missing from the audit. Doing better is an improvement; cells
/// the baseline lacks are reported as new. Only regressions fail the gate.
public struct GateResult: Sendable {
    /// One difference from the baseline, with the input that shows it.
    public struct Finding: Sendable {
        public var cell: AuditCell
        public var message: String
        public var example: Example?
    }

    public var regressions: [Finding] = []
    public var improvements: [Finding] = []
    /// Cells in the audit but not in the baseline.
    public var added: [AuditCell] = []
    /// Baseline cells outside the audited selection, not compared.
    public var skippedCells: [AuditCell] = []
    /// How many baseline cells were outside the audited selection.
    public var skipped: Int { skippedCells.count }
    /// Cells compared.
    public var compared = 0
    /// Reasons to read the verdict with care (other parameters, another implementation, a shard).
    public var warnings: [String] = []

    public var passed: Bool { regressions.isEmpty }

    /// The cells a gate of `report` against `baseline` covers, derived from the report's
    /// parameters: nil (every baseline cell must be in the report) when they select every cell of
    /// the baseline; otherwise the report's cells and the baseline cells they select. So an audit
    /// narrowed in any way — functions, formats, `--output-format`, classes, exhaustive against a
    /// sampled baseline — compares only what it selects, and a cell it selects but lacks is still
    /// missing.
    public static func scope(baseline: Baseline, report: AuditReport) -> Set<AuditCell>? {
        let selected = baseline.entries.map(\.cell).filter(report.parameters.selects)
        if selected.count == baseline.entries.count { return nil }
        return Set(report.cells.map(\.cell)).union(selected)
    }

    /// Compares `report` with `baseline`.
    /// - Parameters:
    ///   - tolerance: ulps by which a largest error may exceed the baseline's.
    ///   - scope: when the audit was deliberately narrowed, the cells it covers; baseline cells
    ///     outside it are skipped. nil: every baseline cell must be in the report.
    public static func compare(baseline: Baseline, report: AuditReport, tolerance: Double = 0, scope: Set<AuditCell>? = nil) -> GateResult {
        var result = GateResult()
        let current = Dictionary(report.cells.map { ($0.cell, $0) }, uniquingKeysWith: { a, _ in a })
        let p = report.parameters, b = baseline.parameters
        if !p.drawsSameInputs(as: b) {
            result.warnings.append("the audit's parameters differ from the baseline's (baseline: \(b.mode.rawValue), seed \(b.seed), \(b.samples) samples, rows ≤ \(b.maxClasses); audit: \(p.mode.rawValue), seed \(p.seed), \(p.samples) samples, rows ≤ \(p.maxClasses)): other inputs, so errors may differ for that reason alone")
        }
        if report.implementation != baseline.implementation {
            result.warnings.append("the baseline was measured on \(baseline.implementation), the audit is of \(report.implementation)")
        }
        if let shard = p.shard {
            result.warnings.append("the report is shard \(shard) only: a regression in the other shards cannot be seen (merge the shards first)")
        }
        for entry in baseline.entries {
            guard scope?.contains(entry.cell) ?? true else { result.skippedCells.append(entry.cell); continue }
            guard let now = current[entry.cell] else {
                result.regressions.append(Finding(cell: entry.cell, message: "missing from the audit (the baseline has it)"))
                continue
            }
            result.compared += 1
            if Double(now.maxULP) > Double(entry.maxULP) + tolerance {
                result.regressions.append(Finding(cell: entry.cell, message: "largest error \(now.maxULP) ulp > baseline \(entry.maxULP) ulp + tolerance \(MarkdownReport.number(tolerance))", example: now.worst))
            } else if now.maxULP < entry.maxULP {
                result.improvements.append(Finding(cell: entry.cell, message: "largest error \(now.maxULP) ulp < baseline \(entry.maxULP) ulp"))
            }
            if now.wrongNonFinite > entry.wrongNonFinite {
                result.regressions.append(Finding(cell: entry.cell, message: "\(now.wrongNonFinite) wrong non-finite results, baseline \(entry.wrongNonFinite)", example: now.firstWrongNonFinite))
            } else if now.wrongNonFinite < entry.wrongNonFinite {
                result.improvements.append(Finding(cell: entry.cell, message: "\(now.wrongNonFinite) wrong non-finite results, baseline \(entry.wrongNonFinite)"))
            }
            if now.errors > entry.errors {
                result.regressions.append(Finding(cell: entry.cell, message: "\(now.errors) problems not answered, baseline \(entry.errors)", example: now.firstError))
            } else if now.errors < entry.errors {
                result.improvements.append(Finding(cell: entry.cell, message: "\(now.errors) problems not answered, baseline \(entry.errors)"))
            }
        }
        let known = Set(baseline.entries.map(\.cell))
        result.added = report.cells.map(\.cell).filter { !known.contains($0) }
        return result
    }

    /// The verdict for people: every regression with its input, improvements, new cells, warnings.
    public func text(baselinePath: String) -> String {
        var out = ""
        for w in warnings { out += "warning: \(w)\n" }
        for f in regressions {
            out += "REGRESSION \(f.cell): \(f.message)\n"
            if let e = f.example {
                out += "  \(MarkdownReport.explain(e))\n  \(MarkdownReport.cut(e.request))\n"
                if let shrunk = e.shrunk {
                    out += "  shrunk: \(MarkdownReport.explain(shrunk))\n  \(MarkdownReport.cut(shrunk.request))\n"
                }
            }
        }
        for f in improvements { out += "improved   \(f.cell): \(f.message)\n" }
        for c in added { out += "new        \(c): not in the baseline (--update-baseline adds it)\n" }
        out += "gate: \(compared) cells compared with \(baselinePath)"
        if skipped > 0 { out += ", \(skipped) outside the selection skipped" }
        out += "; \(regressions.count) regressions, \(improvements.count) improvements, \(added.count) new\n"
        out += passed ? "gate: PASSED\n" : "gate: FAILED (\(regressions.count) regressions)\n"
        return out
    }
}

extension Baseline {
    /// The baseline updated with `report`: cells in `scope` (all when nil) take the report's
    /// values, cells outside keep theirs. A narrowed update must use the baseline's parameters,
    /// or the baseline would mix audits of different inputs.
    public func updated(with report: AuditReport, scope: Set<AuditCell>?) throws(AuditError) -> Baseline {
        guard let scope else { return Baseline(report) }
        guard report.parameters.drawsSameInputs(as: parameters) else {
            throw AuditError(.usage, "--update-baseline of part of a baseline needs the baseline's seed, samples, max classes and mode; update it whole instead")
        }
        let fresh = Baseline(report).entries.filter { scope.contains($0.cell) }
        var unused = Dictionary(fresh.map { ($0.cell, $0) }, uniquingKeysWith: { a, _ in a })
        var updated = self
        updated.entries = entries.map { unused.removeValue(forKey: $0.cell) ?? $0 }  // the baseline's order
        updated.entries += fresh.filter { unused[$0.cell] != nil }  // then cells it lacked
        return updated
    }
}
