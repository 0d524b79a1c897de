import CrossCheckCore

// One row (or one vector of elementwise inputs) by function: the array convenience behind
// `FastPathImplementation`, in the package's one vocabulary (`SoftmaxFunction`, `Target`).

extension SoftmaxKernels {
    /// `function` on one row of logits (or elementwise inputs): one value for a scalar function,
    /// else one per logit. Temperatures apply to row functions only (elementwise ones need T = 1).
    /// A target vector's values are converted to `S` (exactly when they are values of `S`'s format,
    /// as a validated `Problem`'s are).
    ///
    /// Accuracy: within 1 ulp of the correctly rounded result for Float16 and Float, 2 for Double
    /// (`FastPathImplementation.maximumULPError`), for every input; non-finite inputs follow the
    /// limit semantics.
    public static func evaluate<S: KernelScalar>(
        _ function: SoftmaxFunction, logits: [S], temperature: S = 1, target: Target? = nil
    ) throws(KernelError) -> [S] {
        let isElementwise = function.shape == .elementwise
        if function.takesTarget && target == nil {
            throw .unsupportedOption("\(function.rawValue) needs a target")
        }
        if isElementwise {
            if temperature != 1 { throw .unsupportedOption("\(function.rawValue) is elementwise and takes no temperature") }
            if case .classIndex = target { throw .unsupportedOption("\(function.rawValue) needs one target per x, not a class index") }
        }
        var out = [S](repeating: 0, count: function.isScalar ? 1 : logits.count)
        var soft: [S] = []
        var index = [0]
        switch target {
        case .vector(let t): soft = t.map { S($0) }
        case .classIndex(let y): index[0] = y
        case .none: break
        }
        let isSoft = if case .vector = target { true } else { false }
        try logits.withUnsafeBufferPointer { (z) throws(KernelError) in
            try soft.withUnsafeBufferPointer { (t) throws(KernelError) in
                try index.withUnsafeBufferPointer { (y) throws(KernelError) in
                    try out.withUnsafeMutableBufferPointer { (o) throws(KernelError) in
                        if isElementwise {
                            switch function {
                            case .sigmoid: try sigmoid(z, into: o)
                            case .bceWithLogits: try bceWithLogits(z, targets: t, into: o)
                            case .bceWithLogitsGrad: try bceWithLogitsGradient(z, targets: t, into: o)
                            case .mseSigmoid: try mseSigmoid(z, targets: t, into: o)
                            default: try mseSigmoidGradient(z, targets: t, into: o)
                            }
                            return
                        }
                        let targets: TargetsBuffer<S> = isSoft ? .soft(t) : .classIndices(y)
                        try rowFunction(function, try LogitsBuffer(z, rows: 1, classes: z.count), temperature: temperature, targets: targets, into: o)
                    }
                }
            }
        }
        return out
    }

    /// The row function `function` on every row of `logits` into `out` (one value per row for the
    /// scalar functions, rows × classes otherwise): one call of its batch kernel.
    static func rowFunction<S: KernelScalar>(
        _ function: SoftmaxFunction, _ rows: LogitsBuffer<S>, temperature: S, targets: TargetsBuffer<S>, into o: UnsafeMutableBufferPointer<S>
    ) throws(KernelError) {
        switch function {
        case .logsumexp: try logSumExp(rows, temperature: temperature, into: o)
        case .softmax: try softmax(rows, temperature: temperature, into: o)
        case .logSoftmax: try logSoftmax(rows, temperature: temperature, into: o)
        case .crossEntropy: try crossEntropy(rows, targets: targets, temperature: temperature, into: o)
        case .crossEntropyGrad: try crossEntropyGradient(rows, targets: targets, temperature: temperature, into: o)
        case .mseSoftmax: try mseSoftmax(rows, targets: targets, temperature: temperature, into: o)
        case .mseSoftmaxGrad: try mseSoftmaxGradient(rows, targets: targets, temperature: temperature, into: o)
        case let f: throw .unsupportedOption("\(f.rawValue) is elementwise, not a row function")
        }
    }
}
