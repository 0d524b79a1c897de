import CrossCheckCore

/// What a generated problem's targets look like: the second axis of stratified generation, after
/// the row kind. Each shape is aimed at a clause of the loss functions' definitions.
public enum TargetShape: String, CaseIterable, Sendable, Hashable, Codable {
    /// The function takes no target (logsumexp, softmax, log_softmax, sigmoid).
    case none = "no-target"
    /// A class index y (rows); biased to the argmax on rows with a leader, the confident-correct case.
    case classIndex = "class-index"
    /// A soft target vector summing to 1 as well as the format allows, or label-smoothed.
    case normalized
    /// Non-negative targets whose sum is not 1 (scaled by 10⁻³…√max, or uniform in [0, 1]).
    case unnormalized
    /// Targets of both signs summing to exactly 0 (Σt = 0: the gradient is −t/T, the loss Σtᵢ(−zᵢ/T)).
    case zeroSum = "zero-sum"
    /// A soft vector with tᵢ = 0 on every −inf logit and tᵢ > 0 elsewhere: "terms with tᵢ = 0
    /// contribute 0", although tᵢ·(LSE − zᵢ/T) would be 0·∞.
    case zerosOnMasked = "zeros-on-masked"
    /// Every target 0 or 1: a multi-hot row vector, or elementwise t ∈ {0, 1} (the limits of BCE).
    case zeroOne = "zero-one"
    /// Elementwise targets strictly inside (0, 1), biased to ½ and to 1 − u and the least subnormal.
    case fraction
    /// Targets equal to the prediction up to rounding (t ≈ softmax(z/T), t ≈ σ(x)): the gradients
    /// (Σt)p − t and σ − t are tiny differences of nearly equal numbers.
    case nearPrediction = "near-prediction"
    /// One target NaN: every output of the row (the element, elementwise) is NaN.
    case nan

    /// Shapes with finite targets (every shape but `nan`).
    public static let finite: [TargetShape] = allCases.filter { $0 != .nan }

    /// The shapes `function` can take on rows of `kind`: `none` without targets; for rows, every
    /// vector shape and a class index (`zerosOnMasked` only where a logit is −inf); elementwise,
    /// the shapes of targets in [0, 1].
    ///
    /// Two exclusions keep every cell decidable by the reference in reasonable time: targets near
    /// the prediction only on rows of moderate spread (`RowKind.isModerate`: elsewhere p has
    /// vanishing terms, and (Σt)p − t their differences), and no `mse_softmax_grad` with targets
    /// that do not sum to 1 (the class the reference may leave undecided after minutes at its
    /// precision cap, `Fixtures/perturbation/undecided.jsonl`: tied or vanishing logits, which
    /// extreme temperatures make of any row).
    public static func applicable(to function: SoftmaxFunction, on kind: RowKind) -> [TargetShape] {
        guard function.takesTarget else { return [.none] }
        if function.shape == .elementwise { return [.zeroOne, .fraction, .nearPrediction, .nan] }
        var shapes: [TargetShape] = [.classIndex, .normalized, .unnormalized, .zeroSum, .zeroOne, .nearPrediction, .nan]
        if kind.hasNegativeInfinity { shapes.insert(.zerosOnMasked, at: 5) }
        if !kind.isModerate { shapes.removeAll { $0 == .nearPrediction } }
        if function == .mseSoftmaxGrad { shapes.removeAll { [.unnormalized, .zeroSum, .zeroOne].contains($0) } }
        return shapes
    }
}

extension RowKind {
    /// True when rows of this kind are meaningful for elementwise functions: kinds about the
    /// values of x (not about a row's structure: ties, leaders, length, temperature).
    public var appliesToElementwise: Bool {
        switch self {
        case .nearTies, .equal, .dominant, .gap, .long, .multiplePlusInfinity, .singleClass, .extremeTemperature: return false
        default: return true
        }
    }

    /// True when some logit of every row of this kind is −inf (or may be, for `singlePlusInfinity`).
    public var hasNegativeInfinity: Bool { self == .masked || self == .fullyMasked || self == .singlePlusInfinity }

    /// True for rows of moderate spread, whose exponentials e^{(zᵢ − max z)/T} do not vanish far
    /// below the format: ordinary, near-tie, equal, led, gapped, near-one, single-class and long rows.
    public var isModerate: Bool {
        switch self {
        case .normal, .nearTies, .equal, .dominant, .gap, .nearOne, .singleClass, .long: return true
        default: return false
        }
    }

    /// True when rows of this kind can be drawn for `function`.
    public func applies(to function: SoftmaxFunction) -> Bool {
        function.shape == .row || appliesToElementwise
    }
}

/// One cell of stratified generation: a function in a format, on a row kind, with a target shape.
/// `check` visits every cell of a property at least once per run and `audit` every cell of its
/// plan; both count hits in `Coverage`.
public struct CoverageCell: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var function: SoftmaxFunction
    public var format: FloatFormat
    public var rowKind: RowKind
    public var targetShape: TargetShape

    public init(function: SoftmaxFunction, format: FloatFormat, rowKind: RowKind, targetShape: TargetShape) {
        self.function = function
        self.format = format
        self.rowKind = rowKind
        self.targetShape = targetShape
    }

    /// `softmax float32 masked no-target`: also the name its random stream is forked by, so the
    /// problem drawn for a cell does not depend on which other cells a run selects.
    public var description: String { "\(function.name) \(format.rawValue) \(rowKind.rawValue) \(targetShape.rawValue)" }

    /// Report order: function, format, row kind, target shape, each in declaration order.
    public static func < (a: CoverageCell, b: CoverageCell) -> Bool {
        func rank(_ c: CoverageCell) -> [Int] {
            [SoftmaxFunction.allCases.firstIndex(of: c.function)!, FloatFormat.allCases.firstIndex(of: c.format)!,
             RowKind.allCases.firstIndex(of: c.rowKind)!, TargetShape.allCases.firstIndex(of: c.targetShape)!]
        }
        return rank(a).lexicographicallyPrecedes(rank(b))
    }

    /// Every cell of `functions` × `formats` × `kinds` × `shapes` that can be drawn: the kind
    /// applies to the function and the shape is one the function takes on that kind.
    public static func cells(functions: [SoftmaxFunction], formats: [FloatFormat], kinds: [RowKind],
                             shapes: [TargetShape]) -> [CoverageCell] {
        var cells: [CoverageCell] = []
        for function in functions {
            for format in formats {
                for kind in kinds where kind.applies(to: function) {
                    for shape in TargetShape.applicable(to: function, on: kind) where shapes.contains(shape) || shape == .none {
                        cells.append(CoverageCell(function: function, format: format, rowKind: kind, targetShape: shape))
                    }
                }
            }
        }
        return cells
    }
}

/// How often each planned cell was hit, like Hypothesis's statistics: the answer to "which input
/// classes did this run never reach?".
public struct Coverage: Sendable, Equatable {
    /// The planned cells, in plan order.
    public let cells: [CoverageCell]
    /// Hits per planned cell (same order as `cells`).
    public private(set) var hits: [Int]
    private let index: [CoverageCell: Int]

    public init(cells: [CoverageCell]) {
        self.cells = cells
        hits = Array(repeating: 0, count: cells.count)
        var index: [CoverageCell: Int] = [:]
        for (i, c) in cells.enumerated() where index[c] == nil { index[c] = i }
        self.index = index
    }

    /// Counts one example of `cell` (`count` of them); a cell outside the plan is ignored.
    public mutating func record(_ cell: CoverageCell, count: Int = 1) {
        if let i = index[cell] { hits[i] += count }
    }

    /// Adds another run's hits over the same cells.
    public mutating func merge(_ other: Coverage) {
        for (c, n) in zip(other.cells, other.hits) { record(c, count: n) }
    }

    /// Planned cells never hit.
    public var missed: [CoverageCell] { zip(cells, hits).filter { $0.1 == 0 }.map(\.0) }
    /// Cells hit at least once.
    public var hitCount: Int { hits.count { $0 > 0 } }
    /// Examples counted.
    public var total: Int { hits.reduce(0, +) }

    /// For people: a headline (`N of M cells hit, E examples, min…max per cell`), then one line per
    /// function × format giving the hits per row kind (summed over target shapes) and per target
    /// shape (summed over row kinds), then the cells never hit (the first `missedLineLimit`).
    public func lines(indent: String = "  ") -> [String] {
        guard !cells.isEmpty else { return ["\(indent)no cells"] }
        var out = ["\(indent)\(hitCount) of \(cells.count) cells hit, \(total) examples, \(hits.min()!)…\(hits.max()!) per cell"]
        var order: [String] = []
        var byKind: [String: [(String, Int)]] = [:], byShape: [String: [(String, Int)]] = [:]
        func add(_ table: inout [String: [(String, Int)]], _ key: String, _ name: String, _ n: Int) {
            var row = table[key, default: []]
            if let j = row.firstIndex(where: { $0.0 == name }) { row[j].1 += n } else { row.append((name, n)) }
            table[key] = row
        }
        for (c, n) in zip(cells, hits) {
            let key = "\(c.function.name) \(c.format.rawValue)"
            if byKind[key] == nil { order.append(key) }
            add(&byKind, key, c.rowKind.rawValue, n)
            add(&byShape, key, c.targetShape.rawValue, n)
        }
        let width = order.map(\.count).max()!
        for key in order {
            let kinds = byKind[key]!.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            let shapes = byShape[key]!.filter { $0.0 != TargetShape.none.rawValue }.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
            out.append("\(indent)\(key.padding(toLength: width, withPad: " ", startingAt: 0))  \(kinds)" + (shapes.isEmpty ? "" : " | \(shapes)"))
        }
        let missed = self.missed
        for c in missed.prefix(Self.missedLineLimit) { out.append("\(indent)never hit: \(c)") }
        if missed.count > Self.missedLineLimit { out.append("\(indent)… and \(missed.count - Self.missedLineLimit) more cells never hit") }
        return out
    }

    /// The most `never hit:` lines `lines` prints.
    public static let missedLineLimit = 20
}
