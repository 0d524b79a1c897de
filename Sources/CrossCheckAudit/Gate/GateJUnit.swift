extension JUnitReport {
    /// The gate's verdict as JUnit XML, so that a CI dashboard agrees with the exit status.
    ///
    /// One test suite, `crosscheck.gate.<implementation>`; one test case per cell of the baseline
    /// (`<function>.<format>.<class>`) plus one per new cell. A regressed cell is a failing case:
    /// the message lists what regressed, the body the input that shows it as a request line
    /// (`crosscheck eval` replays it). The root and the suite carry `tests`, `failures` (regressed
    /// cells) and `errors` (0: a gate that cannot run writes no report).
    public static func render(_ gate: GateResult, baseline: Baseline, report: AuditReport, baselinePath: String) -> String {
        let suite = "crosscheck.gate.\(identifier(report.implementation))"
        var cases: [(name: String, findings: [GateResult.Finding], notes: [String])] = []
        var index: [AuditCell: Int] = [:]
        func add(_ cell: AuditCell) -> Int {
            if let i = index[cell] { return i }
            cases.append(("\(cell.function.name).\(cell.formatPair).\(cell.inputClass)", [], []))
            index[cell] = cases.count - 1
            return cases.count - 1
        }
        let skipped = Set(gate.skippedCells)
        for entry in baseline.entries where !skipped.contains(entry.cell) { _ = add(entry.cell) }
        for f in gate.regressions { cases[add(f.cell)].findings.append(f) }
        for f in gate.improvements { cases[add(f.cell)].notes.append("improved: \(f.message)") }
        for c in gate.added { cases[add(c)].notes.append("new: not in the baseline \(baselinePath)") }
        let failures = cases.filter { !$0.findings.isEmpty }.count

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"\(escape("crosscheck gate \(report.implementation) against \(baselinePath)"))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\">\n"
        out += "  <testsuite name=\"\(escape(suite))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
        if !gate.warnings.isEmpty {
            out += "    <properties>\n"
            for w in gate.warnings { out += "      <property name=\"warning\" value=\"\(escape(w))\"/>\n" }
            out += "    </properties>\n"
        }
        for c in cases {
            out += "    <testcase classname=\"\(escape(suite))\" name=\"\(escape(c.name))\">\n"
            if !c.findings.isEmpty {
                let message = c.findings.map(\.message).joined(separator: "; ")
                let body = c.findings.map { f in
                    f.example.map { "\(f.message)\n\(describe($0))" } ?? f.message
                }
                out += "      <failure message=\"\(escape("regression: \(message)"))\" type=\"regression\">\(escape(body.joined(separator: "\n\n")))</failure>\n"
            }
            if !c.notes.isEmpty { out += "      <system-out>\(escape(c.notes.joined(separator: "\n")))</system-out>\n" }
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n"
        return out + "</testsuites>\n"
    }
}
