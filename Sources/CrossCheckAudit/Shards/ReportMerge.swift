extension AuditReport {
    /// Combines the shard reports of one audit into the report the unsharded run gives.
    ///
    /// Every shard must come from the same implementation and parameters, with the same shard
    /// count; together they must cover every shard exactly once (unless `allowPartial`, which
    /// merges what is there and keeps the result marked as a shard only when one is given).
    /// Statistics merge exactly, so the result equals the unsharded report except for timings
    /// (`elapsed_seconds` becomes the sum over shards).
    public static func merge(_ reports: [(source: String, report: AuditReport)], allowPartial: Bool = false) throws(AuditError) -> AuditReport {
        guard let first = reports.first else { throw AuditError(.usage, "merge: give at least one report") }
        for (source, r) in reports.dropFirst() {
            guard r.implementation == first.report.implementation else {
                throw AuditError(.badInput, "merge: \(source) audits \(r.implementation), but \(first.source) audits \(first.report.implementation)")
            }
            guard r.parameters.unsharded == first.report.parameters.unsharded else {
                throw AuditError(.badInput, "merge: \(source) was run with other parameters than \(first.source) (seed, samples, formats, functions, classes or mode differ)")
            }
            guard r.cells.map(\.cell) == first.report.cells.map(\.cell) else {
                throw AuditError(.badInput, "merge: \(source) has other cells than \(first.source)")
            }
        }
        if reports.count == 1 && first.report.parameters.shard == nil { return first.report }
        var seen: [Int: String] = [:]
        var count: Int? = nil
        for (source, r) in reports {
            guard let shard = r.parameters.shard else {
                throw AuditError(.badInput, "merge: \(source) is a whole audit, not a shard (run the parts with --shard i/n)")
            }
            if let count, count != shard.count {
                throw AuditError(.badInput, "merge: \(source) is shard \(shard) but the others are shards of \(count)")
            }
            count = shard.count
            if let other = seen[shard.index] { throw AuditError(.badInput, "merge: \(source) and \(other) are both shard \(shard)") }
            seen[shard.index] = source
        }
        let n = count!
        let missingCount = n - seen.count
        if missingCount > 0 && !allowPartial {
            // The first few only: a shard count may be up to 2^40.
            let shown = Array((0..<n).lazy.filter { seen[$0] == nil }.prefix(8).map { "\($0)/\(n)" })
            let more = missingCount > shown.count ? " and \(missingCount - shown.count) more" : ""
            throw AuditError(.badInput, "merge: shards \(shown.joined(separator: ", "))\(more) are missing (or pass --allow-partial)")
        }
        let ordered = reports.map(\.report).sorted { $0.parameters.shard!.index < $1.parameters.shard!.index }
        var merged = ordered[0]
        merged.parameters.shard = missingCount == 0 ? nil : (ordered.count == 1 ? ordered[0].parameters.shard : nil)
        for r in ordered.dropFirst() {
            for i in merged.cells.indices {
                guard merged.cells[i].bound == r.cells[i].bound else {
                    throw AuditError(.badInput, "merge: the shards claim different bounds for \(merged.cells[i].cell.pair)")
                }
                merged.cells[i].merge(r.cells[i])
            }
        }
        let times = ordered.compactMap(\.elapsedSeconds)
        merged.elapsedSeconds = times.count == ordered.count ? times.reduce(0, +) : nil
        return merged
    }
}
