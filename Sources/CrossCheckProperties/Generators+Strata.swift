import CrossCheckCore
import Foundation

/// The generators of stratified generation: the output-side row kinds and a target of each
/// `TargetShape`. Every threshold is the format's own (`EdgeValues`), so the same code aims at
/// binary16, binary32 and binary64 — and at any format `FloatFormat` gains.
extension ProblemGenerator {
    /// Gaps d (in units of T) at which e^{−d} is subnormal or just underflows in `format`:
    /// from just below −log(least normal) to just beyond −log(least subnormal) + log 2, where
    /// e^{−d} < half the least subnormal rounds to 0.
    func underflowGap(_ format: FloatFormat, _ rng: inout SplitMix64) -> Double {
        let normal = -log(format.leastNormalMagnitude), beyond = -log(format.leastNonzeroMagnitude) + 1.5
        return Double.random(in: normal * 0.98...beyond, using: &rng)
    }

    /// Gaps d at which e^{−d} is about the unit roundoff u: 1 + e^{−d} rounds to 1 or just above,
    /// so a leader's probability (or σ(d)) is 1 − tiny, rounding to 1 or to the value just below.
    func nearOneGap(_ format: FloatFormat, _ rng: inout SplitMix64) -> Double {
        let p = EdgeValues(format).unitRoundoffGap
        return Double.random(in: (p - 2)...(p + 4), using: &rng)
    }

    /// A row of one of the kinds aimed at a clause or an output region: `fullyMasked`,
    /// `singleClass`, `extremeTemperature`, `tinyOutputs`, `nearOne`.
    func outputSideRow(_ kind: RowKind, _ format: FloatFormat, classes n: Int, temperature: Double, _ rng: inout SplitMix64) -> [Double] {
        let big = format.greatestFiniteMagnitude
        switch kind {
        case .fullyMasked:
            return Array(repeating: -.infinity, count: min(n, maxClasses))
        case .singleClass:
            return [rng.chance(0.3) ? edge(format, &rng) : ordinary(format, &rng)]
        case .extremeTemperature:
            // Ordinary logits, the largest ones (z/T overflows for T < 1) and special values.
            return (0..<n).map { _ in
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: return format.rounded(big * Double.random(in: 0.25...1, using: &rng) * (rng.chance(0.5) ? 1 : -1))
                case 1: return edge(format, &rng)
                default: return ordinary(format, &rng)
                }
            }
        case .tinyOutputs, .nearOne:
            let m = max(n, 2)
            let lead = ordinary(format, scale: 1, &rng)
            return (0..<m).map { i in
                if i == 0 { return lead }
                if i > 1 && rng.chance(0.3) { return format.rounded(lead - abs(rng.gaussian())) }  // some normal outputs too
                let d = kind == .tinyOutputs ? underflowGap(format, &rng) : nearOneGap(format, &rng)
                return max(-big, format.rounded(lead - d * temperature))
            }.shuffled(using: &rng)
        default:
            return row(kind, format, temperature: temperature, &rng)
        }
    }

    /// Elementwise x in the output regions: σ(x) subnormal or underflowing (x ≈ −d), 1 − σ(x)
    /// tiny (x ≈ +d, for the targets-at-1 side), or σ(x) rounding to 1 or just below it.
    func outputSideElements(_ kind: RowKind, _ format: FloatFormat, count n: Int, _ rng: inout SplitMix64) -> [Double] {
        (0..<n).map { _ in
            let d = kind == .tinyOutputs ? underflowGap(format, &rng) : nearOneGap(format, &rng)
            let x = format.rounded(rng.chance(kind == .tinyOutputs ? 0.75 : 0.25) ? -d : d)
            return x.isFinite ? x : 0
        }
    }

    /// A row target of `shape` for logits `z` at temperature `temperature`.
    public func rowTarget(_ shape: TargetShape, logits z: [Double], temperature: Double, _ format: FloatFormat,
                          _ rng: inout SplitMix64) -> Target {
        let n = z.count
        switch shape {
        case .none, .classIndex:
            // Half the time the argmax of a row with a unique finite leader: the confident-correct case.
            let finite = z.indices.filter { z[$0].isFinite }
            if let top = finite.max(by: { z[$0] < z[$1] }), finite.count(where: { z[$0] == z[top] }) == 1, rng.chance(0.5) {
                return .classIndex(top)
            }
            return .classIndex(Int.random(in: 0..<n, using: &rng))
        case .normalized:
            if rng.chance(0.3) { return .vector(labelSmoothed(classes: n, at: Int.random(in: 0..<n, using: &rng), format, &rng)) }
            return .vector(normalizedWeights(n, format, &rng))
        case .unnormalized:
            if rng.chance(0.5) { return .vector((0..<n).map { _ in format.rounded(Double.random(in: 0...1, using: &rng)) }) }
            let factor = [1e-3, 3, 100, format.rounded(format.greatestFiniteMagnitude.squareRoot())].randomElement(using: &rng)!
            return .vector(normalizedWeights(n, format, &rng).map { format.rounded($0 * factor) })
        case .zeroSum:
            // Pairs ±v of short dyadic values, shuffled: Σt = 0 exactly.
            var t = [Double](repeating: 0, count: n)
            for i in stride(from: 0, to: n - 1, by: 2) {
                let v = [0.5, 1, 2, 0.25].randomElement(using: &rng)!
                (t[i], t[i + 1]) = (v, -v)
            }
            return .vector(t.shuffled(using: &rng))
        case .zerosOnMasked:
            let w = normalizedWeights(n, format, &rng)
            return .vector(z.indices.map { z[$0] == -.infinity ? 0 : max(w[$0], format.leastNonzeroMagnitude) })
        case .zeroOne, .fraction:
            var t = (0..<n).map { _ in Double(Int.random(in: 0...1, using: &rng)) }
            t[Int.random(in: 0..<n, using: &rng)] = 1
            return .vector(t)
        case .nearPrediction:
            return .vector(nearPrediction(z.map { $0 / temperature }, format, &rng))
        case .nan:
            var t = normalizedWeights(n, format, &rng)
            t[Int.random(in: 0..<n, using: &rng)] = .nan
            return .vector(t)
        }
    }

    /// Elementwise targets of `shape` (in [0, 1], or NaN) for inputs `x`.
    public func elementTargets(_ shape: TargetShape, x: [Double], _ format: FloatFormat, _ rng: inout SplitMix64) -> [Double] {
        switch shape {
        case .zeroOne, .classIndex:
            return x.map { _ in Double(Int.random(in: 0...1, using: &rng)) }
        case .nearPrediction:
            return x.map { v in
                let s = v.isNaN ? 0.5 : 1 / (1 + exp(-v))
                let t = step(format.rounded(s), by: Int.random(in: -1...1, using: &rng), in: format)
                return min(1, max(0, t))
            }
        case .nan:
            var t = elementTargets(.fraction, x: x, format, &rng)
            t[Int.random(in: 0..<t.count, using: &rng)] = .nan
            return t
        default:
            return x.map { _ in
                let t = elementTarget(format, &rng)
                return t == 0 || t == 1 ? 0.5 : t
            }
        }
    }

    /// The one-hot of class y smoothed by ε ∈ {0.1, 0.05, 0.2}: (1 − ε)·e_y + ε/n, rounded.
    func labelSmoothed(classes n: Int, at y: Int, _ format: FloatFormat, _ rng: inout SplitMix64) -> [Double] {
        let eps = [0.1, 0.05, 0.2].randomElement(using: &rng)!
        return (0..<n).map { format.rounded(($0 == y ? 1 - eps : 0) + eps / Double(n)) }
    }

    /// n weights summing to 1 as well as the format allows (normalized exponential draws).
    func normalizedWeights(_ n: Int, _ format: FloatFormat, _ rng: inout SplitMix64) -> [Double] {
        let w = (0..<n).map { _ in -log(Double.random(in: Double.ulpOfOne..<1, using: &rng)) }
        let s = w.reduce(0, +)
        return w.map { format.rounded($0 / s) }
    }

    /// softmax(q) rounded to the format, some entries moved by an ulp: targets whose gradient
    /// (Σt)p − t is a tiny difference. Rows without a finite maximum get uniform targets.
    func nearPrediction(_ q: [Double], _ format: FloatFormat, _ rng: inout SplitMix64) -> [Double] {
        guard let top = q.filter(\.isFinite).max() else { return q.map { _ in format.rounded(1 / Double(q.count)) } }
        let e = q.map { $0.isNaN ? 0 : exp($0 - top) }
        let s = e.reduce(0, +)
        return e.map { x in
            let p = format.rounded(s.isFinite && s > 0 ? x / s : 0)
            return p > 0 && rng.chance(0.3) ? max(0, step(p, by: Int.random(in: -1...1, using: &rng), in: format)) : p
        }
    }

    /// A problem of one coverage cell: the cell's function and format, a row of its kind and
    /// targets of its shape.
    public func problem(_ cell: CoverageCell, _ rng: inout SplitMix64) -> Problem {
        problem(cell.function, cell.format, kind: cell.rowKind, targetShape: cell.targetShape, &rng)
    }

    /// The same generator drawing rows of at most `n` classes: a short row of any kind, whole
    /// (cutting a drawn row short could drop its leader, its gap or its −inf).
    public func limited(toClasses n: Int) -> ProblemGenerator {
        var g = self
        g.maxClasses = max(1, min(maxClasses, n))
        return g
    }

    /// The same generator drawing only the cell's row kind and target shape (what a property's
    /// own `generate` then receives).
    public func focused(on cell: CoverageCell) -> ProblemGenerator {
        var g = self
        g.rowKinds = [cell.rowKind]
        g.targetShapes = [cell.targetShape]
        return g
    }
}
