import ArbitraryPrecision
import CrossCheckCore
import CrossCheckReference
import Testing

/// The MPFR and GMP wrappers free what they allocate: once the values made by a run of the
/// reference are gone, no `mpfr_t` or `mpq_t` is left initialized. (Valgrind's memcheck on a test
/// run is the stronger check; see the README.) Serialized: the counts are process-wide.
@Suite(.serialized) struct MemoryTests {
    @Test func everyHandleIsClearedWithItsLastValue() throws {
        let floatsBefore = MPFloat.liveCount, rationalsBefore = MPRational.liveCount
        do {
            let reference = ReferenceImplementation()
            for i in 0..<200 {
                let x = MPFloat(Double(i) + 0.5, precision: 4096)
                var y = x.exp(precision: 4096)
                y.withUnsafeMutablePointer { _ = $0 }  // forces a copy-on-write copy
                _ = MPFloat.product(x, y, precision: 8192).double()
                _ = (MPRational(Double(i)) / MPRational(integer: 3)).mpFloat(precision: 256)
                _ = try reference.evaluate(Problem(function: .mseSoftmaxGrad, format: .float64, logits: [Double(i), 0, -1e300, 2], target: .classIndex(1)))
            }
            #expect(MPFloat.liveCount >= floatsBefore)
        }
        // Other suites may run concurrently and hold values of their own; ours are all gone, so the
        // count can only have returned to (about) where it was — never grown by thousands.
        #expect(MPFloat.liveCount - floatsBefore < 100, "\(MPFloat.liveCount - floatsBefore) mpfr_t still alive")
        #expect(MPRational.liveCount - rationalsBefore < 100, "\(MPRational.liveCount - rationalsBefore) mpq_t still alive")
    }
}
