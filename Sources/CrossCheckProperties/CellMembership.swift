import CrossCheckCore
import Foundation

/// What it means for a problem to belong to a coverage cell: the necessary conditions each row
/// kind and target shape puts on a problem, checked on what was drawn rather than on what was
/// scheduled. Coverage counts a cell as hit only for problems of it, and the tests hold every
/// property's generator to the cells it declares.
///
/// The conditions are necessary, not sufficient (an ordinary row may also pass as `edge`): they
/// tell a row of the wrong kind or a target of the wrong shape from a right one, within the
/// rounding of the format — a gap g·T added to a logit z is exact only to half an ulp of the sum.
extension CoverageCell {
    /// Why `problem` is not a problem of this cell, or nil when it is: the cell's function and
    /// format, a row of its kind (`RowKind.mismatch`) and targets of its shape (`TargetShape.mismatch`).
    public func mismatch(_ problem: Problem) -> String? {
        if problem.function != function { return "function \(problem.function.name), not \(function.name)" }
        if problem.format != format { return "format \(problem.format.rawValue), not \(format.rawValue)" }
        if let why = rowKind.mismatch(problem) { return "not a \(rowKind.rawValue) row: \(why)" }
        if let why = targetShape.mismatch(problem) { return "not a \(targetShape.rawValue) target: \(why)" }
        return nil
    }
}

extension RowKind {
    /// Why the logits (and temperature) of `p` are not a row of this kind, or nil.
    public func mismatch(_ p: Problem) -> String? {
        let z = p.logits, f = p.format, t = p.temperature, big = f.greatestFiniteMagnitude
        let elementwise = p.function.shape == .elementwise
        guard !z.isEmpty else { return "no logits" }
        let finite = z.allSatisfy(\.isFinite)
        func need(_ condition: Bool, _ why: @autoclosure () -> String) -> String? { condition ? nil : why() }
        /// The largest logit leads every other by at least `gap`·T, within half an ulp of the leader.
        func leads(by gap: Double) -> String? {
            guard z.count >= 2, finite else { return "\(z.count) logits, finite: \(finite)" }
            let sorted = z.sorted(by: >)
            return need(sorted[0] - sorted[1] >= min(gap * t, big / 2) - f.ulp(sorted[0]),
                        "the leader \(sorted[0]) is \(sorted[0] - sorted[1]) ahead, less than \(gap)·T with T = \(t)")
        }
        /// Some logit is d·T below the leader, d in `gaps` (or rounded to −max), elementwise |x| in `gaps`.
        func below(_ gaps: ClosedRange<Double>) -> String? {
            guard finite else { return "a non-finite logit" }
            if elementwise {
                return need(z.allSatisfy { gaps.contains($0.magnitude) }, "|x| outside \(gaps)")
            }
            let top = z.max()!, slack = f.ulp(top)
            return need(z.contains { $0 == -big || (top - $0 >= gaps.lowerBound * t - slack && top - $0 <= gaps.upperBound * t + slack) },
                        "no logit (max − z)/T in \(gaps), T = \(t)")
        }
        switch self {
        case .normal: return need(finite && z.allSatisfy { $0.magnitude <= 160 }, "a logit beyond ±160 or non-finite")
        case .spread, .edge: return need(finite, "a non-finite logit")
        case .nearMax: return need(finite && z.allSatisfy { $0 >= big / 2 }, "a logit below max/2")
        case .veryNegative: return need(finite && z.allSatisfy { $0 <= -big * 1e-4 }, "a logit above −max·10⁻⁴")
        case .nearTies:
            let spread = z.max()! - z.min()!
            return need(finite && spread <= 6 * f.ulp(z.map(\.magnitude).max()!), "logits \(spread) apart, more than 6 ulps")
        case .equal: return need(finite && z.allSatisfy { $0 == z[0] }, "unequal logits")
        case .dominant: return leads(by: 2)
        case .gap: return leads(by: min(EdgeValues(f).unitRoundoffGap, 16) * 0.99)
        case .masked:
            if elementwise { return need(!z.contains { $0.isNaN || $0 == .infinity }, "a NaN or +inf") }
            return need(z.contains(-.infinity) && z.contains(where: \.isFinite), "no −inf next to a finite logit")
        case .singlePlusInfinity:
            if elementwise { return need(!z.contains(where: \.isNaN) && z.count(where: { $0 == .infinity }) <= 1, "a NaN or two +inf") }
            return need(z.count(where: { $0 == .infinity }) == 1 && !z.contains(where: \.isNaN), "not exactly one +inf")
        case .multiplePlusInfinity: return need(z.count(where: { $0 == .infinity }) >= 2, "fewer than two +inf")
        case .nan:
            if elementwise { return need(!z.contains(where: \.isInfinite), "an infinite x") }
            return need(z.contains(where: \.isNaN), "no NaN")
        case .subnormal: return need(finite && z.allSatisfy { $0.magnitude <= f.leastNormalMagnitude }, "a logit beyond the least normal value")
        case .long: return need(z.count >= 1024, "\(z.count) logits, fewer than 1,024")
        case .fullyMasked: return need(z.allSatisfy { $0 == -.infinity }, "a logit not −inf")
        case .singleClass: return need(z.count == 1, "\(z.count) logits")
        case .extremeTemperature:
            let powerOfTwo = t.significandBitPattern == 0 && (-8 ... -1).contains(t.exponent)
            return need(t >= big / 16 || t <= f.leastNormalMagnitude + 2 * f.leastNonzeroMagnitude || powerOfTwo,
                        "T = \(t) is not at the format's extremes")
        case .tinyOutputs:
            let normal = -log(f.leastNormalMagnitude), beyond = -log(f.leastNonzeroMagnitude) + 1.5
            return below(normal * 0.97 ... beyond * 1.01)
        case .nearOne:
            let gap = EdgeValues(f).unitRoundoffGap
            return below((gap - 2) * 0.99 ... (gap + 4) * 1.01)
        }
    }
}

extension TargetShape {
    /// Why the target of `p` is not of this shape, or nil.
    public func mismatch(_ p: Problem) -> String? {
        let z = p.logits, n = z.count
        func need(_ condition: Bool, _ why: @autoclosure () -> String) -> String? { condition ? nil : why() }
        if self == .none { return need(p.target == nil, "a target where the function takes none") }
        if self == .classIndex, p.function.shape == .row {
            guard case .classIndex(let y) = p.target else { return "\(String(describing: p.target)), not a class index" }
            return need((0..<n).contains(y), "class \(y) of \(n)")
        }
        guard case .vector(let t) = p.target, t.count == n else { return "\(String(describing: p.target)), not \(n) targets" }
        let unit = p.format.unitRoundoff
        switch self {
        case .none, .classIndex, .zeroOne: return need(t.allSatisfy { $0 == 0 || $0 == 1 }, "a target not 0 or 1")
        case .normalized:
            let sum = t.reduce(0, +)
            return need(t.allSatisfy { $0 >= 0 && $0.isFinite } && abs(sum - 1) <= Double(n + 1) * unit, "Σt = \(sum)")
        case .unnormalized: return need(t.allSatisfy { $0 >= 0 && $0.isFinite }, "a negative or non-finite target")
        case .zeroSum: return need(t.reduce(0, +) == 0 && t.allSatisfy(\.isFinite), "Σt = \(t.reduce(0, +))")
        case .zerosOnMasked:
            return need(zip(z, t).allSatisfy { $0 == -.infinity ? $1 == 0 : $1 > 0 && $1.isFinite }, "tᵢ ≠ 0 on a −inf logit, or tᵢ ≤ 0 elsewhere")
        case .fraction: return need(t.allSatisfy { $0 > 0 && $0 < 1 }, "a target outside (0, 1)")
        case .nearPrediction: return need(t.allSatisfy { $0 >= 0 && $0 <= p.format.nextUp(1) }, "a target outside [0, 1 + ulp]")
        case .nan: return need(t.contains(where: \.isNaN), "no NaN target")
        }
    }
}
