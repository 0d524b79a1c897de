// Losses with the options PyTorch users expect, each with a fused loss-and-gradient call.

/// How the per-row (per-element) losses of a batch are combined.
public enum LossReduction: String, Sendable, Hashable {
    /// One loss per row (cross-entropy) or per element (BCE).
    case none
    /// Their sum.
    case sum
    /// Their mean: over the target weights for class indices (PyTorch's definition), else over rows
    /// (soft targets) or elements (BCE).
    case mean
}

/// A loss and dL/dz.
public struct LossAndGradient<Scalar: KernelScalar>: Sendable, Hashable {
    /// One value (sum, mean) or one per row/element (none).
    public var loss: [Scalar]
    /// dL/dz, same shape as the logits. For `.none` each row's gradient is that of its own loss.
    public var gradient: [Scalar]
}

/// Cross-entropy of logits against class indices or soft targets, as `torch.nn.CrossEntropyLoss`:
///
///   class y (≠ ignoreIndex): ℓ = Σ_c a_c·(LSE(z/T) − z_c/T),  a_c = (1 − ε)·w_y·[c = y] + (ε/C)·w_c
///   ignored row:             ℓ = 0, gradient 0
///   soft t:                  a_c = w_c·((1 − ε)·t_c + ε/C)
///   gradient:                (Σa)·softmax(z/T) − a, over T (and over the mean's denominator)
///   mean:                    Σℓ / Σ_{rows not ignored} w_y for class indices (NaN when that is 0,
///                            as in PyTorch), Σℓ / rows for soft targets
///
/// with w ≡ 1 without class weights. Loss and gradient come from one pass over each row
/// (`lossAndGradient`); the row losses are accumulated in double-double and rounded once. With a
/// class index, ε = 0 and weight 1 the values are those of the protocol's cross_entropy and
/// cross_entropy_grad (≤ 1 ulp, Double ≤ 2); with weights or smoothing the targets aᵢ are
/// rounded to Double first (relative error ≤ 2⁻⁵³ in each aᵢ).
public struct CrossEntropyLoss<Scalar: KernelScalar>: Sendable, Hashable {
    public var weight: [Scalar]?
    public var ignoreIndex: Int?
    public var labelSmoothing: Scalar
    public var reduction: LossReduction
    public var temperature: Scalar

    public init(weight: [Scalar]? = nil, ignoreIndex: Int? = nil, labelSmoothing: Scalar = 0, reduction: LossReduction = .mean, temperature: Scalar = 1) {
        self.weight = weight
        self.ignoreIndex = ignoreIndex
        self.labelSmoothing = labelSmoothing
        self.reduction = reduction
        self.temperature = temperature
    }

    /// The loss (one value, or one per row for `.none`).
    public func callAsFunction(_ logits: Logits<Scalar>, _ targets: Targets<Scalar>) throws(KernelError) -> [Scalar] {
        try run(logits, targets, withGradient: false).loss
    }

    /// The loss and dL/dz, from one pass over the logits.
    public func lossAndGradient(_ logits: Logits<Scalar>, _ targets: Targets<Scalar>) throws(KernelError) -> LossAndGradient<Scalar> {
        try run(logits, targets, withGradient: true)
    }

    private func run(_ logits: Logits<Scalar>, _ targets: Targets<Scalar>, withGradient: Bool) throws(KernelError) -> LossAndGradient<Scalar> {
        var loss = [Scalar](repeating: 0, count: reduction == .none ? logits.rows : 1)
        var gradient = [Scalar](repeating: 0, count: withGradient ? logits.values.count : 0)
        try logits.withBuffer { (l) throws(KernelError) in
            try targets.withBuffer { (t) throws(KernelError) in
                try loss.withUnsafeMutableBufferPointer { (lb) throws(KernelError) in
                    try gradient.withUnsafeMutableBufferPointer { (gb) throws(KernelError) in
                        try compute(l, targets: t, loss: lb, gradient: withGradient ? gb : nil)
                    }
                }
            }
        }
        return LossAndGradient(loss: loss, gradient: gradient)
    }

    /// The batch form: the loss into `loss` (1 value, or `rows` for `.none`) and, when given, dL/dz
    /// into `gradient` (rows × classes). Everything is validated before anything is written.
    /// Class indices without label smoothing take the vector path (one pass per row, SIMD; see
    /// `SoftmaxKernels`); `threads` splits the rows (0 = all processors) without changing a bit.
    @_specialize(where Scalar == Float16)
    @_specialize(where Scalar == BFloat16)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func compute(_ logits: LogitsBuffer<Scalar>, targets: TargetsBuffer<Scalar>, loss: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>?, threads: Int = 1) throws(KernelError) {
        try run(logits, targets: targets, loss: loss, gradient: gradient, threads: threads)
    }

    /// Mixed precision, as autocast runs it: logits in a narrower format (`Input`: Float16 or
    /// bfloat16 for a Float loss; any format whose values `Scalar` holds), loss and gradient in
    /// `Scalar`, correctly rounded to `Scalar` within the same bounds (1 ulp for Float). The logits
    /// are widened exactly, a block of rows at a time (SIMD, `cck_convert`), into a buffer that
    /// stays in cache, and the block goes through the `Scalar` kernels. Throws
    /// `KernelError.unsupportedOption` when `Scalar` does not hold every value of `Input`.
    @_specialize(where Scalar == Float, Input == BFloat16)
    @_specialize(where Scalar == Float, Input == Float16)
    public func compute<Input: KernelScalar>(_ logits: LogitsBuffer<Input>, targets: TargetsBuffer<Scalar>, loss: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>?, threads: Int = 1) throws(KernelError) {
        try run(logits, targets: targets, loss: loss, gradient: gradient, threads: threads)
    }

    @inline(__always)
    private func run<Input: KernelScalar>(_ logits: LogitsBuffer<Input>, targets: TargetsBuffer<Scalar>, loss: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>?, threads: Int) throws(KernelError) {
        try SoftmaxKernels.checkWidening(Input.self, to: Scalar.self)
        let classes = logits.classes
        try SoftmaxKernels.checkTemperature(temperature)
        try SoftmaxKernels.checkOutput(loss, "loss", reduction == .none ? logits.rows : 1)
        if let gradient { try SoftmaxKernels.checkOutput(gradient, "gradient", logits.values.count) }
        let eps = labelSmoothing.kernelDouble
        guard (0...1).contains(eps) else { throw .invalidLabelSmoothing(eps) }
        var w: [Double]?
        if let weight {
            guard weight.count == classes else { throw .weightsLength(what: "weight", expected: classes, actual: weight.count) }
            if let bad = weight.firstIndex(where: { !($0.isFinite && $0 >= 0) }) { throw .invalidWeight(what: "weight", index: bad, value: weight[bad].kernelDouble) }
            w = weight.map(\.kernelDouble)
        }
        var denominator = DoubleDouble.zero
        switch targets {
        case .classIndices(let y):
            guard y.count == logits.rows else { throw .shapeMismatch(what: "class indices", expected: logits.rows, actual: y.count) }
            for r in y.indices where y[r] != ignoreIndex {
                guard (0..<classes).contains(y[r]) else { throw .targetOutOfRange(row: r, index: y[r], classes: classes) }
                denominator = denominator + (w?[y[r]] ?? 1)
            }
        case .soft(let t):
            if ignoreIndex != nil { throw .unsupportedOption("ignoreIndex applies to class indices, not soft targets") }
            guard t.count == logits.values.count else { throw .shapeMismatch(what: "targets", expected: logits.values.count, actual: t.count) }
            if let bad = t.firstIndex(where: { $0.isInfinite }) { throw .nonFiniteTarget(index: bad, value: t[bad].kernelDouble) }
            denominator = DoubleDouble(Double(logits.rows))
        }

        // Validated: from here on every output is written. Row losses are summed afterwards in row
        // order, so the result does not depend on `threads`.
        let scale = reduction == .mean ? 1 / denominator.hi : 1
        let allRowLosses = UnsafeMutableBufferPointer<DoubleDouble>.allocate(capacity: logits.rows)
        defer { allRowLosses.deallocate() }
        try SoftmaxKernels.forEachBlock(logits, as: Scalar.self, threads: threads) { logits, range in
            let rowLosses = UnsafeMutableBufferPointer(rebasing: allRowLosses[range])
            let targets = targets.rows(range, classes: classes)
            let gradient = gradient.map { UnsafeMutableBufferPointer(rebasing: $0[(range.lowerBound * classes)..<(range.upperBound * classes)]) }
            if eps == 0, case .classIndices(let y) = targets {
                // The vector path: loss and gradient from one pass (FastRows.swift).
                SoftmaxKernels.forEachFastRow(logits, temperature: temperature, threads: threads) { engine, r in
                    let out = gradient.map { $0.baseAddress! + r * classes }
                    let yr = y[r]
                    if yr == ignoreIndex {
                        if let out { for c in 0..<classes { out[c] = 0 } }
                        rowLosses[r] = .zero
                        return
                    }
                    let weight = w?[yr] ?? 1
                    rowLosses[r] = engine.crossEntropy(logits.row(r), target: yr, factor: scale * weight, into: out) * weight
                }
            } else {
                // Label smoothing or soft targets (class indices without smoothing took the vector path).
                KernelThreads.forEachChunk(rows: logits.rows, threads: threads) { range in
                    let a = UnsafeMutableBufferPointer<Double>.allocate(capacity: classes)
                    defer { a.deallocate() }
                    let chunk = LogitsBuffer(unchecked: logits, range)
                    SoftmaxKernels.forEachRow(chunk, temperature: temperature, precise: true) { workspace, i in
                        let r = range.lowerBound + i
                        rowLosses[r] = softRowLoss(workspace, logits, targets, r, w, eps, scale, a, gradient)
                    }
                }
            }
        }
        if reduction == .none {
            for r in 0..<logits.rows { loss[r] = allRowLosses[r].rounded(to: Scalar.self, scale: 0) }
        } else {
            var total = DoubleDouble.zero
            for r in 0..<logits.rows { total = total + allRowLosses[r] }
            let value = reduction == .mean ? total / denominator : total
            loss[0] = value.rounded(to: Scalar.self, scale: 0)
        }
    }

    /// One row on the scalar path (label smoothing, soft targets): its weighted loss, and its
    /// gradient into `gradient` when given.
    private func softRowLoss(
        _ workspace: RowWorkspaceHandle<Scalar>, _ logits: LogitsBuffer<Scalar>, _ targets: TargetsBuffer<Scalar>, _ r: Int,
        _ w: [Double]?, _ eps: Double, _ scale: Double, _ a: UnsafeMutableBufferPointer<Double>,
        _ gradient: UnsafeMutableBufferPointer<Scalar>?
    ) -> DoubleDouble {
        let classes = logits.classes
        let out = gradient.map { $0.baseAddress! + r * classes }
        let rowTargets: RowTargets<Scalar>
        var lossFactor = 1.0
        var g = scale
        switch targets {
        case .classIndices(let y):
            let yr = y[r]
            if yr == ignoreIndex {
                if let out { for c in 0..<classes { out[c] = 0 } }
                return .zero
            }
            if eps == 0 {
                rowTargets = .index(yr)
                lossFactor = w?[yr] ?? 1
                g = scale * lossFactor
            } else {
                for c in 0..<classes { a[c] = eps / Double(classes) * (w?[c] ?? 1) }
                a[yr] += (1 - eps) * (w?[yr] ?? 1)
                rowTargets = .weights(UnsafeBufferPointer(a))
            }
        case .soft(let t):
            for c in 0..<classes {
                let tc = t[r * classes + c].kernelDouble
                a[c] = (w?[c] ?? 1) * (eps == 0 ? tc : (1 - eps) * tc + eps / Double(classes))
            }
            rowTargets = .weights(UnsafeBufferPointer(a))
        }
        return workspace.crossEntropyFused(logits.row(r), rowTargets, gradientFactor: g, into: out) * lossFactor
    }
}

/// Binary cross-entropy with logits, as `torch.nn.BCEWithLogitsLoss`, over rows × classes logits
/// (each an independent binary problem) and targets in [0, 1]:
///
///   ℓ  = w_c·(p_c·t·softplus(−x) + (1 − t)·softplus(x)),   ℓ′ = w_c·((1 − t)·σ(x) − p_c·t·σ(−x))
///
/// with per-class `weight` w and `positiveWeight` p (PyTorch's pos_weight), both broadcast over
/// rows and 1 when absent; the mean is over all elements. Each element is computed in
/// double-double (σ − t cancels near the optimum) and rounded once; see
/// `ElementwiseKernel.bceWithPositiveWeight` for the formulas.
public struct BCEWithLogitsLoss<Scalar: KernelScalar>: Sendable, Hashable {
    public var weight: [Scalar]?
    public var positiveWeight: [Scalar]?
    public var reduction: LossReduction

    public init(weight: [Scalar]? = nil, positiveWeight: [Scalar]? = nil, reduction: LossReduction = .mean) {
        self.weight = weight
        self.positiveWeight = positiveWeight
        self.reduction = reduction
    }

    /// The loss (one value, or one per element for `.none`).
    public func callAsFunction(_ logits: Logits<Scalar>, _ targets: [Scalar]) throws(KernelError) -> [Scalar] {
        try run(logits, targets, withGradient: false).loss
    }

    /// The loss and dL/dx, in one pass.
    public func lossAndGradient(_ logits: Logits<Scalar>, _ targets: [Scalar]) throws(KernelError) -> LossAndGradient<Scalar> {
        try run(logits, targets, withGradient: true)
    }

    private func run(_ logits: Logits<Scalar>, _ targets: [Scalar], withGradient: Bool) throws(KernelError) -> LossAndGradient<Scalar> {
        var loss = [Scalar](repeating: 0, count: reduction == .none ? logits.values.count : 1)
        var gradient = [Scalar](repeating: 0, count: withGradient ? logits.values.count : 0)
        try logits.withBuffer { (l) throws(KernelError) in
            try targets.withUnsafeBufferPointer { (t) throws(KernelError) in
                try loss.withUnsafeMutableBufferPointer { (lb) throws(KernelError) in
                    try gradient.withUnsafeMutableBufferPointer { (gb) throws(KernelError) in
                        try compute(l, targets: t, loss: lb, gradient: withGradient ? gb : nil)
                    }
                }
            }
        }
        return LossAndGradient(loss: loss, gradient: gradient)
    }

    /// The batch form: the loss into `loss` (1 value, or one per element for `.none`) and, when
    /// given, dL/dx into `gradient`. Everything is validated before anything is written.
    @_specialize(where Scalar == Float16)
    @_specialize(where Scalar == BFloat16)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func compute(_ logits: LogitsBuffer<Scalar>, targets: UnsafeBufferPointer<Scalar>, loss: UnsafeMutableBufferPointer<Scalar>, gradient: UnsafeMutableBufferPointer<Scalar>?) throws(KernelError) {
        let n = logits.values.count
        let classes = logits.classes
        try SoftmaxKernels.checkOutput(loss, "loss", reduction == .none ? n : 1)
        if let gradient { try SoftmaxKernels.checkOutput(gradient, "gradient", n) }
        guard targets.count == n else { throw .shapeMismatch(what: "targets", expected: n, actual: targets.count) }
        if let bad = targets.firstIndex(where: { !$0.isNaN && !(0...1).contains($0) }) {
            throw .targetOutsideUnitInterval(index: bad, value: targets[bad].kernelDouble)
        }
        for (name, values) in [("weight", weight), ("positiveWeight", positiveWeight)] {
            guard let values else { continue }
            guard values.count == classes else { throw .weightsLength(what: name, expected: classes, actual: values.count) }
            if let bad = values.firstIndex(where: { !($0.isFinite && $0 >= 0) }) { throw .invalidWeight(what: name, index: bad, value: values[bad].kernelDouble) }
        }
        if Scalar.isDoubleFormat {
            run(ExtendedDoubleDouble.self, logits, targets, loss, gradient)
        } else {
            run(DoubleDouble.self, logits, targets, loss, gradient)
        }
    }

    private func run<W: WorkingArithmetic>(_: W.Type, _ logits: LogitsBuffer<Scalar>, _ targets: UnsafeBufferPointer<Scalar>, _ loss: UnsafeMutableBufferPointer<Scalar>, _ gradient: UnsafeMutableBufferPointer<Scalar>?) {
        let n = logits.values.count
        let classes = logits.classes
        let scale = reduction == .mean ? 1 / Double(n) : 1
        var total = DoubleDouble.zero
        for i in 0..<n {
            let c = i % classes
            let w = weight?[c].kernelDouble ?? 1
            let p = positiveWeight?[c].kernelDouble ?? 1
            var cancelled = false
            let (l, g) = ElementwiseKernel<Scalar, W>.bceWithPositiveWeight(logits.values[i], targets[i], positiveWeight: p, cancelled: &cancelled)
            if let gradient {
                // Ziv's strategy (binary64): a gradient that cancelled beyond double-double's reach
                // is computed again in Extended192 (WorkingArithmetic.swift).
                gradient[i] = cancelled
                    ? (ElementwiseKernel<Scalar, Extended192>.bceWithPositiveWeight(logits.values[i], targets[i], positiveWeight: p).gradient * (w * scale))
                        .rounded(to: Scalar.self)
                    : (g * (w * scale)).rounded(to: Scalar.self)
            }
            if reduction == .none {
                loss[i] = (l * w).rounded(to: Scalar.self)
            } else {
                total = total + (l * w).plain.doubleDouble
            }
        }
        if reduction != .none {
            loss[0] = (reduction == .mean ? total / Double(n) : total).rounded(to: Scalar.self, scale: 0)
        }
    }
}
