import CrossCheckCore
import _CrossCheckKernelsC

// Mixed precision as frameworks run it (autocast): logits in a narrow format, results in a wider
// one — Float16 or bfloat16 logits with a Float loss, gradient, softmax, log_softmax or LSE.
//
// The inputs are values of the wider format too (Float holds every Float16 and bfloat16 value),
// and each result is a function of those values rounded once to the output format: so a mixed
// call is exactly the output format's call on the widened logits, with the same bounds (1 ulp for
// Float). The logits are widened a block of rows at a time (SIMD, `cck_convert`) into a buffer of
// at most 2¹⁶ outputs' worth (256 KiB of Float: it stays in L2), and each block runs through the
// output format's kernels, vector path included. The wide copy of a whole batch is never made.

extension KernelScalar {
    /// True when every value of this type is a value of `Wide` (Float16, bfloat16 ⊂ Float ⊂ Double).
    static func isWidened<Wide: KernelScalar>(to _: Wide.Type) -> Bool {
        let (a, b) = (floatFormat, Wide.floatFormat)
        return a.precision <= b.precision && a.maximumExponent <= b.maximumExponent
            && a.minimumNormalExponent - a.precision >= b.minimumNormalExponent - b.precision
    }
}

extension LogitsBuffer {
    /// `rows` × `classes` values (no check).
    init(unchecked values: UnsafeBufferPointer<Scalar>, rows: Int, classes: Int) {
        self.values = values
        self.rows = rows
        self.classes = classes
    }
}

extension TargetsBuffer {
    /// The targets of rows `range` (rows of `classes` targets for soft targets).
    func rows(_ range: Range<Int>, classes: Int) -> TargetsBuffer {
        switch self {
        case .classIndices(let y): return .classIndices(UnsafeBufferPointer(rebasing: y[range]))
        case .soft(let t): return .soft(UnsafeBufferPointer(rebasing: t[(range.lowerBound * classes)..<(range.upperBound * classes)]))
        }
    }
}

extension SoftmaxKernels {
    /// Throws unless `Wide` holds every value of `Input`.
    static func checkWidening<Input: KernelScalar, Wide: KernelScalar>(_: Input.Type, to _: Wide.Type) throws(KernelError) {
        guard Input.isWidened(to: Wide.self) else {
            throw .unsupportedOption("\(Input.floatFormat.rawValue) logits with \(Wide.floatFormat.rawValue) results: the results' format must hold every logit")
        }
    }

    /// Calls `body` with the logits as `Wide` values: the buffer itself when the formats agree,
    /// else consecutive blocks of rows widened exactly (each block's rows and their range).
    static func forEachBlock<Input: KernelScalar, Wide: KernelScalar>(
        _ logits: LogitsBuffer<Input>, as _: Wide.Type, threads: Int, _ body: (LogitsBuffer<Wide>, Range<Int>) throws(KernelError) -> Void
    ) throws(KernelError) {
        if let same = logits as? LogitsBuffer<Wide> { return try body(same, 0..<logits.rows) }
        let classes = logits.classes
        // Blocks big enough that the split over threads pays for itself, small enough for L2.
        let blockRows = max(1, (threads == 1 ? 1 << 14 : 1 << 16) / classes)
        let buffer = UnsafeMutableBufferPointer<Wide>.allocate(capacity: min(blockRows, logits.rows) * classes)
        defer { buffer.deallocate() }
        var first = 0
        while first < logits.rows {
            let range = first..<min(first + blockRows, logits.rows)
            let count = range.count * classes
            cck_convert(Input.cFormat, Wide.cFormat, UnsafeRawPointer(logits.values.baseAddress! + first * classes), count, UnsafeMutableRawPointer(buffer.baseAddress!))
            try body(LogitsBuffer(unchecked: UnsafeBufferPointer(rebasing: buffer[0..<count]), rows: range.count, classes: classes), range)
            first = range.upperBound
        }
    }

    /// A mixed-precision row function: checks the pair and the output size, then runs `call` (the
    /// `Wide` kernel) on each widened block with its slice of `out` (`perRow` outputs per row).
    static func widened<Input: KernelScalar, Wide: KernelScalar>(
        _ logits: LogitsBuffer<Input>, temperature: Input, into out: UnsafeMutableBufferPointer<Wide>, perRow: Int, _ what: String, threads: Int,
        _ call: (LogitsBuffer<Wide>, Wide, UnsafeMutableBufferPointer<Wide>, Range<Int>) throws(KernelError) -> Void
    ) throws(KernelError) {
        try checkWidening(Input.self, to: Wide.self)
        try checkTemperature(temperature)
        try checkOutput(out, what, logits.rows * perRow)
        let t = Wide(temperature.kernelDouble)  // exact
        try forEachBlock(logits, as: Wide.self, threads: threads) { (block, range) throws(KernelError) in
            try call(block, t, UnsafeMutableBufferPointer(rebasing: out[(range.lowerBound * perRow)..<(range.upperBound * perRow)]), range)
        }
    }

    /// LSE(z/T) of each row of narrow logits (Float16, bfloat16) into wider outputs (Float),
    /// correctly rounded to the output format within its bound (1 ulp for Float).
    @_specialize(where Input == BFloat16, S == Float)
    @_specialize(where Input == Float16, S == Float)
    public static func logSumExp<Input: KernelScalar, S: KernelScalar>(_ logits: LogitsBuffer<Input>, temperature: Input = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try widened(logits, temperature: temperature, into: out, perRow: 1, "log-sum-exp", threads: threads) { (z, t, o, _) throws(KernelError) in
            try logSumExp(z, temperature: t, into: o, threads: threads)
        }
    }

    /// softmax(z/T) of narrow logits into wider outputs (see `logSumExp(_:temperature:into:threads:)`).
    @_specialize(where Input == BFloat16, S == Float)
    @_specialize(where Input == Float16, S == Float)
    public static func softmax<Input: KernelScalar, S: KernelScalar>(_ logits: LogitsBuffer<Input>, temperature: Input = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try widened(logits, temperature: temperature, into: out, perRow: logits.classes, "softmax", threads: threads) { (z, t, o, _) throws(KernelError) in
            try softmax(z, temperature: t, into: o, threads: threads)
        }
    }

    /// z/T − LSE(z/T) of narrow logits into wider outputs.
    @_specialize(where Input == BFloat16, S == Float)
    @_specialize(where Input == Float16, S == Float)
    public static func logSoftmax<Input: KernelScalar, S: KernelScalar>(_ logits: LogitsBuffer<Input>, temperature: Input = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try widened(logits, temperature: temperature, into: out, perRow: logits.classes, "log-softmax", threads: threads) { (z, t, o, _) throws(KernelError) in
            try logSoftmax(z, temperature: t, into: o, threads: threads)
        }
    }

    /// Cross-entropy of each row of narrow logits into wider outputs (targets in the output format).
    @_specialize(where Input == BFloat16, S == Float)
    @_specialize(where Input == Float16, S == Float)
    public static func crossEntropy<Input: KernelScalar, S: KernelScalar>(_ logits: LogitsBuffer<Input>, targets: TargetsBuffer<S>, temperature: Input = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTargets(targets, rows: logits.rows, classes: logits.classes)
        try widened(logits, temperature: temperature, into: out, perRow: 1, "cross-entropy", threads: threads) { (z, t, o, range) throws(KernelError) in
            try crossEntropy(z, targets: targets.rows(range, classes: logits.classes), temperature: t, into: o, threads: threads)
        }
    }

    /// dCE/dz of narrow logits into wider outputs (targets in the output format).
    @_specialize(where Input == BFloat16, S == Float)
    @_specialize(where Input == Float16, S == Float)
    public static func crossEntropyGradient<Input: KernelScalar, S: KernelScalar>(_ logits: LogitsBuffer<Input>, targets: TargetsBuffer<S>, temperature: Input = 1, into out: UnsafeMutableBufferPointer<S>, threads: Int = 1) throws(KernelError) {
        try checkTargets(targets, rows: logits.rows, classes: logits.classes)
        try widened(logits, temperature: temperature, into: out, perRow: logits.classes, "cross-entropy gradient", threads: threads) { (z, t, o, range) throws(KernelError) in
            try crossEntropyGradient(z, targets: targets.rows(range, classes: logits.classes), temperature: t, into: o, threads: threads)
        }
    }
}
