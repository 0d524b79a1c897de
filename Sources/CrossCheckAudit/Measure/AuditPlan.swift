import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProperties

/// The problems of an audit, each a pure function of the parameters and its place:
/// (seed, function, format, input class, sample index). Nothing depends on threads or timing, so
/// any split of the work — threads, shards, machines — evaluates the same problems.
public struct AuditPlan: Sendable {
    public let parameters: AuditParameters
    /// The cells, in report order: function, then format, then input class.
    public let cells: [AuditCell]
    /// Samples per cell over the whole (unsharded) audit.
    public let totals: [Int]
    /// Samples per cell in this run's shard.
    public let counts: [Int]
    private let prefix: [Int]
    private let interleaved: Bool
    private let generator: ProblemGenerator

    public init(_ parameters: AuditParameters) throws(AuditError) {
        try parameters.validate()
        self.parameters = parameters
        var cells: [AuditCell] = []
        for function in parameters.functions {
            for pair in parameters.formatPairs {
                let classes = parameters.mode == .exhaustive ? ExhaustiveSweep.classes(function) : parameters.classes
                cells += classes.map { AuditCell(function: function, format: pair.input, outputFormat: pair.output, inputClass: $0) }
            }
        }
        self.cells = cells
        totals = cells.map { parameters.mode == .exhaustive ? ExhaustiveSweep.blockCount($0.format) : parameters.samples }
        let shard = parameters.shard ?? (try! Shard(index: 0, count: 1))
        counts = totals.map { shard.share(of: $0) }
        var sums = [0]
        for c in counts { sums.append(sums.last! + c) }
        prefix = sums
        interleaved = Set(counts).count <= 1
        generator = ProblemGenerator(maxClasses: parameters.maxClasses)
    }

    /// Work items in this run: one per (cell, sample) of the shard.
    public var workItemCount: Int { prefix.last! }

    /// The cell and sample index of work item `j`. When every cell has the same number of samples
    /// the cells are interleaved (sample 0 of every cell, then sample 1, …) so that progress and
    /// its ETA are even; otherwise cell after cell.
    public func workItem(_ j: Int) -> (cell: Int, sample: Int) {
        let local: Int, cell: Int
        if interleaved {
            cell = j % cells.count
            local = j / cells.count
        } else {
            var lo = 0, hi = cells.count - 1
            while lo < hi {  // the last cell whose prefix ≤ j
                let mid = (lo + hi + 1) / 2
                if prefix[mid] <= j { lo = mid } else { hi = mid - 1 }
            }
            cell = lo
            local = j - prefix[lo]
        }
        let shard = parameters.shard
        return (cell, (shard?.index ?? 0) + local * (shard?.count ?? 1))
    }

    /// True when sample `index` of cell `cell` gets a point in the plots: the first
    /// `AuditRunner.pointLimit` samples, or for exhaustive audits that many blocks spread evenly
    /// over the format's values.
    public func keepsPoint(_ index: Int, cell: Int) -> Bool {
        let limit = AuditRunner.pointLimit
        if parameters.mode == .sampled { return index < limit }
        return index % max(1, totals[cell] / limit) == 0 && index / max(1, totals[cell] / limit) < limit
    }

    /// The problems of sample `index` of `cell`: one, except in an exhaustive cell of two-class
    /// rows, whose sample (a block) is the 256 rows [0, x].
    public func problems(_ cell: AuditCell, _ index: Int) -> [Problem] {
        guard parameters.mode == .exhaustive && cell.inputClass == ExhaustiveSweep.twoClassRows else { return [problem(cell, index)] }
        return ExhaustiveSweep.twoClassProblems(cell.function, cell.format, block: index).map { p in
            var p = p
            p.outputFormat = cell.outputFormat
            return p
        }
    }

    /// The problem of sample `index` of `cell` (for a block of two-class rows, its first row).
    public func problem(_ cell: AuditCell, _ index: Int) -> Problem {
        if parameters.mode == .exhaustive && cell.inputClass == ExhaustiveSweep.twoClassRows { return problems(cell, index)[0] }
        var p: Problem
        switch parameters.mode {
        case .exhaustive:
            p = ExhaustiveSweep.problem(cell.function, cell.format, inputClass: cell.inputClass, block: index)
        case .sampled:
            var rng = SplitMix64(seed: parameters.seed).fork(cell.description).fork(index)
            let kind = RowKind(rawValue: cell.inputClass)!
            p = generator.problem(cell.function, cell.format, kind: kind, targetShape: Self.targetShape(cell.function, kind, sample: index), &rng)
        }
        p.outputFormat = cell.outputFormat
        return p
    }

    /// The target shape of sample `index` of a cell: the shapes the function takes on the kind,
    /// in turn (so a cell of at least as many samples as shapes has every one).
    public static func targetShape(_ function: SoftmaxFunction, _ kind: RowKind, sample index: Int) -> TargetShape {
        let shapes = TargetShape.applicable(to: function, on: kind)
        return shapes[index % shapes.count]
    }

    /// The coverage of this run (its shard): hits per function × format × row kind × target
    /// shape, counted from the plan (sample k of a cell has shape k mod the cell's shape count;
    /// the generator draws each sample of its kind and shape, `CoverageCell.mismatch`).
    /// Exhaustive audits have no row kinds: empty. Only the kinds that mean something for the
    /// function count (`RowKind.applies(to:)`): an elementwise function's cell of a row-structure
    /// kind (dominant, extremeTemperature, …) draws values of x, not rows of that kind.
    public var coverage: Coverage {
        guard parameters.mode == .sampled else { return Coverage(cells: []) }
        var planned: [(CoverageCell, Int)] = []
        for (i, cell) in cells.enumerated() {
            guard let kind = RowKind(rawValue: cell.inputClass), kind.applies(to: cell.function) else { continue }
            let shapes = TargetShape.applicable(to: cell.function, on: kind)
            for (j, shape) in shapes.enumerated() {
                let c = CoverageCell(function: cell.function, format: cell.format, rowKind: kind, targetShape: shape)
                planned.append((c, Self.residueCount(j, modulo: shapes.count, samples: totals[i], shard: parameters.shard)))
            }
        }
        var coverage = Coverage(cells: planned.map(\.0))
        for (c, n) in planned { coverage.record(c, count: n) }
        return coverage
    }

    /// How many samples k < `samples` of `shard` have k mod m = j (k = index + local·count).
    static func residueCount(_ j: Int, modulo m: Int, samples: Int, shard: Shard?) -> Int {
        let index = shard?.index ?? 0, count = shard?.count ?? 1
        let share = shard?.share(of: samples) ?? samples
        // k mod m repeats with period m in `local`: count one period, then the remainder.
        let period = m
        var perPeriod = 0, remainder = 0
        for local in 0..<min(period, share) where (index + local * count) % m == j {
            perPeriod += 1
            if local < share % period { remainder += 1 }
        }
        if share < period { return perPeriod }
        return (share / period) * perPeriod + remainder
    }
}
