// The batch API: row-major rows × classes storage, read in place and written into caller-provided
// buffers. Every function validates all of its input first and throws `KernelError` before
// writing anything.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Row-major rows × classes logits, borrowed without copying (valid while `values` is).
///
/// A separate type from the storage of probabilities: softmax output cannot be passed where logits
/// are expected without saying so (`LogitsBuffer(...)` around it, or `Logits(logProbabilities)`).
public struct LogitsBuffer<Scalar: KernelScalar> {
    public let values: UnsafeBufferPointer<Scalar>
    public let rows: Int
    public let classes: Int

    /// Views `values` as rows of `classes` logits; throws unless values.count = rows × classes > 0.
    public init(_ values: UnsafeBufferPointer<Scalar>, classes: Int) throws(KernelError) {
        guard classes > 0, values.count > 0 else { throw .emptyRows }
        guard values.count % classes == 0 else {
            throw .shapeMismatch(what: "logits", expected: (values.count / classes + 1) * classes, actual: values.count)
        }
        self.values = values
        self.classes = classes
        rows = values.count / classes
    }

    /// Views `values` as `rows` × `classes` logits; throws unless the count matches.
    public init(_ values: UnsafeBufferPointer<Scalar>, rows: Int, classes: Int) throws(KernelError) {
        guard rows > 0, classes > 0 else { throw .emptyRows }
        guard values.count == rows * classes else {
            throw .shapeMismatch(what: "logits", expected: rows * classes, actual: values.count)
        }
        self.values = values
        self.rows = rows
        self.classes = classes
    }

    /// Row r, in place.
    public func row(_ r: Int) -> UnsafeBufferPointer<Scalar> {
        UnsafeBufferPointer(rebasing: values[(r * classes)..<((r + 1) * classes)])
    }
}

/// Targets of a batch of rows, borrowed.
public enum TargetsBuffer<Scalar: KernelScalar> {
    /// One class index per row (0..<classes).
    case classIndices(UnsafeBufferPointer<Int>)
    /// One finite target per logit (soft labels; NaN gives NaN outputs), rows × classes.
    case soft(UnsafeBufferPointer<Scalar>)
}

/// The kernels of the softmax family over batches, for Float16, bfloat16, Float and Double (and
/// mixed precision: narrow logits with wider results, `MixedPrecision.swift`).
///
/// Accuracy against the correctly rounded result (exact z/T): Float16 and Float ≤ 1 ulp, Double
/// ≤ 2 ulp (measured ≤ 1) for every output, including logits spread over the whole format, near
/// its largest value, subnormal, tied, 32 768 classes, masked by −inf, and temperatures 10⁻³…10³;
/// z/T may overflow the format while the results are finite. Non-finite input follows the
/// reference's limit semantics (see `RowKind`).
///
/// Working arithmetic (`WorkingArithmetic.swift`): Float16 and Float compute in Double where
/// nothing cancels and in double-double where results are small differences; Double computes in
/// double-double (extended-range double-double for the cancelling functions, whose rare results
/// that cancel more than 2⁴⁰ below their terms elementwise, 2^(44 − ⌈log₂(n + 1024)⌉) in a row of
/// n classes, are computed again in 192-bit `Extended192`: Ziv's strategy).
///
/// Vector path (`FastRows.swift`, C target `_CrossCheckKernelsC`): softmax, log_softmax, LSE and
/// cross-entropy with class indices (loss and gradient) run SIMD kernels (AVX-512, AVX2 or portable,
/// chosen at run time: `KernelISA`) on every row whose logits are finite (Float16/Float: −inf
/// allowed), with error budgets that keep the bounds above; other rows and functions take the
/// scalar path. `threads:` splits the rows over that many threads (0 = all processors); the
/// results do not depend on it.
///
/// Usage: wrap row-major storage in a `LogitsBuffer` (no copy) and pass an output buffer:
///
///     try z.withUnsafeBufferPointer { zb in
///         try p.withUnsafeMutableBufferPointer { pb in
///             try SoftmaxKernels.softmax(LogitsBuffer(zb, classes: 1000), temperature: 0.7, into: pb)
///         }
///     }
public enum SoftmaxKernels {
    // MARK: Validation

    static func checkTemperature<S: KernelScalar>(_ t: S) throws(KernelError) {
        guard t.isFinite && t > 0 else { throw .invalidTemperature(t.kernelDouble) }
    }

    static func checkOutput<S>(_ out: UnsafeMutableBufferPointer<S>, _ what: String, _ count: Int) throws(KernelError) {
        guard out.count == count else { throw .outputSize(what: what, expected: count, actual: out.count) }
    }

    static func checkTargets<S: KernelScalar>(_ targets: TargetsBuffer<S>, _ logits: LogitsBuffer<S>) throws(KernelError) {
        try checkTargets(targets, rows: logits.rows, classes: logits.classes)
    }

    static func checkTargets<S: KernelScalar>(_ targets: TargetsBuffer<S>, rows: Int, classes: Int) throws(KernelError) {
        switch targets {
        case .classIndices(let y):
            guard y.count == rows else { throw .shapeMismatch(what: "class indices", expected: rows, actual: y.count) }
            for r in y.indices where !(0..<classes).contains(y[r]) {
                throw .targetOutOfRange(row: r, index: y[r], classes: classes)
            }
        case .soft(let t):
            guard t.count == rows * classes else {
                throw .shapeMismatch(what: "targets", expected: rows * classes, actual: t.count)
            }
            if let bad = t.firstIndex(where: { $0.isInfinite }) { throw .nonFiniteTarget(index: bad, value: t[bad].kernelDouble) }
        }
    }

    static func rowTargets<S>(_ targets: TargetsBuffer<S>, _ logits: LogitsBuffer<S>, _ r: Int) -> RowTargets<S> {
        switch targets {
        case .classIndices(let y): return .index(y[r])
        case .soft(let t): return .vector(UnsafeBufferPointer(rebasing: t[(r * logits.classes)..<((r + 1) * logits.classes)]))
        }
    }

    /// Runs `body` on every row with a workspace of the working type the format and `precise` choose.
    static func forEachRow<S: KernelScalar>(
        _ logits: LogitsBuffer<S>, temperature: S, precise: Bool, extendedRange: Bool = false,
        _ body: (RowWorkspaceHandle<S>, Int) -> Void
    ) {
        let t = temperature.kernelDouble
        if S.isDoubleFormat && (precise || extendedRange) {
            let workspace = RowWorkspace<S, ExtendedDoubleDouble>(classes: logits.classes, temperature: t)
            let handle = RowWorkspaceHandle(workspace)
            for r in 0..<logits.rows { body(handle, r) }
        } else if precise || S.isDoubleFormat {
            let workspace = RowWorkspace<S, DoubleDouble>(classes: logits.classes, temperature: t)
            let handle = RowWorkspaceHandle(workspace)
            for r in 0..<logits.rows { body(handle, r) }
        } else {
            let workspace = RowWorkspace<S, Double>(classes: logits.classes, temperature: t)
            let handle = RowWorkspaceHandle(workspace)
            for r in 0..<logits.rows { body(handle, r) }
        }
    }

    // MARK: Row functions

    /// LSE(z/T) of each row into `out` (one per row).
    ///
    /// max/T + log1p(Σ_{i≠k} e^{(zᵢ−max)/T}) (Blanchard–Higham–Higham): accurate when the maximum
    /// leads by 16–40 and LSE − max is tiny. Float16/Float: ≤ 1 ulp (rows where max/T and −log S
    /// cancel are recomputed in double-double). Double: ≤ 2 ulp unless they cancel by more than
    /// 2⁻⁴⁵ (|LSE| < 2⁻⁴⁵·|max/T|, a result near 0 from logits near −log n): the absolute error
    /// is then ≤ 2⁻¹⁰⁰·(|max/T| + log n).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func logSumExp<S: KernelScalar>(_ logits: LogitsBuffer<S>, temperature: S = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTemperature(temperature)
        try checkOutput(out, "log-sum-exp", logits.rows)
        forEachFastRow(logits, temperature: temperature, threads: threads) { e, r in out[r] = e.logSumExp(logits.row(r)) }
        guard !S.isDoubleFormat else { return }
        // max/T + log S cancels when max/T ≈ −log S: where the result lies 2¹⁶ below max/T, the
        // Double working precision would show, so those rows are evaluated again in double-double.
        // As max/T ≥ LSE − log n, that needs |LSE| < 2⁻¹⁵·log n: only such rows are looked at.
        let t = temperature.kernelDouble
        let small = 0x1p-15 * log(Double(max(logits.classes, 2)))
        var precise: RowWorkspace<S, DoubleDouble>?
        for r in 0..<logits.rows {
            let v = out[r].kernelDouble
            guard v.isFinite, v.magnitude < small else { continue }
            let m = logits.row(r).reduce(-Double.infinity) { max($0, $1.kernelDouble.isFinite ? $1.kernelDouble : -.infinity) }
            if m < 0 && v.magnitude < 0x1p-16 * (m / t).magnitude {
                if precise == nil { precise = RowWorkspace(classes: logits.classes, temperature: t) }
                out[r] = precise!.logSumExp(logits.row(r))
            }
        }
    }

    /// softmax(z/T) of each row into `out` (rows × classes).
    ///
    /// pᵢ = e^{xᵢ}/S with exact shifts xᵢ = (zᵢ − max)/T, exponentials kept at their own scale:
    /// ≤ 1 ulp (Float16/Float), ≤ 2 ulp (Double), subnormal results included.
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func softmax<S: KernelScalar>(_ logits: LogitsBuffer<S>, temperature: S = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTemperature(temperature)
        try checkOutput(out, "softmax", logits.values.count)
        forEachFastRow(logits, temperature: temperature, threads: threads) { e, r in e.softmax(logits.row(r), into: out.baseAddress! + r * logits.classes) }
    }

    /// z/T − LSE(z/T) of each row into `out` (rows × classes).
    ///
    /// xᵢ − log1p(s): two non-positive terms, no cancellation; ≤ 1 ulp (Float16/Float), ≤ 2 (Double).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func logSoftmax<S: KernelScalar>(_ logits: LogitsBuffer<S>, temperature: S = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTemperature(temperature)
        try checkOutput(out, "log-softmax", logits.values.count)
        forEachFastRow(logits, temperature: temperature, threads: threads) { e, r in e.logSoftmax(logits.row(r), into: out.baseAddress! + r * logits.classes) }
    }

    /// Cross-entropy of each row (LSE(z/T) − z_y/T, or Σᵢ tᵢ(LSE(z/T) − zᵢ/T) over tᵢ ≠ 0) into `out`.
    ///
    /// log1p(s) − x_y, or (Σt)·log1p(s) − N/T with N = Σᵢ tᵢ(zᵢ − max) and Σt accumulated exactly
    /// (targets of both signs cancel there without error; see `ExactDotProduct`), in double-double
    /// (extended-range for Double, as N/T may leave Double's range while the loss does not).
    /// ≤ 1 ulp (Float16/Float), ≤ 2 ulp (Double). (Σt)·log S and N/T (a transcendental against a
    /// rational value) can cancel by accident; in binary64 a row whose loss lies more than
    /// 2^(44 − ⌈log₂(n + 1024)⌉) below them is computed again in Extended192. For weights,
    /// smoothing, reductions and a fused gradient see `CrossEntropyLoss`.
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func crossEntropy<S: KernelScalar>(_ logits: LogitsBuffer<S>, targets: TargetsBuffer<S>, temperature: S = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTemperature(temperature)
        try checkTargets(targets, logits)
        try checkOutput(out, "cross-entropy", logits.rows)
        if case .classIndices(let y) = targets {
            forEachFastRow(logits, temperature: temperature, threads: threads) { e, r in
                out[r] = e.crossEntropy(logits.row(r), target: y[r], factor: 1, into: nil).rounded(to: S.self, scale: 0)
            }
            return
        }
        // Soft targets: Σ tᵢ·(zᵢ − max)/T may be finite while a gap (zᵢ − max)/T overflows Double;
        // targets of both signs make (Σt)·log S and N/T cancel: double-double for every format.
        forEachRow(logits, temperature: temperature, precise: true, extendedRange: true, threads: threads) { w, r in
            out[r] = w.crossEntropy(logits.row(r), rowTargets(targets, logits, r))
        }
    }

    /// dCE/dz = ((Σt)·softmax(z/T) − t)/T of each row into `out` (rows × classes).
    ///
    /// Class y: pᵢ/T and −(Σ_{i≠y} eᵢ)/(S·T), never pᵧ − 1. Soft t: in double-double, with the
    /// near/far decomposition of RowFunctions.swift (ties, subnormal logits and large T leave
    /// exact small results). ≤ 1 ulp (Float16/Float), ≤ 2 ulp (Double: a row with an output
    /// (Σt)eᵢ − tᵢS that cancels beyond double-double's reach — targets close to the prediction —
    /// is computed again in Extended192).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func crossEntropyGradient<S: KernelScalar>(_ logits: LogitsBuffer<S>, targets: TargetsBuffer<S>, temperature: S = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTemperature(temperature)
        try checkTargets(targets, logits)
        try checkOutput(out, "cross-entropy gradient", logits.values.count)
        if case .classIndices(let y) = targets {
            forEachFastRow(logits, temperature: temperature, threads: threads) { e, r in
                _ = e.crossEntropy(logits.row(r), target: y[r], factor: 1, into: out.baseAddress! + r * logits.classes)
            }
            return
        }
        forEachRow(logits, temperature: temperature, precise: true, threads: threads) { w, r in
            w.crossEntropyGradient(logits.row(r), rowTargets(targets, logits, r), into: out.baseAddress! + r * logits.classes)
        }
    }

    /// Σᵢ (softmax(z/T)ᵢ − tᵢ)² of each row into `out` (one per row).
    ///
    /// Σ Dᵢ²/S² with Dᵢ = eᵢ − tᵢS formed without cancellation of the integer parts (double-double);
    /// ≤ 1 ulp (Float16/Float), ≤ 2 ulp (Double: targets close to the prediction make the Dᵢ
    /// cancel by accident; such rows are computed again in Extended192).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func mseSoftmax<S: KernelScalar>(_ logits: LogitsBuffer<S>, targets: TargetsBuffer<S>, temperature: S = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTemperature(temperature)
        try checkTargets(targets, logits)
        try checkOutput(out, "mse-softmax", logits.rows)
        forEachRow(logits, temperature: temperature, precise: true, threads: threads) { w, r in
            out[r] = w.mseSoftmax(logits.row(r), rowTargets(targets, logits, r))
        }
    }

    /// The gradient 2pⱼ((pⱼ − tⱼ) − Σᵢ(pᵢ − tᵢ)pᵢ)/T of each row into `out` (rows × classes).
    ///
    /// 2eⱼNⱼ/(S³T) with Nⱼ as sums of one-signed terms wherever a tie or a dominant class would make
    /// the textbook formula cancel (RowFunctions.swift); double-double, extended range for Double.
    /// ≤ 1 ulp (Float16/Float), ≤ 2 ulp (Double: rows whose Nⱼ cancel by accident, against a
    /// binade bound of the magnitudes of their terms, are computed again in Extended192).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func mseSoftmaxGradient<S: KernelScalar>(_ logits: LogitsBuffer<S>, targets: TargetsBuffer<S>, temperature: S = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTemperature(temperature)
        try checkTargets(targets, logits)
        try checkOutput(out, "mse-softmax gradient", logits.values.count)
        forEachRow(logits, temperature: temperature, precise: true, threads: threads) { w, r in
            w.mseSoftmaxGradient(logits.row(r), rowTargets(targets, logits, r), into: out.baseAddress! + r * logits.classes)
        }
    }

    // MARK: Elementwise functions

    static func elementwise<S: KernelScalar>(_ kind: ElementwiseKind, _ x: UnsafeBufferPointer<S>, _ t: UnsafeBufferPointer<S>?, _ out: UnsafeMutableBufferPointer<S>) throws(KernelError) {
        try checkOutput(out, "output", x.count)
        if let t {
            guard t.count == x.count else { throw .shapeMismatch(what: "targets", expected: x.count, actual: t.count) }
            if let bad = t.firstIndex(where: { !$0.isNaN && !(0...1).contains($0) }) {
                throw .targetOutsideUnitInterval(index: bad, value: t[bad].kernelDouble)
            }
        }
        if CorrectlyRoundedElementwise<S>.applies {
            correctlyRounded(kind, x, t, out)
        } else if kind.isPrecise && S.isDoubleFormat {
            // Ziv's strategy: the rare σ − t that cancels beyond double-double's reach is redone
            // in Extended192 by the same kernel (WorkingArithmetic.swift).
            for i in x.indices {
                var cancelled = false
                let ti = t?[i] ?? 0
                let v = ElementwiseKernel<S, ExtendedDoubleDouble>.evaluate(kind, x[i], ti, cancelled: &cancelled)
                out[i] = cancelled ? ElementwiseKernel<S, Extended192>.evaluate(kind, x[i], ti) : v
            }
        } else if kind.isPrecise || S.isDoubleFormat {
            for i in x.indices { out[i] = ElementwiseKernel<S, DoubleDouble>.evaluate(kind, x[i], t?[i] ?? 0) }
        } else {
            for i in x.indices { out[i] = ElementwiseKernel<S, Double>.evaluate(kind, x[i], t?[i] ?? 0) }
        }
    }

    /// The elementwise functions of Float16, bfloat16 and Float inputs, correctly rounded
    /// (`CorrectlyRoundedElementwise`).
    private static func correctlyRounded<S: KernelScalar>(_ kind: ElementwiseKind, _ x: UnsafeBufferPointer<S>, _ t: UnsafeBufferPointer<S>?, _ out: UnsafeMutableBufferPointer<S>) {
        let boundary = RoundingBoundary(S.floatFormat)
        if let t {
            for i in x.indices { out[i] = CorrectlyRoundedElementwise<S>.evaluate(kind, x[i], t[i], boundary) }
        } else {
            let zero: S = 0
            for i in x.indices { out[i] = CorrectlyRoundedElementwise<S>.evaluate(kind, x[i], zero, boundary) }
        }
    }

    /// σ(x) = 1/(1 + e⁻ˣ) elementwise: 1/(1 + E) or E/(1 + E) with E = e^{−|x|}; ≤ 1 ulp (all formats).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func sigmoid<S: KernelScalar>(_ x: UnsafeBufferPointer<S>, into out: UnsafeMutableBufferPointer<S>) throws(KernelError) {
        try elementwise(.sigmoid, x, nil, out)
    }

    /// softplus(x) − t·x elementwise (targets in [0, 1]): (max(x, 0) − t·x) + log1p(e^{−|x|}), two
    /// non-negative terms; ≤ 1 ulp (Float16/Float), ≤ 2 ulp (Double).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func bceWithLogits<S: KernelScalar>(_ x: UnsafeBufferPointer<S>, targets: UnsafeBufferPointer<S>, into out: UnsafeMutableBufferPointer<S>) throws(KernelError) {
        try elementwise(.bce, x, targets, out)
    }

    /// σ(x) − t elementwise: (½ − t) + ½tanh(x/2) near 0, (1 − t) − σ(−x) or σ(x) − t elsewhere,
    /// in double-double; ≤ 1 ulp (Float16/Float), ≤ 2 ulp (Double: a difference more than 2⁴⁰
    /// below σ and t is computed again in Extended192; the same for the two functions below).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func bceWithLogitsGradient<S: KernelScalar>(_ x: UnsafeBufferPointer<S>, targets: UnsafeBufferPointer<S>, into out: UnsafeMutableBufferPointer<S>) throws(KernelError) {
        try elementwise(.bceGradient, x, targets, out)
    }

    /// (σ(x) − t)² elementwise (σ − t as in `bceWithLogitsGradient`).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func mseSigmoid<S: KernelScalar>(_ x: UnsafeBufferPointer<S>, targets: UnsafeBufferPointer<S>, into out: UnsafeMutableBufferPointer<S>) throws(KernelError) {
        try elementwise(.mse, x, targets, out)
    }

    /// 2(σ(x) − t)σ(x)(1 − σ(x)) elementwise, with 1 − σ(x) = σ(−x) (no cancellation).
    @_specialize(where S == Float16)
    @_specialize(where S == BFloat16)
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func mseSigmoidGradient<S: KernelScalar>(_ x: UnsafeBufferPointer<S>, targets: UnsafeBufferPointer<S>, into out: UnsafeMutableBufferPointer<S>) throws(KernelError) {
        try elementwise(.mseGradient, x, targets, out)
    }
}
