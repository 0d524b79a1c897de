import CrossCheckCore
import CrossCheckKernels
import Testing

/// The kernels' `BFloat16` type against Core's table-driven rounding (`FloatFormat.bfloat16`),
/// which is tested against ml_dtypes.
@Suite("BFloat16")
struct BFloat16Tests {
    let format = FloatFormat.bfloat16

    @Test("every bit pattern converts to Double exactly and back")
    func everyPattern() {
        var mismatches = 0
        for bits in 0...UInt16.max {
            let x = BFloat16(bitPattern: bits)
            let d = x.kernelDouble
            #expect(d.isNaN == x.isNaN)
            if x.isNaN { continue }
            if format.value(bitPattern: UInt64(bits)) != d || BFloat16(d).bitPattern != bits || BFloat16(Float(d)).bitPattern != bits {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }

    /// Midpoints between neighbours and the Doubles and Floats just beside them, at every binade
    /// (subnormals, overflow threshold included): one correct rounding, no double rounding
    /// through Float (Float(d) would land on the midpoint for d just above it).
    @Test("Double and Float conversions round once, to nearest even")
    func rounding() {
        var failures: [String] = []
        var rng = SplitMix64(seed: 0xBF16)
        for _ in 0..<20_000 {
            let bits = UInt16(truncatingIfNeeded: rng.next()) & 0x7F7F
            let a = format.value(bitPattern: UInt64(bits))
            guard format.nextUp(a).isFinite else { continue }
            let mid = (a + format.nextUp(a)) / 2  // exact in Double
            let sign: Double = rng.next() & 1 == 0 ? 1 : -1
            for d in [mid, mid.nextUp, mid.nextDown, mid + mid.ulp * 0x1p20, mid - mid.ulp * 0x1p20, a, a.nextUp] {
                let v = sign * d
                let expected = format.rounded(v)
                if BFloat16(v).kernelDouble != expected { failures.append("Double \(v): \(BFloat16(v)), expected \(expected)") }
                let f = Float(v)
                if Double(f) == v && BFloat16(f).kernelDouble != expected { failures.append("Float \(f)") }
            }
        }
        for v in [0x1.ff8p127, 0x1.ff7fffp127, 0x1p-134, 0x1.0000000001p-134, 0x1p-140, 1e-300, 1e300] {
            for s in [v, -v] where BFloat16(s).kernelDouble != format.rounded(s) {
                failures.append("Double \(s): \(BFloat16(s)), expected \(format.rounded(s))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) wrong: \(failures.prefix(5))")
        #expect(BFloat16(Double.nan).isNaN && BFloat16(-Float.infinity) == -.infinity)
        #expect(BFloat16(-0.0).sign == .minus)
        // Integers round once: 2⁶⁰ + 2⁵² + 1 lies above the midpoint 2⁶⁰ + 2⁵² (Double(·) would
        // round it onto the midpoint, and ties to even would then give 2⁶⁰).
        let integer = (1 << 60) + (1 << 52) + 1
        #expect(BFloat16(integer).kernelDouble == 0x1p60 + 0x1p53)
        #expect(BFloat16(Int64(integer)).kernelDouble == 0x1p60 + 0x1p53)
        let literal: BFloat16 = 1_157_425_104_234_217_473
        #expect(literal.kernelDouble == 0x1p60 + 0x1p53)
    }

    @Test("arithmetic is correctly rounded; the type behaves as a BinaryFloatingPoint")
    func arithmetic() {
        var rng = SplitMix64(seed: 0xA817)
        for _ in 0..<5000 {
            let a = BFloat16(bitPattern: UInt16(truncatingIfNeeded: rng.next()))
            let b = BFloat16(bitPattern: UInt16(truncatingIfNeeded: rng.next()))
            guard a.isFinite, b.isFinite else { continue }
            let (x, y) = (a.kernelDouble, b.kernelDouble)
            // Double sums of two bfloat16 values can round, but 53 ≥ 2·8 + 2 makes the second
            // rounding innocuous; products and quotients likewise.
            #expect((a + b).kernelDouble == format.rounded(x + y))
            #expect((a * b).kernelDouble == format.rounded(x * y))
            if y != 0 { #expect((a / b).kernelDouble == format.rounded(x / y)) }
        }
        #expect(BFloat16(1).nextUp.kernelDouble == 1 + 0x1p-7)
        #expect(BFloat16.greatestFiniteMagnitude.kernelDouble == format.greatestFiniteMagnitude)
        #expect(BFloat16.leastNonzeroMagnitude.kernelDouble == format.leastNonzeroMagnitude)
        #expect(BFloat16(1).ulp.kernelDouble == 0x1p-7)
        #expect(BFloat16(UInt64.max).kernelDouble == 0x1p64 && BFloat16(257).kernelDouble == 256 && BFloat16(259).kernelDouble == 260)
        #expect(BFloat16(exactly: 257) == nil && BFloat16(exactly: 256) == 256)
        #expect([BFloat16(3), 1, 2].sorted() == [1, 2, 3])
        #expect(BFloat16(0.1).description == "0.1")
    }

    /// The README's advice: bfloat16 data held as UInt16 patterns (tensor bytes, ml_dtypes) is
    /// used in place by rebinding the buffer.
    @Test("UInt16 buffers rebound to BFloat16 run the kernels in place")
    func reboundBuffers() throws {
        let values: [BFloat16] = [1, -2, 0.5, 3, 0, -0.25]
        let bits = values.map(\.bitPattern)
        var fromBits = [UInt16](repeating: 0, count: 6)
        try bits.withUnsafeBufferPointer { zb in
            try fromBits.withUnsafeMutableBufferPointer { ob in
                try zb.withMemoryRebound(to: BFloat16.self) { z in
                    try ob.withMemoryRebound(to: BFloat16.self) { try SoftmaxKernels.softmax(LogitsBuffer(z, classes: 3), into: $0) }
                }
            }
        }
        var direct = [BFloat16](repeating: 0, count: 6)
        try values.withUnsafeBufferPointer { z in
            try direct.withUnsafeMutableBufferPointer { try SoftmaxKernels.softmax(LogitsBuffer(z, classes: 3), into: $0) }
        }
        #expect(fromBits == direct.map(\.bitPattern))
        #expect(MemoryLayout<BFloat16>.size == 2 && MemoryLayout<BFloat16>.alignment == 2)
    }
}
