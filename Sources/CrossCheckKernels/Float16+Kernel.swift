import CrossCheckCore
// Float16: computed in Double (or double-double where results cancel) and rounded once; Float16
// values, their differences and quotients by a Float16 temperature never leave Double's range.
extension Float16: KernelScalar {
    @inline(__always) public var kernelDouble: Double { Double(self) }
}
