/// The binary formats the kernels serve.
public enum KernelFormat: String, Sendable, Hashable, CaseIterable {
    case float16, float32, float64

    /// Bits of significand: 11, 24, 53.
    public var precision: Int {
        switch self {
        case .float16: return 11
        case .float32: return 24
        case .float64: return 53
        }
    }
}

/// A floating-point type with kernels: `Float16`, `Float` and `Double` (one conformance per file,
/// `Float16+Kernel.swift` …). This is the single specialization point of the module: a
/// conformance names its format, and the format chooses the working arithmetic of every kernel
/// (Double for Float16 and Float where nothing cancels, double-double otherwise; see
/// `WorkingArithmetic`). Inputs are converted to Double exactly; every output is rounded once.
public protocol KernelScalar: BinaryFloatingPoint, Sendable, CustomStringConvertible {
    /// The format of this type.
    static var kernelFormat: KernelFormat { get }
    /// The value as a Double (exact).
    var kernelDouble: Double { get }
}

extension KernelScalar {
    /// True when the precise (double-double) working arithmetic is the fast one too.
    static var isDoubleFormat: Bool { kernelFormat == .float64 }
}
