import ArbitraryPrecision
import CrossCheckCore
import CrossCheckReference
import Testing

/// The MPFR and GMP wrappers free what they allocate. Valgrind's memcheck on the whole golden-vector
/// run is the stronger check (see the README); this one runs in every `swift test`.
@Suite struct MemoryTests {
    /// Copy-on-write copies and temporaries are freed with their last value: counted in-process on
    /// values only this test holds.
    @Test func copiesAndTemporariesAreFreed() {
        var x = MPFloat(2.5, precision: 4096)
        let y = x
        x.withUnsafeMutablePointer { _ = $0 }  // forces a copy: x and y now own separate mpfr_t
        #expect(x.double() == 2.5 && y.double() == 2.5)
        let q = MPRational(1.5) / MPRational(integer: 3)
        #expect(q == MPRational(0.5))
    }

    /// A row longer than the reference's limit is declined with a message, not evaluated; the
    /// limit does not apply to elementwise requests, and a row at the limit is answered.
    @Test func rowsBeyondTheLimitAreDeclined() throws {
        let reference = ReferenceImplementation(maximumLogits: 4)
        let long = Problem(function: .softmax, format: .float32, logits: [1, 2, 3, 4, 5])
        #expect {
            try reference.evaluate(long)
        } throws: { error in
            guard case ImplementationError.declined(let message) = error else { return false }
            return message.contains("5 logits") && message.contains("limit of 4")
        }
        #expect(try reference.evaluate(Problem(function: .softmax, format: .float32, logits: [1, 2, 3, 4])).values.count == 4)
        #expect(try reference.evaluate(Problem(function: .sigmoid, format: .float32, logits: [1, 2, 3, 4, 5])).values.count == 5)
        #expect(ReferenceImplementation().maximumLogits == ReferenceImplementation.defaultMaximumLogits)
    }
}
