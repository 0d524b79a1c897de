import CrossCheckCore
// Float: computed in Double (or double-double where results cancel) and rounded once; (z − max)/T
// for Float z and T stays within 2²⁸⁰, far inside Double's range.
extension Float: KernelScalar {
    @inline(__always) public var kernelDouble: Double { Double(self) }
}
