// One row (or one vector of elementwise inputs) by function name: the array convenience that the
// protocol adapter and the accuracy tests share.

/// The functions of the softmax family (the protocol's names as raw values).
public enum KernelFunction: String, CaseIterable, Sendable, Hashable {
    case logsumexp, softmax
    case logSoftmax = "log_softmax"
    case crossEntropy = "cross_entropy"
    case crossEntropyGrad = "cross_entropy_grad"
    case mseSoftmax = "mse_softmax"
    case mseSoftmaxGrad = "mse_softmax_grad"
    case sigmoid
    case bceWithLogits = "bce_with_logits"
    case bceWithLogitsGrad = "bce_with_logits_grad"
    case mseSigmoid = "mse_sigmoid"
    case mseSigmoidGrad = "mse_sigmoid_grad"

    /// True for sigmoid and the BCE/MSE-of-sigmoid functions (no temperature, one target per x).
    public var isElementwise: Bool {
        switch self {
        case .sigmoid, .bceWithLogits, .bceWithLogitsGrad, .mseSigmoid, .mseSigmoidGrad: return true
        default: return false
        }
    }

    /// True when the result is one number (logsumexp, cross_entropy, mse_softmax).
    public var isScalar: Bool { self == .logsumexp || self == .crossEntropy || self == .mseSoftmax }

    /// True when the function needs targets.
    public var takesTarget: Bool { !(self == .logsumexp || self == .softmax || self == .logSoftmax || self == .sigmoid) }
}

/// The target of one row: a class index, or one value per logit.
public enum RowTarget<Scalar: KernelScalar>: Sendable, Hashable {
    case classIndex(Int)
    case vector([Scalar])
}

extension SoftmaxKernels {
    /// `function` on one row of logits (or elementwise inputs): one value for a scalar function,
    /// else one per logit. Temperatures apply to row functions only (elementwise ones need T = 1).
    public static func evaluate<S: KernelScalar>(
        _ function: KernelFunction, logits: [S], temperature: S = 1, target: RowTarget<S>? = nil
    ) throws(KernelError) -> [S] {
        if function.takesTarget && target == nil {
            throw .unsupportedOption("\(function.rawValue) needs a target")
        }
        if function.isElementwise {
            if temperature != 1 { throw .unsupportedOption("\(function.rawValue) is elementwise and takes no temperature") }
            if case .classIndex = target { throw .unsupportedOption("\(function.rawValue) needs one target per x, not a class index") }
        }
        var out = [S](repeating: 0, count: function.isScalar ? 1 : logits.count)
        var soft: [S] = []
        var index = [0]
        switch target {
        case .vector(let t): soft = t
        case .classIndex(let y): index[0] = y
        case .none: break
        }
        let isSoft = if case .vector = target { true } else { false }
        try logits.withUnsafeBufferPointer { (z) throws(KernelError) in
            try soft.withUnsafeBufferPointer { (t) throws(KernelError) in
                try index.withUnsafeBufferPointer { (y) throws(KernelError) in
                    try out.withUnsafeMutableBufferPointer { (o) throws(KernelError) in
                        if function.isElementwise {
                            switch function {
                            case .sigmoid: try sigmoid(z, into: o)
                            case .bceWithLogits: try bceWithLogits(z, targets: t, into: o)
                            case .bceWithLogitsGrad: try bceWithLogitsGradient(z, targets: t, into: o)
                            case .mseSigmoid: try mseSigmoid(z, targets: t, into: o)
                            default: try mseSigmoidGradient(z, targets: t, into: o)
                            }
                            return
                        }
                        let rows = try LogitsBuffer(z, rows: 1, classes: z.count)
                        let targets: TargetsBuffer<S> = isSoft ? .soft(t) : .classIndices(y)
                        switch function {
                        case .logsumexp: try logSumExp(rows, temperature: temperature, into: o)
                        case .softmax: try softmax(rows, temperature: temperature, into: o)
                        case .logSoftmax: try logSoftmax(rows, temperature: temperature, into: o)
                        case .crossEntropy: try crossEntropy(rows, targets: targets, temperature: temperature, into: o)
                        case .crossEntropyGrad: try crossEntropyGradient(rows, targets: targets, temperature: temperature, into: o)
                        case .mseSoftmax: try mseSoftmax(rows, targets: targets, temperature: temperature, into: o)
                        default: try mseSoftmaxGradient(rows, targets: targets, temperature: temperature, into: o)
                        }
                    }
                }
            }
        }
        return out
    }
}
