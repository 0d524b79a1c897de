import CrossCheckCore
import CrossCheckKernels
import Foundation

/// One `crosscheck bench` measurement: a function × format × shape × thread count and its speed.
struct BenchMeasurement: Sendable, Equatable {
    var function: WorkloadFunction
    var targets: WorkloadTargets
    var format: FloatFormat
    /// The results' format: `format`, or float32 for mixed precision (`--output-format`).
    var outputFormat: FloatFormat
    var rows: Int
    var classes: Int
    var threads: Int
    /// rows × classes over the median wall-clock time per call.
    var elementsPerSecond: Int
    /// The same over the fastest sample.
    var elementsPerSecondBest: Int
    /// The same over the median process CPU time per call (all threads counted).
    var elementsPerCPUSecond: Int
    var secondsPerCall: Double
    var samples: Int
    /// The kernel path that ran (avx512, avx2, portable).
    var isa: String

    /// The measurement as one JSON line (the fields `Benchmarks/compare_frameworks.py` and the
    /// tests read).
    var jsonLine: String {
        "{\"function\": \"\(function.rawValue)\", \"targets\": \"\(targets.rawValue)\", \"format\": \"\(format.rawValue)\", \"output_format\": \"\(outputFormat.rawValue)\", \"rows\": \(rows), \"classes\": \(classes), "
            + "\"threads\": \(threads), \"elements_per_second\": \(elementsPerSecond), "
            + "\"elements_per_second_best\": \(elementsPerSecondBest), "
            + "\"elements_per_cpu_second\": \(elementsPerCPUSecond), "
            + "\"seconds_per_call\": \(secondsPerCall), \"samples\": \(samples), \"isa\": \"\(isa)\"}"
    }

    /// True when `other` measured the same format, shape and thread count.
    func sameWorkload(as other: BenchMeasurement) -> Bool {
        (format, rows, classes, threads) == (other.format, other.rows, other.classes, other.threads)
    }

    /// The format, or the pair "input→output" for mixed precision.
    var formats: String { FormatPair(format, outputFormat).description }
}

/// How `crosscheck bench` prints: a table for people, JSON lines for programs.
enum BenchOutputStyle: Sendable {
    case table, jsonLines

    /// `--json` or `--table` when given; otherwise a table on a terminal, JSON lines when piped.
    static func choose(json: Bool, table: Bool, stdoutIsTerminal: Bool = isatty(STDOUT_FILENO) != 0) -> BenchOutputStyle {
        if json { return .jsonLines }
        if table { return .table }
        return stdoutIsTerminal ? .table : .jsonLines
    }
}

/// The bench table, printed a row at a time as measurements finish. Speeds are in millions of
/// elements per second; `× copy` is the speed relative to copying the same logits in the same run
/// (when `copy` is measured), the one figure that can be compared across machines.
struct BenchTable {
    /// The columns; the format column is as wide as the widest format (pair) to be printed.
    let columns: [(title: String, width: Int)]

    init(formatWidth: Int = 8) {
        columns = [
            ("function", 20), ("format", formatWidth), ("rows × classes", 16), ("threads", 7), ("M elem/s", 9),
            ("best", 9), ("per CPU s", 9), ("× copy", 7), ("isa", 8),
        ]
    }

    /// Copy measurements seen so far, to state later rows relative to them.
    private var copies: [BenchMeasurement] = []

    /// The header and its rule.
    var header: String {
        let titles = columns.enumerated().map { i, c in Self.pad(c.title, c.width, left: i < 2) }
        return titles.joined(separator: "  ") + "\n" + columns.map { String(repeating: "─", count: $0.width) }.joined(separator: "  ")
    }

    /// The row of one measurement.
    mutating func row(_ m: BenchMeasurement) -> String {
        if m.function == .copy { copies.append(m) }
        let copy = copies.last { $0.sameWorkload(as: m) }
        let ratio = copy.map { Self.ratio(Double(m.elementsPerSecond) / Double(max(1, $0.elementsPerSecond))) } ?? "-"
        let name = m.targets == .classIndex ? m.function.rawValue : "\(m.function.rawValue) (\(m.targets.rawValue))"
        let cells = [name, m.formats, "\(m.rows) × \(m.classes)", "\(m.threads)",
                     Self.millions(m.elementsPerSecond), Self.millions(m.elementsPerSecondBest), Self.millions(m.elementsPerCPUSecond),
                     ratio, m.isa]
        return zip(cells, columns).enumerated().map { i, pair in Self.pad(pair.0, pair.1.width, left: i < 2) }.joined(separator: "  ")
    }

    /// Two decimals, or three significant digits below 0.1 (a debug build's kernels).
    static func ratio(_ x: Double) -> String { String(format: x >= 0.1 ? "%.2f" : "%.3g", x) }

    static func millions(_ perSecond: Int) -> String { String(format: "%.0f", Double(perSecond) / 1e6) }

    /// `text` padded to `width` characters, flush left or right.
    static func pad(_ text: String, _ width: Int, left: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? text + fill : fill + text
    }
}
