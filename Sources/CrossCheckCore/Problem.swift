/// The targets of a loss: a class index, or one target per logit.
public enum Target: Sendable, Hashable {
    /// A class index y in 0..<classes (a one-hot target vector).
    case classIndex(Int)
    /// A target per logit: soft labels for rows, tᵢ ∈ [0, 1] for elementwise functions.
    case vector([Double])
}

/// One evaluation: a function applied to one row (or one vector of elementwise inputs) in a format.
///
/// Every input number is exactly a value of `format`, carried as a Double; the results are rounded
/// to `outputFormat` (mixed precision as frameworks run it: bfloat16 logits with a float32 loss,
/// float32 logits with FP8 probabilities), which is `format` unless the problem says otherwise. A `Problem` made by the
/// protocol layer has been validated (`validate()`), so implementations can rely on its shape.
public struct Problem: Sendable, Hashable {
    public var function: SoftmaxFunction
    /// The format of the inputs: logits, temperature, targets.
    public var format: FloatFormat
    /// The format the results are rounded to.
    public var outputFormat: FloatFormat
    /// The logits z of a row, or the x values of an elementwise function.
    public var logits: [Double]
    /// T > 0, finite; 1 unless given.
    public var temperature: Double
    public var target: Target?

    public init(
        function: SoftmaxFunction, format: FloatFormat, outputFormat: FloatFormat? = nil,
        logits: [Double], temperature: Double = 1, target: Target? = nil
    ) {
        self.function = function
        self.format = format
        self.outputFormat = outputFormat ?? format
        self.logits = logits
        self.temperature = temperature
        self.target = target
    }

    /// True when the results are rounded to a format other than the inputs'.
    public var isMixedPrecision: Bool { outputFormat != format }

    /// The target vector, with a class index expanded to one-hot.
    public var targetVector: [Double]? {
        switch target {
        case .none: return nil
        case .vector(let t): return t
        case .classIndex(let y):
            var t = [Double](repeating: 0, count: logits.count)
            t[y] = 1
            return t
        }
    }

    /// Throws a `ProblemError` naming the first thing wrong with this problem.
    public func validate() throws(ProblemError) {
        let name = function.name
        if logits.isEmpty { throw ProblemError("logits: must not be empty") }
        if let bad = logits.firstIndex(where: { !format.represents($0) }) {
            throw ProblemError("logits[\(bad)]: \(logits[bad]) is not a \(format.rawValue) value")
        }
        if !(temperature.isFinite && temperature > 0) {
            throw ProblemError("temperature: must be finite and > 0, got \(format.format(temperature))")
        }
        if !format.represents(temperature) {
            throw ProblemError("temperature: \(temperature) is not a \(format.rawValue) value")
        }
        if temperature != 1 && !function.takesTemperature {
            throw ProblemError("temperature: \(name) is elementwise and takes no temperature")
        }
        switch target {
        case .none:
            if function.takesTarget {
                throw ProblemError(function.acceptsClassIndex
                    ? "target: \(name) needs a class index \"target\" or a vector \"targets\""
                    : "targets: \(name) needs \"targets\", one per logit")
            }
        case .classIndex(let y):
            if !function.takesTarget { throw ProblemError("target: \(name) takes no target") }
            if !function.acceptsClassIndex { throw ProblemError("target: \(name) needs \"targets\", one per logit, not a class index") }
            if y < 0 || y >= logits.count {
                throw ProblemError("target: class index \(y) is out of range 0..<\(logits.count)")
            }
        case .vector(let t):
            if !function.takesTarget { throw ProblemError("targets: \(name) takes no targets") }
            if t.count != logits.count {
                throw ProblemError("targets: has \(t.count) values but logits has \(logits.count)")
            }
            if let bad = t.firstIndex(where: { !format.represents($0) }) {
                throw ProblemError("targets[\(bad)]: \(t[bad]) is not a \(format.rawValue) value")
            }
            if let bad = t.firstIndex(where: { $0.isInfinite }) {
                throw ProblemError("targets[\(bad)]: must be finite (or nan), got \(format.format(t[bad]))")
            }
            if function.shape == .elementwise, let bad = t.firstIndex(where: { !$0.isNaN && !(0...1).contains($0) }) {
                throw ProblemError("targets[\(bad)]: \(name) needs targets in [0, 1], got \(format.format(t[bad]))")
            }
        }
    }
}

/// The result of a problem: one number (`logsumexp`, `cross_entropy`, `mse_softmax`) or one per logit.
public enum Answer: Sendable, Hashable {
    case scalar(Double)
    case vector([Double])

    /// The numbers of the answer, in order.
    public var values: [Double] {
        switch self {
        case .scalar(let x): return [x]
        case .vector(let v): return v
        }
    }
}

/// What is wrong with a problem or a request, in words that name the field.
public struct ProblemError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Problem {
    /// The one-input problem of output i of an elementwise problem: its x, and its target if any
    /// (the example an error of output i is shown by: an elementwise output depends on nothing else).
    package func element(_ i: Int) -> Problem {
        Problem(function: function, format: format, outputFormat: outputFormat, logits: [logits[i]],
                target: targetVector.map { .vector([$0[i]]) })
    }
}
