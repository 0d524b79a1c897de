import CrossCheckCore
// bfloat16: computed in Double (or double-double where results cancel) and rounded once, like
// Float16 and Float; bfloat16 has Float's exponent range, so (z − max)/T stays within 2²⁸⁰.
extension BFloat16: KernelScalar {
    @inline(__always) public var kernelDouble: Double { Double(float) }
}
