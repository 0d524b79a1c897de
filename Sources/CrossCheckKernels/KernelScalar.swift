import CrossCheckCore

/// A floating-point type with kernels: `Float16`, `BFloat16`, `Float` and `Double` (one conformance
/// per file, `Float16+Kernel.swift` …). This is the single specialization point of the module: a
/// conformance names its format, and the format chooses the working arithmetic of every kernel
/// (Double for Float16 and Float where nothing cancels, double-double otherwise; see
/// `WorkingArithmetic`). Inputs are converted to Double exactly; every output is rounded once.
public protocol KernelScalar: FormatScalar, CustomStringConvertible {
    /// The value as a Double (exact).
    var kernelDouble: Double { get }
}

extension KernelScalar {
    /// True when the precise (double-double) working arithmetic is the fast one too.
    static var isDoubleFormat: Bool { floatFormat == .float64 }
}
