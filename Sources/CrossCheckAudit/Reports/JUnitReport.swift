import Foundation

/// The audit as JUnit XML for CI systems: a test suite per format, a test case per function ×
/// format. A case fails when the function exceeds the implementation's claimed bound, gives a
/// wrong non-finite result, or fails to answer; the failure carries the input that shows it.
public enum JUnitReport {
    public static func render(_ report: AuditReport, timing: Bool = true) -> String {
        let summary = report.summary
        let prefix = "crosscheck.\(identifier(report.implementation))"
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"\(escape("crosscheck audit \(report.implementation)"))\" tests=\"\(summary.count)\" failures=\"\(summary.filter { !$0.passed }.count)\""
        out += time(report.elapsedSeconds, timing) + ">\n"
        for format in report.parameters.formatPairs {
            let cases = summary.filter { $0.cell.formatPair == format }
            guard !cases.isEmpty else { continue }
            let suite = "\(prefix).\(format)"
            let seconds = cases.reduce(0) { $0 + $1.implementationSeconds + $1.referenceSeconds }
            out += "  <testsuite name=\"\(escape(suite))\" tests=\"\(cases.count)\" failures=\"\(cases.filter { !$0.passed }.count)\" errors=\"0\" skipped=\"0\"\(time(seconds, timing))>\n"
            for s in cases {
                out += "    <testcase classname=\"\(escape(suite))\" name=\"\(escape(s.cell.function.name))\"\(time(s.implementationSeconds + s.referenceSeconds, timing))>\n"
                if !s.passed { out += failure(s) }
                let classes = report.cells.filter { $0.cell.pair == s.cell.pair }.map {
                    "\($0.cell.inputClass): \($0.samples) samples, max \($0.maxULP) ulp, p99 \(MarkdownReport.number($0.p99)), wrong non-finite \($0.wrongNonFinite), errors \($0.errors)"
                }
                out += "      <system-out>\(escape(classes.joined(separator: "\n")))</system-out>\n"
                out += "    </testcase>\n"
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    static func failure(_ s: CellStatistics) -> String {
        var reasons: [String] = []
        if Double(s.maxULP) > s.bound { reasons.append("max error \(s.maxULP) ulp > claimed \(MarkdownReport.number(s.bound)) ulp") }
        if s.wrongNonFinite > 0 { reasons.append("\(s.wrongNonFinite) wrong non-finite results") }
        if s.errors > 0 { reasons.append("\(s.errors) problems not answered") }
        let body = s.examples.map { what, e in "\(what) (class \(e.inputClass)): \(describe(e))" }
        let message = reasons.joined(separator: "; ")
        return "      <failure message=\"\(escape(message))\" type=\"accuracy\">\(escape(body.joined(separator: "\n\n")))</failure>\n"
    }

    /// An example for a failure's text: what it shows, its request line whole, and its shrunk form.
    static func describe(_ e: Example) -> String {
        var text = "\(MarkdownReport.explain(e))\n\(e.request)"
        if let shrunk = e.shrunk { text += "\nshrunk: \(MarkdownReport.explain(shrunk))\n\(shrunk.request)" }
        return text
    }

    static func time(_ seconds: Double?, _ timing: Bool) -> String {
        guard timing, let seconds else { return "" }
        return String(format: " time=\"%.3f\"", seconds)
    }

    /// Letters, digits, `-` and `_` kept; anything else becomes `_` (a dotted class name stays parseable).
    static func identifier(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    /// XML text and attribute escaping; control characters XML 1.0 cannot hold become U+FFFD.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default: if scalar.value < 0x20 { out += "\u{FFFD}" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
