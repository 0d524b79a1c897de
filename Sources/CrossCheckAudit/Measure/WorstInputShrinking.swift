import CrossCheckCore
import CrossCheckProperties
import CrossCheckProtocol
import CrossCheckReference

/// A smaller input than a cell's worst that still shows an error above the claimed bound: found
/// by the shrinker `crosscheck check` uses, so a failing audit points at a request a person can read.
public struct ShrunkInput: Codable, Hashable, Sendable {
    /// The output with the largest error.
    public var output: Int
    /// That error, in ulps (above the cell's bound).
    public var ulp: Double
    public var got: String
    public var expected: String
    /// The protocol request line (`crosscheck eval` replays it).
    public var request: String
}

/// Shrinks the worst input of every cell whose largest error exceeds its bound.
///
/// Deterministic: the shrink depends only on the worst input, the implementation and the bound, so
/// reports stay the same whatever the number of threads or shards (each shard shrinks its own
/// worst inputs; the merged report keeps the one of the overall worst). Bounded: at most
/// `budget(for:)` evaluations per cell, each an implementation and a reference evaluation of an
/// input no longer than the worst, so audits stay fast.
struct WorstInputShrinking: Sendable {
    /// Evaluations one cell's shrink may spend: half the cell's samples, from 8 to 20 (exhaustive
    /// audits: 20), so that shrinking adds at most about half to the time of a failing cell at the
    /// default 32 samples (measured: 8 samples, 11 of 18 long-row cells above the bound, the
    /// audit took 12.9 s of which 6.2 s measuring, with 8 evaluations per cell). A function of
    /// the parameters alone, so every shard spends the same.
    static func budget(for parameters: AuditParameters) -> Int {
        parameters.mode == .exhaustive ? 20 : min(20, max(8, parameters.samples / 2))
    }

    /// Each cell index whose worst input should be shrunk.
    static func cellsToShrink(_ cells: [CellStatistics]) -> [Int] {
        cells.indices.filter { i in cells[i].worst.map { ($0.ulp ?? 0) > cells[i].bound } ?? false }
    }

    let implementation: any SoftmaxImplementation
    let budget: Int
    let reference = ReferenceImplementation()

    /// The largest finite error of the implementation on `problem`: the output, its error and the
    /// two values; nil when either side gives no answer.
    func largestError(_ problem: Problem) -> (output: Int, ulp: UInt64, got: Double, expected: Double)? {
        guard let expected = try? reference.evaluate(problem).values,
              let got = try? implementation.evaluate(problem).values, got.count == expected.count else { return nil }
        var worst: (output: Int, ulp: UInt64, got: Double, expected: Double)?
        for i in got.indices {
            guard let d = ULPDistance.between(got[i], expected[i], in: problem.format) else { continue }
            if d > (worst?.ulp ?? 0) { worst = (i, d, got[i], expected[i]) }
        }
        return worst
    }

    /// The worst input of `cell` shrunk while its error stays above the bound; nil when it cannot
    /// be read back or does not get smaller.
    func shrink(_ cell: CellStatistics) -> ShrunkInput? {
        guard let worst = cell.worst, let problem = try? ProtocolCodec.decodeRequest(worst.request) else { return nil }
        let bound = cell.bound
        let (small, _) = Shrinker(budget: budget).shrink(problem) { candidate in
            largestError(candidate).map { Double($0.ulp) > bound } ?? false
        }
        guard small != problem, let e = largestError(small), Double(e.ulp) > bound else { return nil }
        return ShrunkInput(output: e.output, ulp: Double(e.ulp), got: small.format.format(e.got),
                           expected: small.format.format(e.expected), request: ProtocolCodec.encodeRequest(small))
    }

    /// Shrinks the worst input of every cell that needs it, on `threads` threads (one
    /// implementation each, from `make`).
    static func apply(to cells: inout [CellStatistics], parameters: AuditParameters, threads: Int,
                      make: @escaping @Sendable () -> any SoftmaxImplementation) {
        let targets = cellsToShrink(cells)
        guard !targets.isEmpty else { return }
        let snapshot = cells, budget = budget(for: parameters)
        let states = ParallelWork.run(
            count: targets.count, threads: threads,
            makeState: { _ in (shrinking: WorstInputShrinking(implementation: make(), budget: budget), found: [Int: ShrunkInput]()) },
            body: { state, j in
                let i = targets[j]
                if let shrunk = state.shrinking.shrink(snapshot[i]) { state.found[i] = shrunk }
            }
        )
        for state in states {
            for (i, shrunk) in state.found { cells[i].worst?.shrunk = shrunk }
        }
    }
}
