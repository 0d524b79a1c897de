import Foundation

/// A small, fast, seedable generator (Steele, Lea & Flood's SplitMix64): every run of the engine
/// is a pure function of its seed, so a seed printed by one run replays it exactly. The package's
/// one random number generator: the property engine, the audit, the benchmarks' batches and the
/// tests all draw from it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent generator for sub-task `index` (same seed, same index → same stream).
    public func fork(_ index: Int) -> SplitMix64 {
        var copy = SplitMix64(seed: state ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03))
        _ = copy.next()
        return copy
    }

    /// An independent generator for the sub-task called `name`: forks by the FNV-1a hash of the
    /// name, which is the same in every process and on every machine (Swift's `hashValue` is not).
    public func fork(_ name: String) -> SplitMix64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return fork(Int(truncatingIfNeeded: h))
    }

    /// True with probability p.
    public mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }

    /// A standard normal deviate (Box–Muller).
    public mutating func gaussian() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
