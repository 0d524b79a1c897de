import ArbitraryPrecision
import Testing

@Suite struct MPFloatTests {
    @Test func arithmeticIsCorrectlyRounded() {
        let one = MPFloat(1.0, precision: 200)
        let e = one.exp(precision: 200)
        #expect(e.double() == 2.718281828459045)
        #expect(MPFloat.quotient(one, MPFloat(3.0), precision: 53).double() == 1.0 / 3.0)
        #expect(MPFloat(1e-300).log1p(precision: 53).double() == 1e-300)
        #expect(MPFloat(0.0).exp(precision: 53).double() == 1)
    }

    @Test func valuesAreCopyOnWrite() {
        let a = MPFloat(2.0, precision: 64)
        var b = a
        b.withUnsafeMutablePointer { _ = mpfrNegateInPlace($0) }
        #expect(a.double() == 2)
        #expect(b.double() == -2)
    }

    @Test func canRoundDecidesOnlyWithEnoughBits() {
        // 1/3 at 200 bits with an error of 2^-190 relative: roundable to 53 bits.
        let third = MPFloat.quotient(MPFloat(1.0), MPFloat(3.0), precision: 200)
        #expect(third.canRoundToNearest(errorBits: 190, precision: 53))
        // An exact midpoint of binary64 with any error is never roundable.
        let midpoint = MPFloat.sum(MPFloat(1.0), MPFloat(0x1p-53), precision: 200)
        #expect(!midpoint.canRoundToNearest(errorBits: 190, precision: 53))
    }

    @Test func exponentRangeIsRestored() {
        let before = (ExponentRange.widestMinimum, ExponentRange.widestMaximum)
        ExponentRange.with(emin: -10, emax: 10) {}
        #expect((ExponentRange.widestMinimum, ExponentRange.widestMaximum) == before)
        let big = ExponentRange.widest { MPFloat(-1e10, precision: 64).exp(precision: 64) }
        #expect(big.isRegular)
    }
}

import CMPFR
private func mpfrNegateInPlace(_ p: UnsafeMutablePointer<__mpfr_struct>) -> Int32 { mpfr_neg(p, p, MPFR_RNDN) }
