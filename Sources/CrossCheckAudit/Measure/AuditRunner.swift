import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference
import Foundation

/// Audits an implementation: evaluates every problem of a plan with it and with the correctly
/// rounded reference, on several threads, and gathers the errors per cell; then shrinks the worst
/// input of each cell above its bound (`WorstInputShrinking`).
///
/// The report depends only on the plan and the implementation's answers: each problem comes from
/// its own seeded stream and the per-thread statistics merge exactly, so any number of threads
/// gives the same report (timings aside).
public struct AuditRunner: Sendable {
    /// Samples per cell that get a point in the plots (`AuditPlan.keepsPoint`).
    public static let pointLimit = 64

    public let plan: AuditPlan
    /// The name reports give the implementation.
    public let name: String
    public var threads: Int
    /// Makes the implementation one thread uses: called once per thread, so that an external
    /// command runs as one process per thread instead of queueing on one.
    public let makeImplementation: @Sendable () -> any SoftmaxImplementation
    public var progress: ProgressReporter?

    public init(plan: AuditPlan, name: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                progress: ProgressReporter? = nil, makeImplementation: @escaping @Sendable () -> any SoftmaxImplementation) {
        self.plan = plan
        self.name = name
        self.threads = threads
        self.progress = progress
        self.makeImplementation = makeImplementation
    }

    /// A runner for one shared implementation (built-in implementations are thread-safe).
    public init(plan: AuditPlan, implementation: any SoftmaxImplementation, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                progress: ProgressReporter? = nil) {
        self.init(plan: plan, name: implementation.name, threads: threads, progress: progress) { implementation }
    }

    /// Runs the audit.
    public func run() -> AuditReport {
        let plan = self.plan
        let start = Date()
        let states = ParallelWork.run(
            count: plan.workItemCount, threads: threads, progress: progress,
            atThreadExit: ReferenceImplementation.releaseThreadResources,
            makeState: { [makeImplementation] _ in Worker(plan: plan, implementation: makeImplementation()) },
            body: { worker, j in worker.process(j) }
        )
        var cells = states[0].statistics
        for state in states.dropFirst() {
            for i in cells.indices { cells[i].merge(state.statistics[i]) }
        }
        for i in cells.indices { cells[i].normalize() }
        // The measuring threads' implementations shrink too: an external command's processes are
        // reused, never started a second time (at most `threads` of them live at once).
        WorstInputShrinking.apply(to: &cells, parameters: plan.parameters, implementations: states.map(\.implementation))
        return AuditReport(implementation: name, parameters: plan.parameters, cells: cells,
                           elapsedSeconds: Date().timeIntervalSince(start))
    }

    /// One thread's implementation, reference and statistics.
    struct Worker: Sendable {
        let plan: AuditPlan
        let implementation: any SoftmaxImplementation
        let reference = ReferenceImplementation()
        var statistics: [CellStatistics]

        init(plan: AuditPlan, implementation: any SoftmaxImplementation) {
            self.plan = plan
            self.implementation = implementation
            statistics = plan.cells.map {
                CellStatistics(cell: $0, bound: implementation.maximumULPError($0.function, $0.outputFormat))
            }
        }

        /// Evaluates work item `j`: one problem, or a block of two-class rows, which the
        /// implementation gets as one batch (`evaluate(batch:)`; the block's plot point is its
        /// first row's). Problems the reference cannot settle are inconclusive and not given to
        /// the implementation.
        mutating func process(_ j: Int) {
            let (c, k) = plan.workItem(j)
            let problems = plan.problems(plan.cells[c], k)
            let t0 = DispatchTime.now().uptimeNanoseconds
            var settled: [(problem: Problem, expected: [Double])] = []
            settled.reserveCapacity(problems.count)
            for problem in problems {
                do {
                    settled.append((problem, try reference.evaluate(problem).values))
                } catch ImplementationError.undecided {
                    // The reference's precision cap: neither passed nor failed.
                    statistics[c].recordInconclusive()
                } catch {
                    // Anything else is a fault (of the plan's problem or the reference), counted and shown.
                    statistics[c].recordError(sample: k, problem: problem, message: "the reference failed: \(Self.describe(error))")
                }
            }
            let t1 = DispatchTime.now().uptimeNanoseconds
            let answers = settled.isEmpty ? [] : implementation.evaluate(batch: settled.map(\.problem))
            let t2 = DispatchTime.now().uptimeNanoseconds
            statistics[c].referenceSeconds += Double(t1 - t0) * 1e-9
            statistics[c].implementationSeconds += Double(t2 - t1) * 1e-9
            let keepPoint = plan.keepsPoint(k, cell: c)
            for (i, (problem, expected)) in settled.enumerated() {
                switch answers[i].map(\.values) {
                case .success(let got):
                    statistics[c].record(sample: k, problem: problem, expected: expected, got: got, keepPoint: keepPoint && i == 0)
                case .failure(let error):
                    statistics[c].recordError(sample: k, problem: problem, message: Self.describe(error))
                }
            }
        }

        static func describe(_ error: any Error) -> String {
            (error as? ProblemError)?.message ?? "\(error)"
        }
    }
}
