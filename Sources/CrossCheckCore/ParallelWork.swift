import Foundation
import Synchronization

/// The one way work is split over threads in CrossCheck, shared inside the package.
///
/// Two shapes: `forEachChunk` cuts 0..<count into contiguous, disjoint ranges, one per thread (the
/// kernels' rows: cheap, even items, results written in place); `run` hands out numbered items one
/// at a time, each thread with its own state (audits and sweeps: uneven items).
///
/// In `run`, items are handed out one at a time from a shared counter, so a slow item (a long row) never
/// holds up the others; which thread runs which item is left to chance, so callers must combine
/// the per-thread states with an order-independent merge (as `CellStatistics` does) or write each
/// item's result to its own slot.
package enum ParallelWork {
    /// What a progress display needs from a run (the audit's `ProgressReporter`).
    package protocol Progress: Sendable {
        func start(total: Int)
        func advance()
        func finish()
    }

    /// Runs `body` on every item in 0..<count with `threads` threads (1: on the calling thread)
    /// and returns the final state of each thread, in thread order. `atThreadExit` runs last on
    /// each thread this call started (e.g. to free MPFR's per-thread caches, which would otherwise
    /// outlive the thread).
    package static func run<State: Sendable>(
        count: Int, threads: Int, progress: (any Progress)? = nil,
        atThreadExit: (@Sendable () -> Void)? = nil,
        makeState: @escaping @Sendable (_ thread: Int) -> State,
        body: @escaping @Sendable (inout State, _ item: Int) -> Void
    ) -> [State] {
        let next = Counter()
        let threads = max(1, min(threads, max(count, 1)))
        let results = Slots<State>(count: threads)
        progress?.start(total: count)
        let work: @Sendable (Int) -> Void = { t in
            var state = makeState(t)
            while let j = next.take(below: count) {
                body(&state, j)
                progress?.advance()
            }
            results.set(t, state)
        }
        if threads == 1 {
            work(0)
        } else {
            let group = DispatchGroup()
            for t in 0..<threads {
                group.enter()
                let thread = Thread {
                    work(t)
                    atThreadExit?()
                    group.leave()
                }
                thread.stackSize = 16 << 20
                thread.start()
            }
            group.wait()
        }
        progress?.finish()
        return results.values
    }

    /// Runs `body` on contiguous, disjoint ranges covering 0..<count, on up to `threads` threads
    /// (0 = every processor); one range per thread, on the calling thread when one suffices.
    /// Callers that reduce over items must do so afterwards in item order, so that no result
    /// depends on the thread count.
    package static func forEachChunk(count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        let wanted = threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : threads
        let chunks = max(1, min(wanted, count))
        if chunks == 1 { return body(0..<count) }
        withoutActuallyEscaping(body) { body in
            let shared = ChunkBody(run: body)
            DispatchQueue.concurrentPerform(iterations: chunks) { i in
                shared.run((count * i / chunks)..<(count * (i + 1) / chunks))
            }
        }
    }

    /// A non-Sendable body handed to the threads of one `forEachChunk`, each touching its own range.
    private struct ChunkBody: @unchecked Sendable {
        let run: (Range<Int>) -> Void
    }

    /// The next item number, shared by the threads (one atomic increment per item).
    final class Counter: Sendable {
        private let next = Atomic<Int>(0)

        func take(below limit: Int) -> Int? {
            let item = next.wrappingAdd(1, ordering: .relaxed).oldValue
            return item < limit ? item : nil
        }
    }

    /// One result slot per thread (or per item), written once each.
    package final class Slots<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var storage: [Value?]

        package init(count: Int) { storage = Array(repeating: nil, count: count) }

        package func set(_ i: Int, _ value: Value) {
            lock.lock()
            storage[i] = value
            lock.unlock()
        }

        /// Every slot's value; each must have been set.
        package var values: [Value] {
            lock.lock()
            defer { lock.unlock() }
            return storage.map { $0! }
        }
    }
}
