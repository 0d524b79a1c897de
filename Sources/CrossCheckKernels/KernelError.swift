/// Bad input to a kernel. Every kernel validates all of its input before it writes any output, so
/// a thrown error leaves the caller's output buffers untouched.
public enum KernelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A batch with no rows or rows with no classes.
    case emptyRows
    /// Storage whose length is not rows × classes (or a second operand of another shape).
    case shapeMismatch(what: String, expected: Int, actual: Int)
    /// An output buffer of the wrong length.
    case outputSize(what: String, expected: Int, actual: Int)
    /// T must be finite and > 0.
    case invalidTemperature(Double)
    /// A class index outside 0..<classes (and not the ignore index).
    case targetOutOfRange(row: Int, index: Int, classes: Int)
    /// A soft target that is infinite.
    case nonFiniteTarget(index: Int, value: Double)
    /// A BCE target outside [0, 1].
    case targetOutsideUnitInterval(index: Int, value: Double)
    /// Class weights or pos_weight of the wrong length.
    case weightsLength(what: String, expected: Int, actual: Int)
    /// A weight that is negative, infinite or NaN.
    case invalidWeight(what: String, index: Int, value: Double)
    /// Label smoothing outside [0, 1].
    case invalidLabelSmoothing(Double)
    /// An option that does not apply to these targets (e.g. an ignore index with soft targets).
    case unsupportedOption(String)

    public var description: String {
        switch self {
        case .emptyRows:
            return "empty rows: a batch needs at least one row and one class"
        case let .shapeMismatch(what, expected, actual):
            return "shape mismatch: \(what) has \(actual) elements, expected \(expected)"
        case let .outputSize(what, expected, actual):
            return "output size: \(what) has room for \(actual) values, expected \(expected)"
        case let .invalidTemperature(t):
            return "temperature: must be finite and > 0, got \(t)"
        case let .targetOutOfRange(row, index, classes):
            return "target out of range: row \(row) has class index \(index), not in 0..<\(classes)"
        case let .nonFiniteTarget(index, value):
            return "targets[\(index)]: must be finite (or nan), got \(value)"
        case let .targetOutsideUnitInterval(index, value):
            return "targets[\(index)]: binary cross-entropy needs targets in [0, 1], got \(value)"
        case let .weightsLength(what, expected, actual):
            return "\(what): has \(actual) values, expected one per class (\(expected))"
        case let .invalidWeight(what, index, value):
            return "\(what)[\(index)]: must be finite and ≥ 0, got \(value)"
        case let .invalidLabelSmoothing(e):
            return "label smoothing: must be in [0, 1], got \(e)"
        case let .unsupportedOption(message):
            return "unsupported option: \(message)"
        }
    }
}
