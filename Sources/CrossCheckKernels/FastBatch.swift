import CrossCheckCore

// Batch loops over the vector path (FastRows.swift) and the split of rows over threads.

extension KernelThreads {
    /// Runs `body` on contiguous, disjoint row ranges covering 0..<rows, on up to `threads`
    /// threads (0 = all available processors), through the package's one `ParallelWork`. Results
    /// never depend on the thread count: every row is computed alone, and reductions over rows are
    /// summed afterwards in row order.
    static func forEachChunk(rows: Int, threads: Int, _ body: (Range<Int>) -> Void) {
        ParallelWork.forEachChunk(count: rows, threads: threads == 0 ? available : threads, body)
    }
}

extension SoftmaxKernels {
    /// Runs `body` on every row with a vector-path engine per chunk of rows, then completes each
    /// chunk's last pending stores.
    static func forEachFastRow<S: KernelScalar>(
        _ logits: LogitsBuffer<S>, temperature: S, threads: Int, _ body: (FastEngine<S>, Int) -> Void
    ) {
        let t = temperature.kernelDouble
        KernelThreads.forEachChunk(rows: logits.rows, threads: threads) { range in
            let engine = FastEngine<S>(classes: logits.classes, temperature: t)
            for r in range {
                engine.setNext(r + 1 < range.upperBound ? UnsafeRawPointer(logits.values.baseAddress! + (r + 1) * logits.classes) : nil)
                body(engine, r)
            }
            engine.finish()
        }
    }

    /// `forEachRow` over chunks of rows on up to `threads` threads (the scalar path).
    static func forEachRow<S: KernelScalar>(
        _ logits: LogitsBuffer<S>, temperature: S, precise: Bool, extendedRange: Bool = false, threads: Int,
        _ body: (RowWorkspaceHandle<S>, Int) -> Void
    ) {
        KernelThreads.forEachChunk(rows: logits.rows, threads: threads) { range in
            let rows = LogitsBuffer(unchecked: logits, range)
            forEachRow(rows, temperature: temperature, precise: precise, extendedRange: extendedRange) { w, r in
                body(w, range.lowerBound + r)
            }
        }
    }
}

extension LogitsBuffer {
    /// Rows `range` of `batch` (no copy, no check).
    init(unchecked batch: LogitsBuffer, _ range: Range<Int>) {
        values = UnsafeBufferPointer(rebasing: batch.values[(range.lowerBound * batch.classes)..<(range.upperBound * batch.classes)])
        rows = range.count
        classes = batch.classes
    }
}
