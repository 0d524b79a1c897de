import CrossCheckCore
import CrossCheckProperties
import Foundation

/// The audit as Markdown for people: a summary per function × format, the errors per input class,
/// and the input that shows each failure as a request line `crosscheck eval` replays.
public enum MarkdownReport {
    /// The whole Markdown report.
    public static func render(_ report: AuditReport, timing: Bool = true, detail: Bool = true) -> String {
        var out = "## CrossCheck audit: \(report.implementation)\n\n" + describe(report, timing: timing) + "\n\n"
        out += "### Summary\n\n" + summaryTable(report, timing: timing) + "\n"
        if detail {
            out += "### By input class\n\n" + classTable(report, timing: timing) + "\n"
        }
        let examples = worstInputs(report)
        if !examples.isEmpty {
            out += "### Inputs that show the errors\n\n(Long request lines are shortened here; the JSON report has them whole.)\n\n" + examples
        }
        return out
    }

    /// One line saying what was audited and how.
    public static func describe(_ report: AuditReport, timing: Bool) -> String {
        let p = report.parameters
        var parts: [String]
        switch p.mode {
        case .sampled:
            parts = ["seed \(p.seed)", "\(p.samples) samples per cell", "rows of up to \(p.maxClasses) logits"]
            if p.classes.count < RowKind.allCases.count { parts.append("classes \(p.classes.joined(separator: ", "))") }
        case .exhaustive:
            let rows = p.functions.contains { $0.shape != .elementwise }, elementwise = p.functions.contains { $0.shape == .elementwise }
            parts = ["exhaustive: every value of the format as x" + (elementwise ? ", targets 0, ½ and 1" : "") + (rows ? ", rows [0, x]" : "")]
        }
        parts.append("\(report.cells.count) cells")
        if let shard = p.shard { parts.append("**shard \(shard) only** (combine the shards with `crosscheck merge`)") }
        if timing, let t = report.elapsedSeconds { parts.append(String(format: "%.1f s", t)) }
        let failing = report.summary.filter { !$0.passed }.count
        parts.append(failing == 0 ? "every function × format within its claimed bound"
                                  : "**\(failing) function × format pairs exceed their claimed bound**")
        return parts.joined(separator: " · ")
    }

    /// The summary table: one row per function × format.
    public static func summaryTable(_ report: AuditReport, timing: Bool = true) -> String {
        var head = ["function", "format", "samples", "max ulp", "p50", "p99", "mean", "wrong non-finite", "errors", "claimed", "verdict", "class of max"]
        if timing { head.append("time (ms)") }
        let rows = report.summary.map { s -> [String] in
            var row = [s.cell.function.name, s.cell.formatPair.description, "\(s.samples)", ulp(s.maxULP), number(s.p50), number(s.p99),
                       mean(s.mean), "\(s.wrongNonFinite)", "\(s.errors)", "≤ \(number(s.bound))", s.passed ? "ok" : "**FAIL**",
                       s.worst?.inputClass ?? "-"]
            if timing { row.append(milliseconds(s.implementationSeconds)) }
            return row
        }
        return table(head, rows)
    }

    /// The table of every cell.
    public static func classTable(_ report: AuditReport, timing: Bool = true) -> String {
        table(classHead(timing: timing), report.cells.map { classRow($0, timing: timing) })
    }

    /// The columns of the per-class table (shared with the HTML report).
    static func classHead(timing: Bool) -> [String] {
        ["function", "format", "class", "samples", "max ulp", "p50", "p99", "mean", "wrong non-finite", "errors", "inconclusive"]
            + (timing ? ["time (ms)"] : [])
    }

    /// One cell's row of the per-class table.
    static func classRow(_ s: CellStatistics, timing: Bool) -> [String] {
        [s.cell.function.name, s.cell.formatPair.description, s.cell.inputClass, "\(s.samples)", ulp(s.maxULP), number(s.p50),
         number(s.p99), mean(s.mean), "\(s.wrongNonFinite)", "\(s.errors)", "\(s.inconclusive)"]
            + (timing ? [milliseconds(s.implementationSeconds)] : [])
    }

    /// For each function × format with an error: its worst input, first wrong non-finite result
    /// and first failure to answer, as request lines.
    public static func worstInputs(_ report: AuditReport) -> String {
        var out = ""
        for s in report.summary {
            for (what, e) in s.examples {
                out += "- `\(s.cell.function.name)` \(s.cell.formatPair.description), \(what) (class \(e.inputClass)): \(explain(e))\n"
                out += "  ```\n  \(cut(e.request))\n  ```\n"
                if let shrunk = e.shrunk {
                    out += "  shrunk: \(explain(shrunk))\n  ```\n  \(cut(shrunk.request))\n  ```\n"
                }
            }
        }
        return out
    }

    /// What an example shows, in a few words.
    public static func explain(_ e: Example) -> String {
        if let message = e.message { return "\(message)" }
        let place = e.output.map { "output \($0): " } ?? ""
        let size = e.ulp.map { " (\(ulp(UInt64(exactly: $0) ?? UInt64.max)) ulp)" } ?? ""
        return "\(place)got \(e.got ?? "?"), correctly rounded \(e.expected ?? "?")\(size)"
    }

    /// What a shrunk input shows, in a few words.
    public static func explain(_ s: ShrunkInput) -> String {
        "output \(s.output): got \(s.got), correctly rounded \(s.expected) (\(ulp(UInt64(exactly: s.ulp) ?? UInt64.max)) ulp)"
    }

    /// A request line for people: shortened to about 200 characters when longer (the JSON
    /// report has every line whole).
    static func cut(_ line: String) -> String { RequestLineAbbreviation.abbreviate(line) }

    // MARK: Formatting

    static func table(_ head: [String], _ rows: [[String]]) -> String {
        var out = "| " + head.joined(separator: " | ") + " |\n"
        out += "|" + head.map { _ in "---|" }.joined() + "\n"
        for row in rows { out += "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }

    static func ulp(_ x: UInt64) -> String { x < 1_000_000 ? "\(x)" : String(format: "%.3g", Double(x)) }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e6 ? "\(Int(x))" : String(format: "%.3g", x)
    }

    static func mean(_ x: Double) -> String { x == 0 ? "0" : String(format: "%.3g", x) }

    static func milliseconds(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
}

extension MarkdownReport {
    /// Several audits side by side: a row per function × format, a column per report with the
    /// largest and the 99th-percentile error in ulps, followed by the count of wrong NaN/∞ results
    /// and of unanswered problems when there are any. Reports should share their parameters to be comparable.
    public static func comparison(_ reports: [AuditReport]) -> String {
        var pairs: [FunctionFormat] = []
        let summaries = reports.map { report in
            Dictionary(report.summary.map { ($0.cell.pair, $0) }, uniquingKeysWith: { a, _ in a })
        }
        for report in reports {
            for s in report.summary where !pairs.contains(s.cell.pair) { pairs.append(s.cell.pair) }
        }
        let head = ["function", "format"] + reports.map(\.implementation)
        let rows = pairs.map { pair in
            [pair.function.name, pair.formatPair.description] + summaries.map { summary -> String in
                guard let s = summary[pair] else { return "-" }
                var text = ulp(s.maxULP) + " / " + number(s.p99)
                if s.wrongNonFinite > 0 { text += " · \(s.wrongNonFinite) NaN/∞" }
                if s.errors > 0 { text += " · \(s.errors) unanswered" }
                return text
            }
        }
        let notes = reports.map { r in
            "`\(r.implementation)`: " + describe(r, timing: false)
        }
        return table(head, rows) + "\nLargest / 99th-percentile error in ulps over every output (· wrong NaN/∞ results · problems not answered).\n\n"
            + notes.map { "- " + $0 }.joined(separator: "\n") + "\n"
    }
}
