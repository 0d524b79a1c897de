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

    /// The largest finite error of the implementation on `problem`, in ulps of its output format
    /// (`CellStatistics.largestError`): the output, its error and the two values; nil when the
    /// reference cannot decide the problem (its precision cap) or the implementation gives no
    /// answer of the right length — a candidate without an ulp error to show. Any other
    /// reference error is a fault and is thrown (the shrinker only offers valid problems).
    func largestError(_ problem: Problem) throws -> (output: Int, ulp: UInt64, got: Double, expected: Double)? {
        let expected: [Double], got: [Double]
        do { expected = try reference.evaluate(problem).values } catch ImplementationError.undecided { return nil }
        do { got = try implementation.evaluate(problem).values } catch { return nil }
        guard got.count == expected.count,
              let e = CellStatistics.largestError(got: got, expected: expected, in: problem.outputFormat) else { return nil }
        return (e.output, e.ulp, got[e.output], expected[e.output])
    }

    /// The worst input of `cell` shrunk while its error stays above the bound; nil when it cannot
    /// be read back or does not get smaller.
    func shrink(_ cell: CellStatistics) throws -> ShrunkInput? {
        guard let worst = cell.worst else { return nil }
        let problem = try ProtocolCodec.decodeRequest(worst.request)  // written by `CellStatistics.record`
        let bound = cell.bound
        var fault: (any Error)?
        let (small, _) = Shrinker(budget: budget).shrink(problem) { candidate in
            guard fault == nil else { return false }
            do { return try largestError(candidate).map { Double($0.ulp) > bound } ?? false } catch {
                fault = error
                return false
            }
        }
        if let fault { throw fault }
        guard small != problem, let e = try largestError(small), Double(e.ulp) > bound else { return nil }
        let output = small.outputFormat
        return ShrunkInput(output: e.output, ulp: Double(e.ulp), got: output.format(e.got),
                           expected: output.format(e.expected), request: ProtocolCodec.encodeRequest(small))
    }

    /// Shrinks the worst input of every cell that needs it, one thread per implementation given
    /// (the measuring threads' own: no process of an external command is started for this).
    static func apply(to cells: inout [CellStatistics], parameters: AuditParameters,
                      implementations: [any SoftmaxImplementation]) {
        let targets = cellsToShrink(cells)
        guard !targets.isEmpty, !implementations.isEmpty else { return }
        let snapshot = cells, budget = budget(for: parameters)
        let states = ParallelWork.run(
            count: targets.count, threads: implementations.count,
            makeState: { t in (shrinking: WorstInputShrinking(implementation: implementations[t], budget: budget),
                               found: [Int: ShrunkInput](), faults: [Int: String]()) },
            body: { state, j in
                let i = targets[j]
                do {
                    if let shrunk = try state.shrinking.shrink(snapshot[i]) { state.found[i] = shrunk }
                } catch {
                    state.faults[i] = "while shrinking the worst input: \(AuditRunner.Worker.describe(error))"
                }
            }
        )
        for state in states {
            for (i, shrunk) in state.found { cells[i].worst?.shrunk = shrunk }
            // A fault is no sample: counted as an error of the cell (already failing: above its bound).
            for (i, message) in state.faults { cells[i].recordFault(sample: snapshot[i].worst!.sample, request: snapshot[i].worst!.request, message: message) }
        }
    }
}
