import CrossCheckCore
// Double: computed in double-double with exact shifts (z − max is a double-double without
// error), the exponent of tiny exponentials kept apart (no underflow before the final rounding),
// and (z − max)/T formed from halves when z − max itself overflows.
extension Double: KernelScalar {
    @inline(__always) public var kernelDouble: Double { self }
}
