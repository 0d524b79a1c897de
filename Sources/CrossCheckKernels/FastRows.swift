import _CrossCheckKernelsC

// The vector path of the row functions: the C kernels of `_CrossCheckKernelsC` (phase 1: max,
// argmax, e_i = exp(x_i), s = Σ_{i≠k} e_i; phase 2: e_i·c or x_i − L, each output rounded once),
// and between the phases the scalar steps, in the working arithmetic W of the format (Double for
// Float16/Float, double-double for Double):
//   softmax      c = 1/S (S summed whole, e_k = 1 included: no search for k)
//   log_softmax  L = log1p(s)
//   LSE          m/T + log1p(s); rows where the two cancel (|LSE| < 2⁻⁸|m/T| for Float16/Float,
//                2⁻⁴ for Double and bfloat16 in Float lanes) go to the scalar path, as do m/T
//                subnormal or not finite
//   CE, class y  loss log1p(s) − x_y (two non-negative terms); gradient e_i·c with c = g/(S·T) and,
//                at y, −R_y·c with R_y = s (y = k) or S − e_y (y ≠ k; e_y ≤ 1 ≤ S − e_y, so the
//                difference loses at most a factor 3 of the accuracy of S and e_y)
// bfloat16 rows at 2⁻¹⁰⁰ ≤ 1/T ≤ 2⁸ run in Float lanes (bf16_lanes.h; `state.float_lanes`): e_i
// is kept as the Float e_i·2⁶⁴ (`storedE`), and a CE gradient with c > 2¹⁶ takes the scalar path.
// For phase 2, e_i is kept as its rounding to Double, and for Double rows of up to 8192 classes
// with its low part: e_i·c is then within 0.3u of the exact value (≤ 1 ulp); longer Double rows
// keep the rounding only, within 1.26u (u + 0.13u for exp + 0.13u for S): ≤ 2 ulp, the target.
// The error budgets are in `_CrossCheckKernelsC.h`: every output within 1 ulp (all formats).
// A row that the C kernels decline (non-finite logits; for Double a −inf logit or a spread
// (max − min)/T > 700), or whose scalar step would overflow, is evaluated by the exact scalar path
// (`RowWorkspace`), so the limit semantics and the hostile rows stay exactly as they were.
//
// Rows are pipelined: the phase-2 stores of row r run inside row r + 1's phase-1 loop (the
// "pending job"), where they overlap its arithmetic; `finish()` completes the last row. Meanwhile
// the next row's logits and this row's output are prefetched (hardware prefetchers stop at page
// boundaries, and a row of 1024 Floats is a page).

extension KernelScalar {
    /// The C kernels' code of the format.
    static var cFormat: Int32 {
        switch floatFormat {
        case .float16: return Int32(CCK_FLOAT16)
        case .float32: return Int32(CCK_FLOAT32)
        case .float64: return Int32(CCK_FLOAT64)
        case .bfloat16: return Int32(CCK_BFLOAT16)
        default: preconditionFailure("no C kernels for \(floatFormat.rawValue)")
        }
    }
}

/// The vector path for one thread's rows of a batch (not thread-safe; one per chunk of rows).
final class FastRowEngine<S: KernelScalar, W: WorkingArithmetic> {
    let classes: Int
    let temperature: Double
    /// 1/T as a double-double (lo = 0 for Float16/Float).
    private let inverse: DoubleDouble
    /// Two sets of e buffers, offset so that they do not alias modulo 4 KiB. Double keeps e as
    /// hi + lo for rows of up to 8192 classes (e·c within 0.3u before its rounding: ≤ 1 ulp);
    /// longer rows keep hi only (within 1.26u: ≤ 2 ulp, the Double target), which halves the
    /// bytes through L2 and makes them 1.4× faster.
    private let storage: UnsafeMutablePointer<Double>
    private let keepsLow: Bool
    private let setStride: Int
    private var parity = 0
    private var pending = cck_pending()
    /// A value to store once the pending job has run (the CE gradient at the target class).
    private var fixAt: UnsafeMutablePointer<S>?
    private var fixValue: S = 0
    private var state = cck_row_state()
    private var scalarPath: RowWorkspace<S, W>?
    /// The row the batch loop will evaluate next (prefetched during this one), or nil.
    var nextRow: UnsafeRawPointer?
    /// Whether phase 2 runs inside the next row's phase 1. Measured on AVX-512: a gain for every
    /// format and length (Double ×1.6 at 32 768 classes) except Float rows longer than 8192, ~10 %
    /// slower fused (the row's Double e no longer fits L1 beside the Float streams).
    private let fused: Bool
    /// True when T is so large or so small that 1/T loses bits: the scalar path takes every row.
    private let declinesAll: Bool

    init(classes: Int, temperature: Double) {
        self.classes = classes
        self.temperature = temperature
        let i = (W.one / W(temperature)).doubleDouble
        inverse = S.isDoubleFormat ? i : DoubleDouble(i.hi)
        keepsLow = S.isDoubleFormat && classes <= 8192
        setStride = (keepsLow ? 2 : 1) * (classes + 56)
        storage = .allocate(capacity: 2 * setStride + 64)
        fused = !(S.floatFormat == .float32 && classes > 8192)
        // 1/T as hi + lo carries 106 bits only while lo is normal: |1/T| ≥ 2⁻⁹⁶⁸. For Double
        // temperatures beyond 2⁹⁶⁸ (or below 2⁻⁹⁶⁸, where 1/T overflows) the shifts xᵢ would keep
        // ~53 bits and softmax would lose up to |xᵢ|·u: every row takes the scalar path, which
        // divides by T itself. Float16/Float temperatures keep 1/T far inside Double's range.
        declinesAll = !(0x1p-968...0x1p968).contains(inverse.hi)
    }

    deinit {
        storage.deallocate()
    }

    /// The exact scalar path, for the rows the vector path declines.
    var slow: RowWorkspace<S, W> {
        if let scalarPath { return scalarPath }
        let w = RowWorkspace<S, W>(classes: classes, temperature: temperature)
        scalarPath = w
        return w
    }

    private var eHi: UnsafeMutablePointer<Double> { storage + parity * (setStride + 8) }
    private var eLo: UnsafeMutablePointer<Double>? { keepsLow ? eHi + classes + 24 : nil }

    /// e_i of the row just summed with e stored (bfloat16 rows in Float lanes store e_i·2⁶⁴ as Floats).
    private func storedE(_ i: Int) -> W {
        if state.float_lanes != 0 {
            return W(Double(UnsafeRawPointer(eHi).load(fromByteOffset: i * MemoryLayout<Float>.stride, as: Float.self)) * 0x1p-64)
        }
        return eLo.map { W(eHi[i]) + W($0[i]) } ?? W(eHi[i])
    }

    /// s = Σ_{i≠k} e_i of the row just summed (Σ e_i = S when summed whole).
    private var s: W { S.isDoubleFormat ? W(state.s_hi) + W(state.s_lo) : W(state.s_hi) }

    /// Phase 1 (running the pending job inside it); false when the scalar path must take the row
    /// (the pending job has then been run, by C or here).
    private func sums(_ z: UnsafeBufferPointer<S>, store: Bool, output: UnsafeMutablePointer<S>? = nil, sumAll: Bool = false) -> Bool {
        if declinesAll {
            finish()
            return false
        }
        pending.next = nextRow
        pending.sum_all = sumAll ? 1 : 0
        pending.next_out = nextRow == nil ? nil : output.map { UnsafeMutableRawPointer($0) }
        let ok = cck_row_sums(
            S.cFormat, UnsafeRawPointer(z.baseAddress!), classes, inverse.hi, inverse.lo,
            store ? eHi : nil, store ? eLo : nil, &pending, &state
        )
        if ok == 0 {
            finish()
        } else {  // 1, or 2: declined after the pending job (a NaN logit)
            pending.kind = Int32(CCK_PENDING_NONE)
            applyFix()
        }
        return ok == 1
    }

    private func applyFix() {
        if let fixAt { fixAt.pointee = fixValue }
        fixAt = nil
    }

    /// Completes the pending job (call after the last row).
    func finish() {
        if pending.kind != Int32(CCK_PENDING_NONE) { cck_row_finish(S.cFormat, &pending, classes, inverse.hi, inverse.lo) }
        pending.kind = Int32(CCK_PENDING_NONE)
        applyFix()
    }

    /// Queues out_i = e_i·c for the row just summed (with e stored) and moves to the other buffers.
    private func queueScale(_ c: W, _ out: UnsafeMutablePointer<S>) {
        let d = c.doubleDouble
        pending = cck_pending(
            kind: Int32(CCK_PENDING_SCALE), out: UnsafeMutableRawPointer(out), e_hi: UnsafePointer(eHi), e_lo: eLo.map { UnsafePointer($0) },
            c_hi: d.hi, c_lo: d.lo, z: nil, m: 0, l_hi: 0, l_lo: 0, next: nil, next_out: nil, sum_all: 0,
            float_lanes: state.float_lanes
        )
        parity ^= 1
        if !fused { finish() }
    }

    // MARK: Row functions

    func softmax(_ z: UnsafeBufferPointer<S>, into out: UnsafeMutablePointer<S>) {
        // S summed whole (e_k = 1 included): softmax needs no k, nor s on its own.
        guard sums(z, store: true, output: out, sumAll: true) else { return slow.softmax(z, into: out) }
        queueScale(W.one / s, out)
    }

    func logSoftmax(_ z: UnsafeBufferPointer<S>, into out: UnsafeMutablePointer<S>) {
        guard sums(z, store: false, output: out) else { return slow.logSoftmax(z, into: out) }
        let l = W.log1p(s).doubleDouble
        pending = cck_pending(
            kind: Int32(CCK_PENDING_SHIFT), out: UnsafeMutableRawPointer(out), e_hi: nil, e_lo: nil,
            c_hi: 0, c_lo: 0, z: UnsafeRawPointer(z.baseAddress!), m: state.m, l_hi: l.hi, l_lo: l.lo, next: nil, next_out: nil, sum_all: 0,
            float_lanes: state.float_lanes
        )
        if !fused { finish() }
    }

    func logSumExp(_ z: UnsafeBufferPointer<S>) -> S {
        guard sums(z, store: false) else { return slow.logSumExp(z) }
        let m = state.m
        let l = W.log1p(s)
        if m == 0 { return l.rounded(to: S.self, scale: 0) }
        let mt = W(m) / temperature
        let v = mt + l
        // log1p(s) carries s's relative error δ, and a sum that cancels by c = |m/T|/|v| multiplies
        // it by up to c + 1: bfloat16's Float lanes (δ < 2⁻¹⁵·³ against a budget of 2⁻⁹) allow
        // c = 2⁴, as Double does; Float16/Float in Double lanes 2⁸.
        let margin = S.isDoubleFormat || state.float_lanes != 0 ? 0x1p-4 : 0x1p-8
        let h = mt.leading
        if !h.isFinite || m.magnitude < 0x1p-900 || (h < 0 && v.leading.magnitude < margin * h.magnitude) {
            return slow.logSumExp(z)
        }
        return v.rounded(to: S.self, scale: 0)
    }

    /// Cross-entropy against class y: returns the loss LSE(z/T) − z_y/T unrounded and, when `out`
    /// is given, writes the gradient g·(softmax(z/T) − onehot(y))/T (g = `factor`).
    func crossEntropy(_ z: UnsafeBufferPointer<S>, target y: Int, factor g: Double, into out: UnsafeMutablePointer<S>?) -> DoubleDouble {
        guard sums(z, store: out != nil, output: out) else {
            return slow.crossEntropyFused(z, .index(y), gradientFactor: g, into: out).plain.doubleDouble
        }
        let k = state.k
        let sum = s
        let l = W.log1p(sum)
        let loss = y == k ? l : l - W.difference(z[y].kernelDouble, state.m) / temperature
        if let out {
            let total = W.one + sum
            let c = W(g) / (total * temperature)
            // c must be a normal Double well inside the range: S·T overflows for T near the format's
            // largest value (c would flush to 0), and a c near the underflow threshold would round
            // the outputs twice. Such rows (huge T, tiny g) take the scalar path, which keeps the
            // exponent of 1/T apart and rounds once.
            let h = c.leading
            // Float lanes (bfloat16) raise x below −104 to −104: exact zeros only while c ≤ 2¹⁶.
            let limit = state.float_lanes != 0 ? 0x1p16 : 0x1p1000
            guard h.isFinite, h.magnitude < limit, h.magnitude > 0x1p-1000 || (h == 0 && g == 0) else {
                _ = slow.crossEntropyFused(z, .index(y), gradientFactor: g, into: out)
                return loss.doubleDouble
            }
            let rest = y == k ? sum : total - storedE(y)
            fixValue = (-(rest * c)).rounded(to: S.self, scale: 0)
            fixAt = out + y
            queueScale(c, out)
        }
        return loss.doubleDouble
    }
}

/// A vector-path engine of the working type the format chooses, so that batch loops need not be
/// generic over it.
enum FastEngine<S: KernelScalar> {
    case double(FastRowEngine<S, Double>)
    case doubleDouble(FastRowEngine<S, DoubleDouble>)

    init(classes: Int, temperature: Double) {
        if S.isDoubleFormat {
            self = .doubleDouble(FastRowEngine(classes: classes, temperature: temperature))
        } else {
            self = .double(FastRowEngine(classes: classes, temperature: temperature))
        }
    }

    func softmax(_ z: UnsafeBufferPointer<S>, into out: UnsafeMutablePointer<S>) {
        switch self {
        case .double(let e): e.softmax(z, into: out)
        case .doubleDouble(let e): e.softmax(z, into: out)
        }
    }

    func logSoftmax(_ z: UnsafeBufferPointer<S>, into out: UnsafeMutablePointer<S>) {
        switch self {
        case .double(let e): e.logSoftmax(z, into: out)
        case .doubleDouble(let e): e.logSoftmax(z, into: out)
        }
    }

    func logSumExp(_ z: UnsafeBufferPointer<S>) -> S {
        switch self {
        case .double(let e): return e.logSumExp(z)
        case .doubleDouble(let e): return e.logSumExp(z)
        }
    }

    func crossEntropy(_ z: UnsafeBufferPointer<S>, target y: Int, factor g: Double, into out: UnsafeMutablePointer<S>?) -> DoubleDouble {
        switch self {
        case .double(let e): return e.crossEntropy(z, target: y, factor: g, into: out)
        case .doubleDouble(let e): return e.crossEntropy(z, target: y, factor: g, into: out)
        }
    }

    /// Tells the engine which row comes next (prefetched meanwhile).
    func setNext(_ row: UnsafeRawPointer?) {
        switch self {
        case .double(let e): e.nextRow = row
        case .doubleDouble(let e): e.nextRow = row
        }
    }

    func finish() {
        switch self {
        case .double(let e): e.finish()
        case .doubleDouble(let e): e.finish()
        }
    }
}
