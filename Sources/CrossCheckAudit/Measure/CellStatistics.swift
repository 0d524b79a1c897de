import CrossCheckCore
import CrossCheckProtocol
import Foundation

/// An input that shows an error: the request line to replay it with, and what was wrong.
public struct Example: Codable, Hashable, Sendable {
    public var inputClass: String
    /// The sample (exhaustive: the block) it came from.
    public var sample: Int
    /// The output where the error is (nil when the implementation gave no answer).
    public var output: Int?
    /// The error in ulps (nil for a wrong non-finite result or no answer).
    public var ulp: Double?
    public var got: String?
    public var expected: String?
    /// The implementation's error message, when it gave no answer.
    public var message: String?
    /// The protocol request line: `crosscheck eval` replays it.
    public var request: String
    /// For a largest error above the claimed bound: a smaller input that still exceeds it (nil
    /// when none was found, or the error is within the bound).
    public var shrunk: ShrunkInput?

    enum CodingKeys: String, CodingKey {
        case inputClass = "class", sample, output, ulp, got, expected, message, request, shrunk
    }

    /// Order of preference between two examples of one cell: earlier sample, then earlier output.
    func precedes(_ other: Example) -> Bool { (sample, output ?? -1) < (other.sample, other.output ?? -1) }
}

/// One sample's position in the plots: its row length, logit spread and largest error.
public struct PlotPoint: Hashable, Sendable {
    public var sample: Int
    /// Logits (elementwise: x values) in the problem.
    public var length: Int
    /// (max − min)/T over the finite logits (elementwise: max |x|), to 4 significant digits,
    /// clamped to the largest Double.
    public var spread: Double
    /// The sample's largest finite error in ulps.
    public var ulp: Double
    /// True when the sample has a wrong non-finite result.
    public var wrongNonFinite: Bool
}

/// The accuracy of an implementation on one cell (function × format × input class).
///
/// Every statistic is an exact, order-independent aggregate — counts, a maximum, a 128-bit sum,
/// a histogram, examples chosen by sample index — so statistics merged from any split of the
/// samples (threads, shards) equal those of one pass, bit for bit. Timings are the exception
/// and are kept apart (`withoutTiming`).
public struct CellStatistics: Sendable, Equatable {
    public var cell: AuditCell
    /// The error the implementation claims for this function and format (`maximumULPError`).
    public var bound: Double
    /// Problems evaluated.
    public var samples = 0
    /// Outputs compared (one per logit, or one per problem for scalar functions).
    public var outputs = 0
    /// Outputs where the answer or the correctly rounded result is NaN or ±inf and they differ.
    public var wrongNonFinite = 0
    /// Problems the implementation failed to answer.
    public var errors = 0
    /// Problems the reference could not settle (precision cap); not held against the implementation.
    public var inconclusive = 0
    /// The largest finite error, in ulps.
    public var maxULP: UInt64 = 0
    /// The sum of the finite errors (exact).
    public var sumULP: UInt128 = 0
    /// Finite errors counted by `bucket` (exact below 1,024 ulps).
    public var histogram: [UInt64: Int] = [:]
    public var worst: Example?
    public var firstWrongNonFinite: Example?
    public var firstError: Example?
    /// Plot points of the samples `AuditPlan.keepsPoint` chooses, by sample.
    public var points: [PlotPoint] = []
    public var implementationSeconds = 0.0
    public var referenceSeconds = 0.0

    public init(cell: AuditCell, bound: Double) {
        self.cell = cell
        self.bound = bound
    }

    // MARK: Derived statistics

    /// Outputs with a finite error (every output that is not a wrong non-finite result).
    public var finiteOutputs: Int { histogram.values.reduce(0, +) }
    /// The median finite error (nearest rank), in ulps.
    public var p50: Double { percentile(0.50) }
    /// The 99th percentile of the finite errors (nearest rank), in ulps.
    public var p99: Double { percentile(0.99) }
    /// The mean finite error, in ulps.
    public var mean: Double { finiteOutputs == 0 ? 0 : Double(sumULP) / Double(finiteOutputs) }

    /// The inputs that show what went wrong, with a few words for each: the largest error, the
    /// first wrong non-finite result, the first problem not answered (those that exist).
    public var examples: [(what: String, example: Example)] {
        [("largest error", worst), ("wrong NaN/∞", firstWrongNonFinite), ("no answer", firstError)].compactMap { what, e in
            e.map { (what, $0) }
        }
    }

    /// True when the cell holds to the claimed bound: no error above it, no wrong non-finite
    /// result, and an answer to every problem.
    public var passed: Bool { Double(maxULP) <= bound && wrongNonFinite == 0 && errors == 0 }

    /// The nearest-rank percentile of the finite errors (exact below 1,024 ulps; above, the
    /// bucket's lower end, 4 significant bits).
    public func percentile(_ p: Double) -> Double {
        let n = finiteOutputs
        guard n > 0 else { return 0 }
        let rank = max(1, Int((p * Double(n)).rounded(.up)))
        var seen = 0
        for key in histogram.keys.sorted() {
            seen += histogram[key]!
            if seen >= rank { return Double(key) }
        }
        return Double(maxULP)
    }

    /// The histogram key of an error: exact below 1,024, otherwise rounded down to 4 significant bits.
    public static func bucket(_ ulp: UInt64) -> UInt64 {
        guard ulp >= 1024 else { return ulp }
        let shift = (64 - ulp.leadingZeroBitCount) - 4
        return (ulp >> UInt64(shift)) << UInt64(shift)
    }

    // MARK: Recording

    /// Records one answered problem: `got` against the correctly rounded `expected`.
    public mutating func record(sample: Int, problem: Problem, expected: [Double], got: [Double], keepPoint: Bool) {
        guard got.count == expected.count else {
            recordError(sample: sample, problem: problem, message: "answered \(got.count) values, expected \(expected.count)")
            return
        }
        samples += 1
        outputs += got.count
        let format = problem.outputFormat
        var firstWrong = -1
        var exact = 0  // correctly rounded outputs: one histogram update per problem, not per output
        let largest = Self.largestError(got: got, expected: expected, in: format) { i, distance in
            guard let d = distance else {
                wrongNonFinite += 1
                if firstWrong < 0 { firstWrong = i }
                return
            }
            if d == 0 {
                exact += 1
            } else {
                histogram[Self.bucket(d), default: 0] += 1
                sumULP += UInt128(d)
            }
        }
        let (sampleMaxAt, sampleMax) = largest.map { ($0.output, $0.ulp) } ?? (-1, 0)
        if exact > 0 { histogram[0, default: 0] += exact }
        // An elementwise output depends on its own x (and t) only: the example is that one input
        // (its output 0), not the whole block of an exhaustive sweep.
        func example(_ i: Int, ulp: Double?) -> Example {
            let (request, output) = problem.function.shape == .elementwise ? (problem.element(i), 0) : (problem, i)
            return Example(inputClass: cell.inputClass, sample: sample, output: output, ulp: ulp, got: format.format(got[i]),
                           expected: format.format(expected[i]), request: ProtocolCodec.encodeRequest(request))
        }
        if sampleMax > 0 {
            maxULP = max(maxULP, sampleMax)
            let beats = worst.map { Double(sampleMax) > ($0.ulp ?? 0) || (Double(sampleMax) == $0.ulp && sample < $0.sample) } ?? true
            if beats { worst = example(sampleMaxAt, ulp: Double(sampleMax)) }
        }
        if firstWrong >= 0, firstWrongNonFinite.map({ sample < $0.sample }) ?? true {
            firstWrongNonFinite = example(firstWrong, ulp: nil)
        }
        if keepPoint {
            points.append(PlotPoint(sample: sample, length: problem.logits.count, spread: Self.spread(problem),
                                    ulp: Double(sampleMax), wrongNonFinite: firstWrong >= 0))
        }
    }

    /// The largest error of an answer `got` against the correctly rounded `expected`, in ulps of
    /// `format` — the problem's `outputFormat`, whose values both are (a mixed-precision answer is
    /// measured in its output format, never its input's): the first output at the largest
    /// distance among those finite on both sides or the same non-finite value, nil when there is
    /// none. `each` hears every output's distance, nil where `ULPDistance.between` finds the
    /// finiteness (or NaN-ness) differs. The audit's statistics and its worst-input shrinking
    /// both measure with it.
    static func largestError(got: [Double], expected: [Double], in format: FloatFormat,
                             each: (_ output: Int, _ ulp: UInt64?) -> Void = { _, _ in }) -> (output: Int, ulp: UInt64)? {
        var largest: (output: Int, ulp: UInt64)?
        for i in got.indices where i < expected.count {
            let d = ULPDistance.between(got[i], expected[i], in: format)
            each(i, d)
            if let d, d > (largest?.ulp ?? 0) || largest == nil { largest = (i, d) }
        }
        return largest
    }

    /// Records a problem the implementation failed to answer.
    public mutating func recordError(sample: Int, problem: Problem, message: String) {
        samples += 1
        errors += 1
        if firstError.map({ sample < $0.sample }) ?? true {
            firstError = Example(inputClass: cell.inputClass, sample: sample, message: message, request: ProtocolCodec.encodeRequest(problem))
        }
    }

    /// Records a fault met after measuring (while shrinking the worst input): an error of the
    /// cell, with its message, that is no sample of it.
    mutating func recordFault(sample: Int, request: String, message: String) {
        errors += 1
        if firstError.map({ sample < $0.sample }) ?? true {
            firstError = Example(inputClass: cell.inputClass, sample: sample, message: message, request: request)
        }
    }

    /// Records a problem the reference could not settle.
    public mutating func recordInconclusive() {
        samples += 1
        inconclusive += 1
    }

    /// The logit spread of a problem: (max − min)/T over its finite logits, max |x| elementwise.
    static func spread(_ p: Problem) -> Double {
        let finite = p.logits.filter(\.isFinite)
        guard let hi = finite.max(), let lo = finite.min() else { return 0 }
        if p.function.shape == .elementwise { return max(abs(hi), abs(lo)) }
        let s = (hi / 2 - lo / 2) / p.temperature * 2
        let rounded = Double(String(format: "%.4g", s)) ?? s  // 4 digits: plenty for a plot
        return rounded.isFinite ? rounded : .greatestFiniteMagnitude
    }

    // MARK: Merging

    /// Adds the statistics of other samples of the same cell (another thread's or shard's).
    public mutating func merge(_ other: CellStatistics) {
        precondition(cell == other.cell, "merging statistics of different cells")
        absorb(other)
    }

    /// Adds the statistics of `other`, of this cell or (for summaries) of another class of the
    /// same function × format; examples are compared by error, then by sample index, keeping
    /// this side's on a complete tie.
    mutating func absorb(_ other: CellStatistics) {
        // Saturating: counts read from files are capped (2⁵⁰), but a merge of many may not be.
        samples = Self.add(samples, other.samples)
        outputs = Self.add(outputs, other.outputs)
        wrongNonFinite = Self.add(wrongNonFinite, other.wrongNonFinite)
        errors = Self.add(errors, other.errors)
        inconclusive = Self.add(inconclusive, other.inconclusive)
        maxULP = max(maxULP, other.maxULP)
        sumULP = Self.add(sumULP, other.sumULP)
        histogram.merge(other.histogram, uniquingKeysWith: Self.add)
        if let w = other.worst {
            if let mine = worst {
                let (a, b) = (w.ulp ?? 0, mine.ulp ?? 0)
                if a > b || (a == b && w.inputClass == mine.inputClass && w.precedes(mine)) { worst = w }
            } else {
                worst = w
            }
        }
        firstWrongNonFinite = Self.earlier(firstWrongNonFinite, other.firstWrongNonFinite)
        firstError = Self.earlier(firstError, other.firstError)
        if !other.points.isEmpty { points = (points + other.points).sorted { $0.sample < $1.sample } }
        implementationSeconds += other.implementationSeconds
        referenceSeconds += other.referenceSeconds
    }

    /// a + b, or the largest value when that overflows.
    private static func add<T: FixedWidthInteger>(_ a: T, _ b: T) -> T {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    private static func earlier(_ a: Example?, _ b: Example?) -> Example? {
        guard let a else { return b }
        guard let b else { return a }
        return a.inputClass == b.inputClass && b.precedes(a) ? b : a
    }

    /// The same statistics with timings zeroed: what must agree between runs of equal parameters.
    public var withoutTiming: CellStatistics {
        var s = self
        s.implementationSeconds = 0
        s.referenceSeconds = 0
        return s
    }

    /// Points in sample order (threads record them in any order).
    mutating func normalize() { points.sort { $0.sample < $1.sample } }
}

/// Errors in units in the last place of a format.
public enum ULPDistance {
    /// The distance between `got` and the correctly rounded `expected`: the number of format
    /// values strictly between them plus one (0 when equal; ±0 are equal; NaN matches NaN).
    /// nil when either is NaN or ±inf and they differ: a wrong non-finite result. Exact as a UInt64
    /// over the whole binary64 range, where `FloatFormat.ulpDistance` returns a Double, approximate
    /// beyond 2⁵³ ulps (the histogram and the 128-bit sum need the exact count).
    public static func between(_ got: Double, _ expected: Double, in format: FloatFormat) -> UInt64? {
        if got.isNaN || expected.isNaN { return got.isNaN && expected.isNaN ? 0 : nil }
        if got == expected { return 0 }
        if !got.isFinite || !expected.isFinite { return nil }
        let a = format.ordinal(got), b = format.ordinal(expected)
        if (a < 0) == (b < 0) { return UInt64(abs(a - b)) }
        return UInt64(abs(a)) + UInt64(abs(b))
    }
}
