import CrossCheckCore

/// Shrinks a failing problem to a minimal one that still fails, apart from how it was generated
/// (as in Hypothesis, generation and shrinking are separate pieces).
///
/// Greedy descent: candidates are tried simplest-first and the first that still fails is kept,
/// until none does or the budget of evaluations is spent. Candidates, in order:
/// fewer classes (drop halves, then single entries), temperature toward 1, a class index instead of
/// a target vector, and simpler values — each number toward 0, an integer, a short binary fraction.
public struct Shrinker: Sendable {
    /// The most property evaluations one shrink may spend.
    public var budget: Int

    public init(budget: Int = 300) { self.budget = budget }

    /// Rows longer than this shrink by dropping chunks only (value by value would cost too much).
    static let valueShrinkLimit = 64

    /// The smallest failing problem found, and how many evaluations were spent.
    public func shrink(_ problem: Problem, stillFails: (Problem) -> Bool) -> (problem: Problem, evaluations: Int) {
        var current = problem
        var spent = 0
        var improved = true
        while improved && spent < budget {
            improved = false
            for candidate in candidates(current) where spent < budget {
                guard (try? candidate.validate()) != nil, candidate != current else { continue }
                spent += 1
                if stillFails(candidate) {
                    current = candidate
                    improved = true
                    break
                }
            }
        }
        return (current, spent)
    }

    /// Simpler neighbours of a problem, simplest first.
    public func candidates(_ p: Problem) -> [Problem] {
        var out: [Problem] = []
        let n = p.logits.count
        // Fewer classes: halves, quarters, then one at a time.
        var chunk = n / 2
        while chunk >= 1 {
            var start = 0
            while start < n {
                let removed = start..<min(n, start + chunk)
                if removed.count < n, let q = removing(removed, from: p) { out.append(q) }
                start += chunk
            }
            chunk = chunk > 1 ? chunk / 2 : 0
            if out.count > 64 || (n > Self.valueShrinkLimit && chunk < n / 64) { break }
        }
        // Temperature toward 1.
        if p.temperature != 1 {
            var q = p
            q.temperature = 1
            out.append(q)
            for t in simpler(p.temperature, in: p.format) where t > 0 {
                var r = p
                r.temperature = t
                out.append(r)
            }
        }
        // A class index instead of a target vector.
        if case .vector(let t) = p.target, p.function.acceptsClassIndex, let y = t.indices.max(by: { t[$0] < t[$1] }) {
            var q = p
            q.target = .classIndex(y)
            out.append(q)
        }
        // Simpler values, one position at a time.
        guard n <= Self.valueShrinkLimit else { return out }
        for i in 0..<n {
            for v in simpler(p.logits[i], in: p.format) {
                var q = p
                q.logits[i] = v
                out.append(q)
            }
        }
        if case .vector(let t) = p.target {
            for i in t.indices {
                for v in simpler(t[i], in: p.format) {
                    var q = p
                    var u = t
                    u[i] = v
                    q.target = .vector(u)
                    out.append(q)
                }
            }
        }
        return out
    }

    /// `p` without the classes in `range` (nil when the class index target would go with them).
    func removing(_ range: Range<Int>, from p: Problem) -> Problem? {
        var q = p
        q.logits.removeSubrange(range)
        switch p.target {
        case .none: break
        case .classIndex(let y):
            if range.contains(y) { return nil }
            q.target = .classIndex(y >= range.upperBound ? y - range.count : y)
        case .vector(var t):
            t.removeSubrange(range)
            q.target = .vector(t)
        }
        return q
    }

    /// Simpler values than x, simplest first: 0, ±1, the integer part, x with fewer significant bits.
    func simpler(_ x: Double, in format: FloatFormat) -> [Double] {
        guard x.isFinite, x != 0 else { return [] }
        var out: [Double] = [0]
        if abs(x) > 1 { out.append(x < 0 ? -1 : 1) }
        let whole = x.rounded(.towardZero)
        if whole != x && whole != 0 { out.append(format.rounded(whole)) }
        if abs(x) >= 2 {
            out.append(format.rounded(x / 2))
        }
        // Short binary fractions: keep the leading k significant bits.
        var k = 1
        while k < format.precision {
            let e = x.exponent
            let scale = Double(sign: .plus, exponent: Int(e) - k + 1, significand: 1)
            let truncated = (x / scale).rounded(.towardZero) * scale
            if truncated != x && truncated.isFinite && truncated != 0 { out.append(format.rounded(truncated)) }
            k *= 2
        }
        var seen = Set<UInt64>()
        return out.filter { $0 != x && seen.insert($0.bitPattern).inserted }
    }
}
