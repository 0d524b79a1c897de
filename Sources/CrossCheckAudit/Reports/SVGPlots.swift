import Foundation

/// Inline SVG charts for the HTML report, drawn from the statistics alone (no scripts, no network).
enum SVGPlots {
    static let ok = "#2e7d32", within = "#7cb342", fail = "#c62828", nonFinite = "#4a148c", grid = "#e0e0e0", ink = "#424242"

    // MARK: ULP error histograms

    /// The buckets of the error histograms: upper ends (inclusive) and labels.
    static let buckets: [(upper: UInt64, label: String)] = [
        (0, "0"), (1, "1"), (2, "2"), (4, "3–4"), (8, "5–8"), (16, "9–16"), (64, "≤64"), (1024, "≤1K"),
        (1 << 20, "≤1M"), (UInt64.max, ">1M"),
    ]

    /// Counts per bucket, the last entry being wrong non-finite results.
    static func bucketCounts(_ s: CellStatistics) -> [Int] {
        var counts = Array(repeating: 0, count: buckets.count + 1)
        for (ulp, n) in s.histogram {
            counts[buckets.firstIndex { ulp <= $0.upper }!] += n
        }
        counts[buckets.count] = s.wrongNonFinite
        return counts
    }

    /// A small histogram of one function × format: outputs per error bucket on a log scale shared
    /// by `scaleMax`; bars within the claimed bound green, beyond it red, wrong non-finite purple.
    static func histogram(_ s: CellStatistics, scaleMax: Int, width: Double = 340, height: Double = 92) -> String {
        let counts = bucketCounts(s)
        let (left, bottom, top) = (4.0, 18.0, 12.0)
        let slot = (width - left * 2) / Double(counts.count)
        let plotHeight = height - bottom - top
        let scale = log10(Double(max(scaleMax, 1)) + 1)
        var svg = open(width, height, label: "ULP error histogram of \(s.cell.function.name) in \(s.cell.formatPair)")
        svg += line(left, height - bottom, width - left, height - bottom, ink)
        for (i, n) in counts.enumerated() {
            let x = left + Double(i) * slot
            let isNonFinite = i == buckets.count
            let lower = isNonFinite || i == 0 ? 0 : buckets[i - 1].upper + 1
            let color = isNonFinite ? nonFinite : (Double(lower) > s.bound ? fail : (i == 0 ? ok : within))
            let label = isNonFinite ? "wrong NaN/∞" : rangeLabel(i)
            if n > 0 {
                let h = max(2, plotHeight * log10(Double(n) + 1) / scale)
                svg += "<rect x=\"\(f(x + 1))\" y=\"\(f(height - bottom - h))\" width=\"\(f(slot - 2))\" height=\"\(f(h))\" fill=\"\(color)\"><title>\(esc(label)): \(n) outputs</title></rect>"
                svg += text(x + slot / 2, height - bottom - h - 2, compact(n), size: 8, anchor: "middle", color: ink)
            }
            svg += text(x + slot / 2, height - 5, isNonFinite ? "NaN/∞" : buckets[i].label, size: 8, anchor: "middle", color: ink)
        }
        return svg + "</svg>"
    }

    /// The errors bucket `i` holds, in words: "0 ulp", "3 to 4 ulp", "more than 1048576 ulp".
    static func rangeLabel(_ i: Int) -> String {
        let lower = i == 0 ? 0 : buckets[i - 1].upper + 1, upper = buckets[i].upper
        if upper == UInt64.max { return "more than \(lower - 1) ulp" }
        return lower == upper ? "\(lower) ulp" : "\(lower) to \(upper) ulp"
    }

    // MARK: Scatter plots

    /// One point of a scatter plot.
    struct Dot {
        var x: Double
        var ulp: Double
        var beyondBound: Bool
        var wrongNonFinite: Bool
        var title: String
    }

    /// Error (log scale, in ulps) against `x`; points beyond the claimed bound red, wrong
    /// non-finite results in a band above the plot.
    static func scatter(_ dots: [Dot], xLabel: String, xTicks: [(Double, String)], xRange: ClosedRange<Double>, width: Double = 560, height: Double = 250, label: String) -> String {
        let (left, right, top, bottom) = (62.0, 12.0, 26.0, 34.0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let finite = dots.filter { !$0.wrongNonFinite }
        let ulpTicks: [Double] = [0, 1, 2, 4, 8, 16, 64, 256, 1024, 65536, 0x1p24, 0x1p32, 0x1p53, 0x1p64]
        let largest = finite.map(\.ulp).max() ?? 0
        let yMax = log2(1 + (ulpTicks.first { $0 >= max(largest, 4) } ?? ulpTicks.last!))
        func px(_ x: Double) -> Double { left + plotWidth * (min(max(x, xRange.lowerBound), xRange.upperBound) - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) }
        func py(_ ulp: Double) -> Double { top + plotHeight * (1 - log2(1 + ulp) / yMax) }
        var svg = open(width, height, label: label)
        svg += "<style>.w{fill:#1565c0;fill-opacity:.35}.b{fill:\(fail);fill-opacity:.9}.n{fill:\(nonFinite)}</style>"
        var lastY = Double.infinity
        for tick in ulpTicks where log2(1 + tick) <= yMax && lastY - py(tick) >= 11 {
            let y = py(tick)
            lastY = y
            svg += line(left, y, width - right, y, grid)
            svg += text(left - 4, y + 3, compact(tick), size: 9, anchor: "end", color: ink)
        }
        var lastTick = -Double.infinity
        for (x, name) in xTicks where xRange.contains(x) && px(x) - lastTick >= 36 {
            lastTick = px(x)
            svg += line(px(x), top, px(x), height - bottom, grid)
            svg += text(px(x), height - bottom + 12, name, size: 9, anchor: "middle", color: ink)
        }
        svg += line(left, height - bottom, width - right, height - bottom, ink) + line(left, top, left, height - bottom, ink)
        svg += text(left + plotWidth / 2, height - 6, xLabel, size: 11, anchor: "middle", color: ink)
        svg += "<text x=\"11\" y=\"\(f(top + plotHeight / 2))\" font-size=\"11\" fill=\"\(ink)\" text-anchor=\"middle\" transform=\"rotate(-90 11 \(f(top + plotHeight / 2)))\">error (ulp)</text>"
        svg += text(left + 4, top - 10, "wrong NaN/∞ ↓", size: 9, anchor: "start", color: nonFinite)
        // Dots falling on the same 2-pixel cell are drawn once, larger the more they are.
        struct Bin { var count = 0; var first: Dot }
        var bins: [String: Bin] = [:]
        var order: [String] = []
        for d in dots {
            let (x, y) = (px(d.x), d.wrongNonFinite ? top - 4.5 : py(d.ulp))
            let key = "\(Int((x / 2).rounded())),\(Int((y / 2).rounded())),\(d.beyondBound || d.wrongNonFinite)"
            if bins[key] == nil { order.append(key); bins[key] = Bin(first: d) }
            bins[key]!.count += 1
        }
        // Within-bound dots first, so that red ones are drawn on top.
        for key in order.sorted(by: { (bins[$0]!.first.beyondBound ? 1 : 0) < (bins[$1]!.first.beyondBound ? 1 : 0) }) {
            let bin = bins[key]!, d = bin.first
            let title = bin.count == 1 ? d.title : "\(bin.count) samples, e.g. \(d.title)"
            let r = 2.2 + min(3, log2(Double(bin.count)) * 0.45)
            let x = px(d.x)
            if d.wrongNonFinite {
                svg += "<rect class=\"n\" x=\"\(f(x - 2.5))\" y=\"\(f(top - 7))\" width=\"5\" height=\"5\"><title>\(esc(title))</title></rect>"
            } else {
                svg += "<circle class=\"\(d.beyondBound ? "b" : "w")\" cx=\"\(f(x))\" cy=\"\(f(py(d.ulp)))\" r=\"\(f(r))\"><title>\(esc(title))</title></circle>"
            }
        }
        return svg + "</svg>"
    }

    // MARK: Primitives

    static func open(_ width: Double, _ height: Double, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(esc(label))\" font-family=\"system-ui, sans-serif\">"
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: String) -> String {
        "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"\(color)\" stroke-width=\"1\"/>"
    }

    static func text(_ x: Double, _ y: Double, _ s: String, size: Int, anchor: String, color: String) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\" fill=\"\(color)\">\(esc(s))</text>"
    }

    /// A coordinate with two decimals (keeps the file small and deterministic).
    static func f(_ x: Double) -> String { String(format: "%.2f", x) }

    /// 1234 → "1.2K", 3_000_000 → "3M".
    static func compact<N: BinaryInteger>(_ n: N) -> String { compact(Double(n)) }

    static func compact(_ x: Double) -> String {
        switch x {
        case ..<1000: return "\(Int(x))"
        case ..<1e6: return String(format: "%.3gK", x / 1e3)
        case ..<1e9: return String(format: "%.3gM", x / 1e6)
        default: return String(format: "%.2g", x)
        }
    }

    static func esc(_ s: String) -> String { JUnitReport.escape(s) }
}
