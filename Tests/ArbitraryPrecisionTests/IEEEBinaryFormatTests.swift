import ArbitraryPrecision
import Testing

@Suite struct IEEEBinaryFormatTests {
    @Test func parsesWithoutDoubleRounding() {
        // 1 + 2⁻¹¹ + 10⁻¹⁷ lies just above the binary16 midpoint between 1 and 1 + 2⁻¹⁰.
        #expect(IEEEBinaryFormat.binary16.parse("1.00048828125000001") == 1 + 0x1p-10)
        // Exactly the midpoint: ties to even.
        #expect(IEEEBinaryFormat.binary16.parse("1.00048828125") == 1)
        // Just above half the smallest subnormal (2⁻²⁵) rounds up to 2⁻²⁴, not to 0.
        #expect(IEEEBinaryFormat.binary16.parse("2.98023223876953125000001e-08") == 0x1p-24)
        #expect(IEEEBinaryFormat.binary16.parse("2.98023223876953125e-08") == 0)
        #expect(IEEEBinaryFormat.binary16.parse("65519.99") == 65504)
        #expect(IEEEBinaryFormat.binary16.parse("65520") == .infinity)
        #expect(IEEEBinaryFormat.binary32.parse("0x1.8p+3") == 12)
        #expect(IEEEBinaryFormat.binary32.parse("1e-46") == 0)
        #expect(IEEEBinaryFormat.binary32.parse("-1e-45") == -Double(Float.leastNonzeroMagnitude))
        #expect(IEEEBinaryFormat.binary64.parse("0.1") == 0.1)
        #expect(IEEEBinaryFormat.binary64.parse("4.9406564584124654e-324") == Double.leastNonzeroMagnitude)
        #expect(IEEEBinaryFormat.binary64.parse("1e400") == .infinity)
        #expect(IEEEBinaryFormat.binary64.parse("-inf") == -.infinity)
        #expect(IEEEBinaryFormat.binary64.parse("NaN")!.isNaN)
        #expect(IEEEBinaryFormat.binary64.parse("-0")!.sign == .minus)
    }

    @Test func rejectsWhatIsNotANumber() {
        for bad in ["", " 1", "1 ", "abc", "1.5x", "0x", "--1", "1e", "infinite", "1,5", "٣"] {
            #expect(IEEEBinaryFormat.binary32.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func roundingAgreesWithSwiftOnExactDoubles() {
        // Swift's Float16(Double) and Float(Double) are correctly rounded; compare on many Doubles,
        // including midpoints and subnormal results.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let bits = (state >> 1) & 0x3FFF_FFFF_FFFF_FFFF
            var x = Double(bitPattern: bits ^ 0x3000_0000_0000_0000)
            if state & 1 == 1 { x = -x }
            guard x.isFinite else { continue }
            let m = MPFloat(x)
            let h = IEEEBinaryFormat.binary16.round(m)
            let f = IEEEBinaryFormat.binary32.round(m)
            #expect(h.bitPattern == Double(Float16(x)).bitPattern, "\(x)")
            #expect(f.bitPattern == Double(Float(x)).bitPattern, "\(x)")
        }
    }

    @Test func rationalRoundingIsCorrect() {
        // 1/3 in binary16: 0x1.554p-2.
        let third = MPRational(integer: 1) / MPRational(integer: 3)
        #expect(IEEEBinaryFormat.binary16.round(third) == Double(Float16(1.0 / 3.0)))
        #expect(IEEEBinaryFormat.binary64.round(third) == 1.0 / 3.0)
        // An exact midpoint rounds to even, a hair above it rounds up.
        let mid = MPRational(1) + MPRational(0x1p-11)
        #expect(IEEEBinaryFormat.binary16.round(mid) == 1)
        let above = mid + MPRational(integer: 1) / MPRational(integer: 3_000_000_000_000)
        #expect(IEEEBinaryFormat.binary16.round(above) == 1 + 0x1p-10)
    }
}
