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
            for format in parameters.formats {
                let classes = parameters.mode == .exhaustive ? ExhaustiveInputs.classes(function) : parameters.classes
                cells += classes.map { AuditCell(function: function, format: format, inputClass: $0) }
            }
        }
        self.cells = cells
        totals = cells.map { parameters.mode == .exhaustive ? ExhaustiveInputs.blockCount($0.format) : parameters.samples }
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

    /// The problem of sample `index` of `cell`.
    public func problem(_ cell: AuditCell, _ index: Int) -> Problem {
        switch parameters.mode {
        case .exhaustive:
            return ExhaustiveInputs.problem(cell, block: index)
        case .sampled:
            var rng = SplitMix64(seed: parameters.seed).fork(cell.description).fork(index)
            return generator.problem(cell.function, cell.format, kind: RowKind(rawValue: cell.inputClass)!, &rng)
        }
    }
}

/// Exhaustive inputs for elementwise functions: every bit pattern of the format as x (NaNs and
/// infinities included), in blocks of 256 consecutive patterns. Functions with a target are
/// audited at t = 0, ½ and 1 — where the losses meet their limits and σ(x) − t cancels.
public enum ExhaustiveInputs {
    /// Bit patterns per block (one problem).
    public static let blockSize = 256
    /// The targets paired with every x for the elementwise losses.
    public static let targets: [(name: String, value: Double)] = [("t=0", 0), ("t=0.5", 0.5), ("t=1", 1)]

    static var functionNames: String {
        SoftmaxFunction.allCases.filter { $0.shape == .elementwise }.map(\.name).joined(separator: ", ")
    }

    /// The input classes of `function`: `all` without a target, one per target otherwise.
    public static func classes(_ function: SoftmaxFunction) -> [String] {
        function.takesTarget ? targets.map(\.name) : ["all"]
    }

    /// Blocks covering every bit pattern: 2⁸ (Float16), 2²⁴ (Float), 2⁵⁶ (Double).
    public static func blockCount(_ format: FloatFormat) -> Int {
        switch format {
        case .float16: return 1 << 8
        case .float32: return 1 << 24
        case .float64: return 1 << 56
        }
    }

    /// The values with bit patterns `block·256 ..< (block + 1)·256`.
    public static func values(_ format: FloatFormat, block: Int) -> [Double] {
        let first = UInt64(block) * UInt64(blockSize)
        return (0..<UInt64(blockSize)).map { i in
            let bits = first + i
            switch format {
            case .float16: return Double(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
            case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
            case .float64: return Double(bitPattern: bits)
            }
        }
    }

    /// The problem of one block of one cell.
    public static func problem(_ cell: AuditCell, block: Int) -> Problem {
        let x = values(cell.format, block: block)
        var target: Target? = nil
        if let t = targets.first(where: { $0.name == cell.inputClass }) {
            target = .vector(Array(repeating: t.value, count: x.count))
        }
        return Problem(function: cell.function, format: cell.format, logits: x, target: target)
    }
}
