// One row of logits, prepared for every row function: the limit cases sorted out, then the
// exact shifts relative to the maximum and their exponentials.
//
// For a row with at least one finite logit and no +inf, with k the first index of the maximum m:
//   xᵢ = (zᵢ − m)/T ≤ 0      zᵢ − m is exact in double-double (TwoSum) and in Double for Float16;
//                            for Float it is exact or has relative error ≤ u; one rounding for /T
//                            (u or 3u² relative). When zᵢ − m overflows (Double only) it is formed
//                            from halves: 2·((zᵢ/2 − m/2)/T), exact scaling.
//   eᵢ = e^{xᵢ} ∈ (0, 1], eₖ = 1 exactly; kept as mantissa·2ⁿ in double-double (never underflows)
//   s  = Σ_{i≠k} eᵢ, S = 1 + s ∈ [1, n]   (Blanchard, Higham & Higham: LSE = m/T + log1p(s))
//   fᵢ = e^{xᵢ} − 1, accurate relative to itself, for the "near" classes xᵢ ≥ −ln 2 (eᵢ ≥ ½).
// Gradients and MSE are differences of such terms. Writing eᵢ = 1 + fᵢ for the near classes lets
// the exact integer parts cancel exactly (ties, subnormal logits, large T make every near fᵢ tiny
// while the results are of the size of the differences fᵢ − fⱼ); see RowFunctions.swift.
//
// Cost: one pass for max/NaN/±inf, one exp (or expm1) per finite logit, then one pass per output.
// This is the exact scalar path: the rows and functions the vector path (FastRows.swift and the C
// kernels) does not take, and the rows it declines.

/// What the non-finite entries of a row leave of it (the reference's limit semantics).
enum RowKind: Equatable {
    /// A NaN logit or target: every output NaN.
    case nan
    /// Two or more +inf logits: LSE = +inf, every other output NaN.
    case manyPositiveInfinities
    /// No finite logit and no +inf: LSE = −inf, every other output NaN.
    case allNegativeInfinity
    /// Exactly one +inf logit: softmax is one-hot there.
    case dominant(Int)
    /// At least one finite logit and no +inf; `argmax` is the first index of the maximum.
    case finite(argmax: Int)
}

/// Targets of one row.
enum RowTargets<T: KernelScalar> {
    case none
    case index(Int)
    case vector(UnsafeBufferPointer<T>)
    /// Computed target weights (class weights × smoothed targets), not values of the format.
    case weights(UnsafeBufferPointer<Double>)
}

/// −ln 2 rounded: xᵢ ≥ this makes class i "near" the maximum (eᵢ ≥ ½).
let nearThreshold = -0.6931471805599453

/// Scratch storage and the state of the row being evaluated; reused row after row of a batch.
final class RowWorkspace<T: KernelScalar, W: WorkingArithmetic> {
    let classes: Int
    let temperature: Double
    /// xᵢ = (zᵢ − m)/T (−inf for masked classes).
    let x: UnsafeMutableBufferPointer<W>
    /// eᵢ = e^{xᵢ} (0 for masked classes).
    let e: UnsafeMutableBufferPointer<Scaled<W>>
    /// fᵢ = eᵢ − 1 (filled only when asked for).
    let f: UnsafeMutableBufferPointer<W>

    private(set) var k = 0
    private(set) var m = 0.0
    /// s = Σ_{i≠k} eᵢ.
    private(set) var s = Scaled<W>.zero
    /// S = 1 + s.
    private(set) var S = W.one
    private var cachedLogSum: Scaled<W>?
    private var scratchStorage: UnsafeMutableBufferPointer<W>?

    /// A buffer of `classes` working values for a function's own use (allocated on first use).
    var scratch: UnsafeMutableBufferPointer<W> {
        if let scratchStorage { return scratchStorage }
        let buffer = UnsafeMutableBufferPointer<W>.allocate(capacity: classes)
        scratchStorage = buffer
        return buffer
    }
    /// Set by a row function when a difference cancelled beyond W's reach for the binary64 claim
    /// (`note`, RowFunctions.swift); the caller resets it and redoes such a row in Extended192.
    var cancelled = false
    /// The threshold of Ziv's test for rows of this length (`CancellationThreshold.row`).
    let cancellationBits: Int
    /// ⌈log₂ classes⌉: a sum over the row is below 2^(its largest term's binade + 1 + this).
    let classesBinade: Int

    init(classes: Int, temperature: Double) {
        self.classes = classes
        self.temperature = temperature
        cancellationBits = CancellationThreshold.row(classes: classes)
        classesBinade = Binade.sumOf(classes)
        x = .allocate(capacity: classes)
        e = .allocate(capacity: classes)
        f = .allocate(capacity: classes)
    }

    deinit {
        x.deallocate()
        e.deallocate()
        f.deallocate()
        scratchStorage?.deallocate()
    }

    /// Sorts out the limit cases of the row; for a finite row fills x, e (and f), s and S.
    func prepare(_ z: UnsafeBufferPointer<T>, needF: Bool) -> RowKind {
        let kind = Self.classify(z)
        guard case .finite(let argmax) = kind else { return kind }
        cachedLogSum = nil
        k = argmax
        m = z[argmax].kernelDouble
        let t = temperature
        for i in 0..<classes {
            let zi = z[i].kernelDouble
            if zi == -.infinity {
                x[i] = W(-.infinity)
                e[i] = .zero
                if needF { f[i] = W(-1) }
                continue
            }
            var d = W.difference(zi, m)
            if d.leading.isFinite {
                d = d / t
            } else {
                d = (W.difference(zi * 0.5, m * 0.5) / t) * 2
            }
            x[i] = d
            if d.leading >= nearThreshold {  // always, so that every function sees the same eᵢ
                let fi = W.expm1Near(d)
                f[i] = fi
                e[i] = Scaled(fi + 1, 0)
            } else {
                let ei = W.exp(d)
                e[i] = ei
                if needF { f[i] = ei.plain - 1 }
            }
        }
        let k = argmax
        s = Scaled.sum(e, where: { $0 != k })
        S = s.plain + 1
        return kind
    }

    /// log S = log1p(s), with tiny s kept at its own scale.
    var logSum: Scaled<W> {
        if let cachedLogSum { return cachedLogSum }
        let value: Scaled<W>
        if s.isZero {
            value = .zero
        } else {
            let plain = s.plain.leading
            if W.tracksExponent && plain.magnitude < 0x1p-60 {  // s beyond W's own range: the series
                value = Scaled(s.mantissa * (1 - 0.5 * plain), s.exponent)
            } else {
                value = Scaled(W.log1p(s.plain), 0)
            }
        }
        cachedLogSum = value
        return value
    }

    /// True when class i is near the maximum (eᵢ = 1 + fᵢ with fᵢ ∈ [−½, 0]).
    @inline(__always) func isNear(_ i: Int) -> Bool { x[i].leading >= nearThreshold }

    /// The shape of a row: NaN, the +inf cases, or the first index of its finite maximum.
    static func classify(_ z: UnsafeBufferPointer<T>) -> RowKind {
        var firstPositiveInfinity = -1
        var positiveInfinities = 0
        var argmax = -1
        var maximum = -Double.infinity
        for i in z.indices {
            let v = z[i].kernelDouble  // Double comparisons: Float16 ones are library calls
            if v.isNaN { return .nan }
            if v == .infinity {
                positiveInfinities += 1
                if firstPositiveInfinity < 0 { firstPositiveInfinity = i }
            } else if v.isFinite && (argmax < 0 || v > maximum) {
                argmax = i
                maximum = v
            }
        }
        if positiveInfinities >= 2 { return .manyPositiveInfinities }
        if positiveInfinities == 1 { return .dominant(firstPositiveInfinity) }
        if argmax < 0 { return .allNegativeInfinity }
        return .finite(argmax: argmax)
    }
}

extension RowTargets {
    /// True when a target is NaN (the outputs are then NaN).
    var containsNaN: Bool {
        switch self {
        case .vector(let t): return t.contains(where: { $0.isNaN })
        case .weights(let a): return a.contains(where: { $0.isNaN })
        default: return false
        }
    }

    /// The class y when the targets are one-hot with value exactly 1 (a class index, or a vector
    /// equal to one): the class-index formulas, free of the cancellation of pᵧ − 1, then apply.
    var oneHotClass: Int? {
        switch self {
        case .none, .weights: return nil
        case .index(let y): return y
        case .vector(let t):
            var found: Int?
            for i in t.indices where t[i] != 0 {
                if t[i] != 1 || found != nil { return nil }
                found = i
            }
            return found
        }
    }

    /// tᵢ as a Double (one-hot for a class index).
    @inline(__always) func value(_ i: Int) -> Double {
        switch self {
        case .none: return 0
        case .index(let y): return i == y ? 1 : 0
        case .vector(let t): return t[i].kernelDouble
        case .weights(let a): return a[i]
        }
    }
}

/// The Extended192 workspace of a binary64 handle, made at the first row that needs it.
final class RowRetry<T: KernelScalar> {
    let classes: Int
    let temperature: Double
    lazy var workspace = RowWorkspace<T, Extended192>(classes: classes, temperature: temperature)

    init(classes: Int, temperature: Double) {
        self.classes = classes
        self.temperature = temperature
    }
}

/// A row workspace of any working type, so that batch loops need not be generic over it. Binary64
/// rows run in ExtendedDoubleDouble; a row the function flags (`cancelled`) is run again in
/// Extended192 (Ziv's strategy, WorkingArithmetic.swift).
struct RowWorkspaceHandle<T: KernelScalar> {
    enum Storage {
        case double(RowWorkspace<T, Double>)
        case doubleDouble(RowWorkspace<T, DoubleDouble>)
        case extended(RowWorkspace<T, ExtendedDoubleDouble>, RowRetry<T>)
    }
    let storage: Storage

    init(_ w: RowWorkspace<T, Double>) { storage = .double(w) }
    init(_ w: RowWorkspace<T, DoubleDouble>) { storage = .doubleDouble(w) }
    init(_ w: RowWorkspace<T, ExtendedDoubleDouble>) { storage = .extended(w, RowRetry(classes: w.classes, temperature: w.temperature)) }

    /// `first` on the binary64 workspace, or `again` on the Extended192 one when `first` flagged the row.
    @inline(__always)
    private func retrying<R>(
        _ w: RowWorkspace<T, ExtendedDoubleDouble>, _ retry: RowRetry<T>,
        _ first: (RowWorkspace<T, ExtendedDoubleDouble>) -> R, _ again: (RowWorkspace<T, Extended192>) -> R
    ) -> R {
        w.cancelled = false
        let result = first(w)
        return w.cancelled ? again(retry.workspace) : result
    }

    func logSumExp(_ z: UnsafeBufferPointer<T>) -> T {
        switch storage {
        case .double(let w): return w.logSumExp(z)
        case .doubleDouble(let w): return w.logSumExp(z)
        case .extended(let w, _): return w.logSumExp(z)
        }
    }

    func softmax(_ z: UnsafeBufferPointer<T>, into out: UnsafeMutablePointer<T>) {
        switch storage {
        case .double(let w): w.softmax(z, into: out)
        case .doubleDouble(let w): w.softmax(z, into: out)
        case .extended(let w, _): w.softmax(z, into: out)
        }
    }

    func logSoftmax(_ z: UnsafeBufferPointer<T>, into out: UnsafeMutablePointer<T>) {
        switch storage {
        case .double(let w): w.logSoftmax(z, into: out)
        case .doubleDouble(let w): w.logSoftmax(z, into: out)
        case .extended(let w, _): w.logSoftmax(z, into: out)
        }
    }

    func crossEntropy(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>) -> T {
        switch storage {
        case .double(let w): return w.crossEntropy(z, t)
        case .doubleDouble(let w): return w.crossEntropy(z, t)
        case .extended(let w, let r): return retrying(w, r, { $0.crossEntropy(z, t) }, { $0.crossEntropy(z, t) })
        }
    }

    func crossEntropyGradient(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>, into out: UnsafeMutablePointer<T>) {
        switch storage {
        case .double(let w): w.crossEntropyGradient(z, t, into: out)
        case .doubleDouble(let w): w.crossEntropyGradient(z, t, into: out)
        case .extended(let w, let r): retrying(w, r, { $0.crossEntropyGradient(z, t, into: out) }, { $0.crossEntropyGradient(z, t, into: out) })
        }
    }

    /// The fused cross-entropy: the unrounded loss as a double-double, the gradient into `out`.
    func crossEntropyFused(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>, gradientFactor g: Double, into out: UnsafeMutablePointer<T>?) -> DoubleDouble {
        switch storage {
        case .double(let w): return w.crossEntropyFused(z, t, gradientFactor: g, into: out).plain.doubleDouble
        case .doubleDouble(let w): return w.crossEntropyFused(z, t, gradientFactor: g, into: out).plain.doubleDouble
        case .extended(let w, let r):
            return retrying(w, r, { $0.crossEntropyFused(z, t, gradientFactor: g, into: out).plain.doubleDouble },
                            { $0.crossEntropyFused(z, t, gradientFactor: g, into: out).plain.doubleDouble })
        }
    }

    func mseSoftmax(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>) -> T {
        switch storage {
        case .double(let w): return w.mseSoftmax(z, t)
        case .doubleDouble(let w): return w.mseSoftmax(z, t)
        case .extended(let w, let r): return retrying(w, r, { $0.mseSoftmax(z, t) }, { $0.mseSoftmax(z, t) })
        }
    }

    func mseSoftmaxGradient(_ z: UnsafeBufferPointer<T>, _ t: RowTargets<T>, into out: UnsafeMutablePointer<T>) {
        switch storage {
        case .double(let w): w.mseSoftmaxGradient(z, t, into: out)
        case .doubleDouble(let w): w.mseSoftmaxGradient(z, t, into: out)
        case .extended(let w, let r): retrying(w, r, { $0.mseSoftmaxGradient(z, t, into: out) }, { $0.mseSoftmaxGradient(z, t, into: out) })
        }
    }
}
