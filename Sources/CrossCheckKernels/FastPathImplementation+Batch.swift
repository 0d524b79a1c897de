import CrossCheckCore

extension FastPathImplementation {
    /// Problems of one shape — one row function, one format (not mixed), one row length and
    /// temperature, each valid, with no target or a class index — run as the rows of one call of
    /// the batch kernel (`SoftmaxKernels.softmax(_:temperature:into:)` and the others: the API
    /// a caller with many rows uses). Any other batch, and a batch the kernel refuses, is
    /// evaluated one problem at a time, so that each problem gets its own answer or error.
    public func evaluate(batch problems: [Problem]) -> [Result<Answer, any Error>] {
        let answers: [Answer]?
        switch problems.first?.format {
        case _ where problems.count < 2 || !Self.shareOneShape(problems): answers = nil
        case .float16: answers = Self.rows(problems, as: Float16.self)
        case .float32: answers = Self.rows(problems, as: Float.self)
        case .float64: answers = Self.rows(problems, as: Double.self)
        case .bfloat16: answers = Self.rows(problems, as: BFloat16.self)
        default: answers = nil
        }
        if let answers { return answers.map { .success($0) } }
        return problems.map { p in Result { try evaluate(p) } }
    }

    /// True when every problem is a valid row problem of the first one's shape.
    static func shareOneShape(_ problems: [Problem]) -> Bool {
        let first = problems[0]
        guard first.function.shape == .row, !first.isMixedPrecision else { return false }
        return problems.allSatisfy { p in
            let classTarget = switch p.target {
            case .none, .classIndex: true
            case .vector: false
            }
            return classTarget && p.function == first.function && p.format == first.format && p.outputFormat == first.outputFormat
                && p.logits.count == first.logits.count && p.temperature == first.temperature && (try? p.validate()) != nil
        }
    }

    /// The answers of `problems` (of one shape) from one batch-kernel call in `S`; nil when the
    /// kernel refuses them.
    static func rows<S: KernelScalar>(_ problems: [Problem], as _: S.Type) -> [Answer]? {
        let first = problems[0], count = problems.count, classes = first.logits.count
        let width = first.function.isScalar ? 1 : classes
        var logits: [S] = []
        logits.reserveCapacity(count * classes)
        for p in problems { for z in p.logits { logits.append(S(z)) } }
        let indices = problems.map { p in if case .classIndex(let y) = p.target { y } else { 0 } }
        var out = [S](repeating: 0, count: count * width)
        do throws(KernelError) {
            try logits.withUnsafeBufferPointer { (z) throws(KernelError) in
                try indices.withUnsafeBufferPointer { (y) throws(KernelError) in
                    try out.withUnsafeMutableBufferPointer { (o) throws(KernelError) in
                        try SoftmaxKernels.rowFunction(first.function, try LogitsBuffer(z, rows: count, classes: classes),
                                                       temperature: S(first.temperature), targets: .classIndices(y), into: o)
                    }
                }
            }
        } catch {
            return nil
        }
        return (0..<count).map { r in
            let values = out[(r * width)..<((r + 1) * width)].map(\.kernelDouble)
            return first.function.isScalar ? .scalar(values[0]) : .vector(values)
        }
    }
}
