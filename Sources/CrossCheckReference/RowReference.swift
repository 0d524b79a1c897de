import ArbitraryPrecision
import CrossCheckCore

/// One row of a row function, prepared exactly: the finite logits' scaled gaps to the maximum,
/// dᵢ = (zᵢ − max z)/T ≤ 0, as exact rationals (z/T is never rounded), and the targets.
///
/// With S = Σⱼ e^{dⱼ} (over finite logits; e^{d} = 1 exactly at the maximum, so S ≥ 1):
///   LSE(z/T)      = max z/T + log S
///   pᵢ            = e^{dᵢ} / S
///   log_softmaxᵢ  = dᵢ − log S
///   CE (class y)  = log S − d_y
///   CE (vector t) = (Σt)·log S − Σᵢ tᵢdᵢ          (an exact zero Σt leaves an exact rational)
///   CE gradientᵢ  = ((Σt)pᵢ − tᵢ)/T
///   MSE           = Σᵢ (pᵢ − tᵢ)²
///   MSE gradientⱼ = 2pⱼ((pⱼ − tⱼ) − Σᵢ(pᵢ − tᵢ)pᵢ)/T
/// Every formula is written once (`RowEvaluation`, `RowFormula`) over an `EnclosureArithmetic`:
/// evaluated in interval arithmetic (`Enclosure`) its error bound is proven at each step, and in
/// `FirstOrderArithmetic` it also gives its derivative with respect to the vanishing exponentials.
/// The shift by the maximum keeps every exponential in (0, 1] and never overflows.
struct PreparedRow {
    let problem: Problem
    /// (zᵢ − max)/T for finite logits, nil for −inf ones (which are masked: pᵢ = 0 exactly).
    let gaps: RowGaps
    /// max z / T over finite logits.
    let maxOverT: MPRational
    let inverseTemperature: MPRational
    /// The target vector (one-hot for a class index), exactly; nil when the function takes none.
    let targets: [MPRational]?
    /// Σt over all entries.
    let targetSum: MPRational
    /// When exactly one logit is +inf, its index: softmax is then exactly one-hot there.
    let dominant: Int?
    /// y when the targets are one-hot at y: a class index, or a vector of one 1 and zeros.
    let oneHotClass: Int?

    init(_ problem: Problem, dominant: Int?) {
        self.problem = problem
        self.dominant = dominant
        let t = MPRational(problem.temperature)
        inverseTemperature = MPRational(integer: 1) / t
        let finite = problem.logits.filter(\.isFinite)
        let maximum = finite.max() ?? 0
        let m = MPRational(maximum)
        maxOverT = m / t
        gaps = RowGaps(logits: problem.logits, maximum: maximum, exactMaximum: m, temperature: t)
        if let vector = problem.targetVector {
            let exact = vector.map { MPRational($0) }
            targets = exact
            targetSum = exact.reduce(MPRational(), +)
        } else {
            targets = nil
            targetSum = MPRational()
        }
        switch problem.target {
        case .classIndex(let y): oneHotClass = y
        case .vector(let t):
            let ones = t.indices.filter { t[$0] == 1 }
            oneHotClass = ones.count == 1 && t.allSatisfy({ $0 == 0 || $0 == 1 }) ? ones[0] : nil
        case .none: oneHotClass = nil
        }
    }

    var count: Int { problem.logits.count }
}

/// The gaps dᵢ = (zᵢ − max)/T of a row as exact rationals, each made when it is read (a rational
/// a logit held for the whole evaluation was ~150 bytes of a long row's memory; each is read once
/// per working precision, next to an MPFR exponential that costs far more).
struct RowGaps: RandomAccessCollection {
    let logits: [Double]
    /// max z over finite logits, as a Double and exactly.
    let maximum: Double
    let exactMaximum: MPRational
    let temperature: MPRational

    var startIndex: Int { 0 }
    var endIndex: Int { logits.count }

    /// dᵢ, nil for a −inf logit.
    subscript(i: Int) -> MPRational? {
        logits[i].isFinite ? (MPRational(logits[i]) - exactMaximum) / temperature : nil
    }

    /// A non-finite logit: no gap (−inf is masked, pᵢ = 0; +inf is settled as a dominant class).
    func isMasked(_ i: Int) -> Bool { !logits[i].isFinite }

    /// dᵢ = 0: a finite logit equal to the maximum.
    func isMaximum(_ i: Int) -> Bool { logits[i].isFinite && logits[i] == maximum }

    /// dᵢ = dⱼ (or both masked): z ↦ (z − max)/T is one-to-one.
    func areEqual(_ i: Int, _ j: Int) -> Bool { logits[i] == logits[j] }
}

/// The row at one working precision; shared quantities are computed once, on first use.
///
/// Cancellation is avoided by construction, so that a tiny result is known to a tiny absolute
/// error (and, below the format's range, to its sign):
///   O = Σ_{j ≠ k} e^{dⱼ} over all but a unique maximum k, S = 1 + O, log S = log1p(O)
///     (Blanchard–Higham–Higham's log1p form);
///   1 − pᵢ = Oᵢ/S with Oᵢ = O at the unique maximum and S − e^{dᵢ} elsewhere (there S ≤ 2Oᵢ);
///   pᵢ − tᵢ = (1 − tᵢ) − (1 − pᵢ) when tᵢ ≥ ½, else pᵢ − tᵢ.
final class RowEvaluation<A: EnclosureArithmetic> {
    typealias Number = A.Number
    let row: PreparedRow
    let a: A

    init(_ row: PreparedRow, _ a: A) {
        self.row = row
        self.a = a
    }

    private(set) lazy var exponentials: [Number] = row.gaps.map { gap in
        guard let gap else { return a.zero }
        return a.exponential(gap)
    }

    /// The index of the unique maximum logit, if it is unique.
    private(set) lazy var uniqueMaximum: Int? = {
        let tops = row.gaps.indices.filter(row.gaps.isMaximum)
        return tops.count == 1 ? tops[0] : nil
    }()

    /// Σ e^{dⱼ} over all but the unique maximum (nil when the maximum is shared).
    private(set) lazy var others: Number? = uniqueMaximum.map { k in
        a.sum(exponentials.indices.filter { $0 != k }.map { exponentials[$0] })
    }

    private(set) lazy var sum: Number = others.map { a.add(a.one, $0) } ?? a.sum(exponentials)

    private var cachedLogSum: Number?
    func logSum() throws(NeedsMorePrecision) -> Number {
        if let cached = cachedLogSum { return cached }
        let value: Number
        if let others { value = try a.log1p(others) } else { value = try a.log(sum) }
        cachedLogSum = value
        return value
    }

    /// pᵢ: exact one-hot with a dominant +inf logit, else e^{dᵢ}/S.
    func p(_ i: Int) throws(NeedsMorePrecision) -> Number {
        if let j = row.dominant { return i == j ? a.one : a.zero }
        return try a.divide(exponentials[i], sum)
    }

    /// 1 − pᵢ, without cancellation.
    func complement(_ i: Int) throws(NeedsMorePrecision) -> Number {
        if let j = row.dominant { return i == j ? a.zero : a.one }
        let rest = (i == uniqueMaximum) ? others! : a.subtract(sum, exponentials[i])
        return try a.divide(rest, sum)
    }

    /// pᵢ − tᵢ, without cancellation when tᵢ is near 1.
    func difference(_ i: Int) throws(NeedsMorePrecision) -> Number {
        let t = row.targets![i]
        if t.isAtLeastHalf { return a.subtract(a.constant(MPRational(integer: 1) - t), try complement(i)) }
        return a.subtract(try p(i), a.constant(t))
    }

    private var cachedProbabilities: [Number]?
    func probabilities() throws(NeedsMorePrecision) -> [Number] {
        if let cached = cachedProbabilities { return cached }
        var all: [Number] = []
        all.reserveCapacity(row.count)
        for i in 0..<row.count { all.append(try p(i)) }
        cachedProbabilities = all
        return all
    }

    private var cachedDifferences: [Number]?
    func differences() throws(NeedsMorePrecision) -> [Number] {
        if let cached = cachedDifferences { return cached }
        var all: [Number] = []
        all.reserveCapacity(row.count)
        for i in 0..<row.count { all.append(try difference(i)) }
        cachedDifferences = all
        return all
    }

    /// (pⱼ − tⱼ) − Σᵢ(pᵢ − tᵢ)pᵢ.
    ///
    /// For rows up to `pairwiseLimit` classes it is Σ_{i≠j} pᵢ·((pⱼ − tⱼ) − (pᵢ − tᵢ)) (using
    /// Σpᵢ = 1), where a term with the same logit and target as j is exactly 0: no needless
    /// cancellation, ties included. Longer rows with a class index use the same sum regrouped in
    /// O(n) with signs made structural (`oneHotInner`); with a target vector, the same sum with
    /// j's group of equal classes left out, regrouped in O(n) (`groupedSums`).
    func mseInner(_ j: Int) throws(NeedsMorePrecision) -> Number {
        let p = try probabilities(), d = try differences()
        if row.count > Self.pairwiseLimit {
            if let y = row.oneHotClass, row.dominant == nil { return try oneHotInner(j, y, p) }
            if let k = uniqueMaximum, j == k, row.dominant == nil {
                // At the unique maximum, with q_k = 1 − p_k from the other terms and d_k = (1 − t_k) − q_k:
                // Σ_{i≠k} pᵢ(d_k − dᵢ) = (1 − t_k)q_k − q_k² − Σ_{i≠k} pᵢ² + Σ_{i≠k} pᵢtᵢ — all small
                // quantities, no cancellation of order one.
                let t = row.targets!
                let q = try complement(k)
                let others = p.indices.filter { $0 != k }
                let squares = a.sum(others.map { a.multiply(p[$0], p[$0]) })
                let weighted = a.sum(others.map { a.multiply(p[$0], a.constant(t[$0])) })
                let first = a.multiply(a.constant(MPRational(integer: 1) - t[k]), q)
                return a.add(a.subtract(a.subtract(first, a.multiply(q, q)), squares), weighted)
            }
            let groups = groupedSums(p, d)
            let g = groups.group[j]
            return a.subtract(a.multiply(d[j], groups.othersP[g]), groups.othersPD[g])
        }
        let t = row.targets!
        var terms: [Number] = []
        for i in 0..<row.count where i != j {
            if row.gaps.areEqual(i, j) && t[i] == t[j] && row.dominant == nil { continue }
            terms.append(a.multiply(p[i], a.subtract(d[j], d[i])))
        }
        return knownSign(a.sum(terms), j)
    }

    /// Signs the algebra settles for a class index y (ties allowed), applied to the enclosure:
    /// with dᵢ = pᵢ − [i = y], the sum is Σ_{i≠j} pᵢ(dⱼ − dᵢ), so
    ///   j = y: every factor p_y − 1 − pᵢ < 0, the sum is negative;
    ///   j ≠ y: it is p_y(1 + pⱼ − p_y) + Σ_{i≠j,y} pᵢ(pⱼ − pᵢ), positive when zⱼ is a maximum (each
    ///   term ≥ 0), and when z_y is a maximum (p_y(1 − p_y) = p_y Σ_{i≠y} pᵢ ≥ Σ_{i≠y} pᵢ² bounds the
    ///   negative terms).
    /// When everything but the maximum underflows, these signs are all an enclosure can tell.
    func knownSign(_ inner: Number, _ j: Int) -> Number {
        guard let y = row.oneHotClass, row.dominant == nil else { return inner }
        if j == y { return a.atMostZero(inner) }
        let isMaximum = row.gaps.isMaximum
        return isMaximum(j) || isMaximum(y) ? a.atLeastZero(inner) : inner
    }

    /// The O(n) regrouping of `mseInner` for a one-hot target at y, arranged so that signs are
    /// structural where tiny results occur (all but the maximum underflowing, k the unique maximum):
    ///   j = y:          −(q_y² + Σ_{i≠y} pᵢ²)                                  < 0
    ///   j = k ≠ y:      p_k p_y + p_y q_y + Σ_{i≠k,y} pᵢ(p_k − pᵢ)             > 0
    ///   j ≠ k, y = k:   pⱼqⱼ + p_k p_j + Σ_{i≠j,k} pᵢ(p_k − pᵢ)  > 0, evaluated as
    ///                   pⱼqⱼ + p_k q_k − Σ_{i≠j,k} pᵢ² and its lower end raised to 0 (proved above)
    ///   otherwise:      pⱼqⱼ + p_y q_y − Σ_{i≠j,y} pᵢ²
    private func oneHotInner(_ j: Int, _ y: Int, _ p: [Number]) throws(NeedsMorePrecision) -> Number {
        if cachedSquares == nil {
            cachedSquares = a.sum(p.map { a.multiply($0, $0) })
            let k = uniqueMaximum
            cachedSquaresWithoutMaximum = k.map { k in a.sum(p.indices.filter { $0 != k }.map { a.multiply(p[$0], p[$0]) }) }
        }
        let qy = try complement(y)
        func square(_ i: Int) -> Number { a.multiply(p[i], p[i]) }
        if j == y {
            // Σ_{i≠y} pᵢ²
            let rest = (y == uniqueMaximum) ? cachedSquaresWithoutMaximum!! : a.subtract(cachedSquares!, square(y))
            return a.negate(a.add(a.multiply(qy, qy), rest))
        }
        let k = uniqueMaximum
        if j == k {
            let spread = a.sum(p.indices.filter { $0 != j && $0 != y }.map { a.multiply(p[$0], a.subtract(p[j], p[$0])) })
            return a.add(a.add(a.multiply(p[j], p[y]), a.multiply(p[y], qy)), spread)
        }
        // Σ_{i≠j,y} pᵢ², leaving the maximum's square out of any subtraction it would dominate.
        let rest: Number
        if let k, k == y {
            rest = a.subtract(cachedSquaresWithoutMaximum!!, square(j))
        } else {
            rest = a.subtract(a.subtract(cachedSquares!, square(j)), square(y))
        }
        return knownSign(a.subtract(a.add(a.multiply(p[j], try complement(j)), a.multiply(p[y], qy)), rest), j)
    }

    static var pairwiseLimit: Int { 512 }

    /// The O(n) form of Σ_{i≠j} pᵢ(dⱼ − dᵢ) for a long row with a target vector. Classes with the
    /// same logit and target as j form its group G(j); their terms are exactly 0 and are left out,
    /// which leaves dⱼ·Σ_{i∉G(j)} pᵢ − Σ_{i∉G(j)} pᵢdᵢ. Each of those sums over the other groups is a
    /// prefix plus a suffix of per-group sums — never a total minus j's group, which would cancel
    /// when that group holds nearly all the mass (tied maxima with equal targets: the result is
    /// then of the size of the other classes' pᵢ, which may be e^(−30000), far below any precision
    /// Ziv's loop would reach by cancelling).
    private func groupedSums(_ p: [Number], _ d: [Number]) -> GroupedSums {
        if let cached = cachedGroupedSums { return cached }
        let logits = row.problem.logits, t = row.problem.targetVector!
        var index: [ClassKey: Int] = [:]
        var group = [Int](repeating: 0, count: row.count)
        var members: [[Int]] = []
        for i in 0..<row.count {
            let key = ClassKey(logit: logits[i], target: t[i])
            if let g = index[key] {
                group[i] = g
                members[g].append(i)
            } else {
                index[key] = members.count
                group[i] = members.count
                members.append([i])
            }
        }
        func othersOf(_ sums: [Number]) -> [Number] {
            var before: [Number] = []
            before.reserveCapacity(sums.count)
            var running = a.zero
            for x in sums {
                before.append(running)
                running = a.add(running, x)
            }
            var others = before
            running = a.zero
            for g in sums.indices.reversed() {
                others[g] = a.add(before[g], running)
                running = a.add(running, sums[g])
            }
            return others
        }
        let result = GroupedSums(
            group: group,
            othersP: othersOf(members.map { m in a.sum(m.map { p[$0] }) }),
            othersPD: othersOf(members.map { m in a.sum(m.map { a.multiply(p[$0], d[$0]) }) }))
        cachedGroupedSums = result
        return result
    }

    struct GroupedSums {
        /// The group of each class.
        let group: [Int]
        /// Per group g: Σ pᵢ and Σ pᵢdᵢ over the classes of the other groups.
        let othersP: [Number]
        let othersPD: [Number]
    }

    private struct ClassKey: Hashable {
        let logit: Double
        let target: Double
    }

    private var cachedGroupedSums: GroupedSums?
    private var cachedSquares: Number?
    private var cachedSquaresWithoutMaximum: Number??
}

extension MPRational {
    /// True when the rational is ≥ ½.
    var isAtLeastHalf: Bool { (self - MPRational(integer: 1) / MPRational(integer: 2)).signum >= 0 }
}

/// The row functions' formulas (see `PreparedRow`), over any arithmetic.
struct RowFormula: EnclosureFormula {
    let row: PreparedRow

    var exponents: [MPRational] { row.gaps.compactMap { $0 } }

    func enclose<A: EnclosureArithmetic>(_ arithmetic: A, _ outputs: [Int]) throws(NeedsMorePrecision) -> [A.Number] {
        var out: [A.Number] = []
        out.reserveCapacity(outputs.count)
        try forEachEnclosure(arithmetic, outputs) { _, x in out.append(x) }
        return out
    }

    /// One `RowEvaluation` for the row (its exponentials and sums computed once), each output
    /// handed on as soon as it is enclosed.
    func forEachEnclosure<A: EnclosureArithmetic>(_ arithmetic: A, _ outputs: [Int], _ body: (Int, A.Number) -> Void) throws(NeedsMorePrecision) {
        let e = RowEvaluation(row, arithmetic)
        for (k, i) in outputs.enumerated() { body(k, try output(e, i)) }
    }

    private func output<A: EnclosureArithmetic>(_ e: RowEvaluation<A>, _ i: Int) throws(NeedsMorePrecision) -> A.Number {
        let a = e.a
        switch row.problem.function {
        case .logsumexp:
            return a.add(a.constant(row.maxOverT), try e.logSum())
        case .softmax:
            return try e.p(i)
        case .logSoftmax:
            guard let gap = row.gaps[i] else { return a.zero }  // masked; set to −inf by the caller
            return a.subtract(a.constant(gap), try e.logSum())
        case .crossEntropy:
            // Finite classes only (the caller settles masked or dominated classes with weight).
            let t = row.targets!
            var weighted = MPRational()
            var sumOverFinite = MPRational()
            for k in 0..<row.count where !t[k].isZero {
                weighted = weighted + t[k] * row.gaps[k]!
                sumOverFinite = sumOverFinite + t[k]
            }
            return a.subtract(a.multiply(a.constant(sumOverFinite), try e.logSum()), a.constant(weighted))
        case .crossEntropyGrad:
            // (Σt)pᵢ − tᵢ = (Σ_{k≠i} tₖ)pᵢ − tᵢ(1 − pᵢ): no cancellation for a class index.
            let t = row.targets!
            let weighted = a.multiply(a.constant(row.targetSum - t[i]), try e.p(i))
            return a.multiply(a.subtract(weighted, a.multiply(a.constant(t[i]), try e.complement(i))), a.constant(row.inverseTemperature))
        case .mseSoftmax:
            return a.sum(try e.differences().map { a.multiply($0, $0) })
        case .mseSoftmaxGrad:
            return a.multiply(a.multiply(a.constant(MPRational(integer: 2) * row.inverseTemperature), try e.p(i)), try e.mseInner(i))
        case let f:
            preconditionFailure("\(f) is not a row function")
        }
    }
}

enum RowReference {
    /// The correctly rounded answer for a row function with finite or −inf logits (at least one
    /// finite), or one dominant +inf logit. NaN and the other infinite cases are settled by `RowLimits`.
    static func evaluate<F: Finisher>(_ problem: Problem, dominant: Int?, finisher: F) throws(ReferenceError) -> [F.Value] {
        let row = PreparedRow(problem, dominant: dominant)
        let n = problem.logits.count
        let initial = finisher.precision + 64 + n.bitWidth - n.leadingZeroBitCount
        func run(_ count: Int) throws(ReferenceError) -> [F.Value] {
            try zivRound(count: count, finisher: finisher, initialPrecision: initial, formula: RowFormula(row: row))
        }
        switch problem.function {
        case .logsumexp, .mseSoftmax:
            return try run(1)
        case .logSoftmax:
            var out = try run(n)
            for i in 0..<n where row.gaps.isMasked(i) { out[i] = finisher.constant(-.infinity) }
            return out
        case .crossEntropy:
            if let settled = settledCrossEntropy(row, finisher) { return [settled] }
            return try run(1)
        case .softmax, .crossEntropyGrad, .mseSoftmaxGrad:
            return try run(n)
        case let f:
            preconditionFailure("\(f) is not a row function")
        }
    }

    /// Cross-entropy's ±inf from masked or dominated classes carrying a non-zero target, and its 0
    /// with a dominant class; nil when the formula is needed.
    private static func settledCrossEntropy<F: Finisher>(_ row: PreparedRow, _ finisher: F) -> F.Value? {
        // Terms whose class is masked (−inf logit) or beaten by a +inf logit are ±inf·sign(tᵢ).
        var infinite = Set<FloatingPointSign>()
        let t = row.targets!
        for i in 0..<row.count where !t[i].isZero {
            let unreachable = row.dominant.map { $0 != i } ?? row.gaps.isMasked(i)
            if unreachable { infinite.insert(t[i].signum > 0 ? .plus : .minus) }
        }
        if infinite.count == 2 { return finisher.constant(.nan) }
        if let s = infinite.first { return finisher.constant(s == .plus ? .infinity : -.infinity) }
        if row.dominant != nil { return finisher.constant(0) }  // only the dominant class has weight: LSE − z/T → 0
        return nil
    }
}
