/// The functions of the softmax family, by their protocol names.
///
/// Row functions act on one row of logits z with a temperature T; elementwise functions act on
/// each x independently. Every result is defined exactly (z/T unrounded) and compared after
/// correct rounding to the row's format.
public enum SoftmaxFunction: String, CaseIterable, Sendable, Hashable, Codable {
    /// LSE(z/T) = log Σⱼ exp(zⱼ/T); a scalar.
    case logsumexp
    /// pᵢ = exp(zᵢ/T) / Σⱼ exp(zⱼ/T); a vector.
    case softmax
    /// zᵢ/T − LSE(z/T); a vector.
    case logSoftmax = "log_softmax"
    /// LSE(z/T) − z_y/T, or Σᵢ tᵢ(LSE(z/T) − zᵢ/T) with terms tᵢ = 0 omitted; a scalar.
    case crossEntropy = "cross_entropy"
    /// ((Σt)·pᵢ − tᵢ)/T, with t one-hot for a class index; a vector.
    case crossEntropyGrad = "cross_entropy_grad"
    /// Σᵢ (pᵢ − tᵢ)²; a scalar.
    case mseSoftmax = "mse_softmax"
    /// 2pⱼ((pⱼ − tⱼ) − Σᵢ(pᵢ − tᵢ)pᵢ)/T; a vector.
    case mseSoftmaxGrad = "mse_softmax_grad"
    /// σ(x) = 1/(1 + e⁻ˣ), elementwise.
    case sigmoid
    /// softplus(x) − t·x = log(1 + eˣ) − t·x, elementwise.
    case bceWithLogits = "bce_with_logits"
    /// σ(x) − t, elementwise.
    case bceWithLogitsGrad = "bce_with_logits_grad"
    /// (σ(x) − t)², elementwise.
    case mseSigmoid = "mse_sigmoid"
    /// 2(σ(x) − t)σ(x)(1 − σ(x)), elementwise.
    case mseSigmoidGrad = "mse_sigmoid_grad"

    /// The protocol name.
    public var name: String { rawValue }

    /// What the function acts on.
    public enum Shape: Sendable, Hashable {
        /// One row of logits with a temperature.
        case row
        /// Each x on its own.
        case elementwise
    }

    public var shape: Shape {
        switch self {
        case .sigmoid, .bceWithLogits, .bceWithLogitsGrad, .mseSigmoid, .mseSigmoidGrad: return .elementwise
        default: return .row
        }
    }

    /// True when the result is one number per row (false: one per logit).
    public var isScalar: Bool {
        switch self {
        case .logsumexp, .crossEntropy, .mseSoftmax: return true
        default: return false
        }
    }

    /// True when the function needs targets: a class index or a target vector for rows, a target
    /// per x for elementwise functions.
    public var takesTarget: Bool {
        switch self {
        case .logsumexp, .softmax, .logSoftmax, .sigmoid: return false
        default: return true
        }
    }

    /// True when a class index (`target`) is accepted, not only a vector (`targets`).
    public var acceptsClassIndex: Bool { shape == .row && takesTarget }

    /// True when a temperature is accepted (row functions only).
    public var takesTemperature: Bool { shape == .row }
}
