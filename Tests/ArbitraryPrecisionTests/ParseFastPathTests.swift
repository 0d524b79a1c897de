@testable import ArbitraryPrecision
import Foundation
import Testing

/// `parse` reads plain decimals with `Double(String)` and one more rounding, and sends the cases
/// where that could round twice (a Double exactly on a midpoint of the narrower format, overflow)
/// to MPFR. It must agree with the MPFR-only path everywhere, above all next to midpoints.
@Suite struct ParseFastPathTests {
    /// Decimal texts at, just below and just above the midpoints of a format, plus its edges.
    static func hardTexts(_ format: IEEEBinaryFormat, count: Int) -> [String] {
        var g = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "1", "65504", "65519.99", "65520", "65520.0000001", "3.4028235677973366e38",
                     "3.4028235677973362e38", "1e-46", "7.006492321624085e-46", "7.0064923216240862e-46",
                     "2.98023223876953125e-08", "2.98023223876953125000001e-08", "1e400", "1e-400", "4.9e-324"]
        for _ in 0..<count {
            // A midpoint m between two neighbours of the format, printed exactly (it is a Double).
            let neighbour: Double
            if format.precision == 11 {
                neighbour = Double(Float16(bitPattern: UInt16.random(in: 0..<0x7BFF, using: &g)))
                let m = (neighbour + Double(Float16(neighbour).nextUp)) / 2
                texts += variants(m)
            } else {
                neighbour = Double(Float(bitPattern: UInt32.random(in: 0..<0x7F7F_FFFF, using: &g)))
                let m = (neighbour + Double(Float(neighbour).nextUp)) / 2
                texts += variants(m)
            }
        }
        return texts + texts.map { "-" + $0 }
    }

    /// m exactly, and decimals a hair below and above it (beyond Double's precision).
    static func variants(_ m: Double) -> [String] {
        let exact = String(format: "%.60g", m)  // every binary fraction has a finite decimal expansion
        var texts = [exact, String(format: "%.17g", m), "\(m)", String(format: "%.25e", m.nextDown), String(format: "%.25e", m.nextUp)]
        if !exact.contains("e") {
            // Digits beyond the exact expansion: a hair above m, which Double rounds back onto m.
            texts.append(exact + (exact.contains(".") ? "" : ".") + "0000000000000000000001")
        }
        return texts
    }

    @Test("fast path equals MPFR", arguments: [IEEEBinaryFormat.binary16, .binary32, .binary64])
    func agrees(format: IEEEBinaryFormat) {
        var mismatches = 0
        for text in Self.hardTexts(format, count: 3000) {
            let fast = format.parse(text), slow = format.parseWithMPFR(text)
            let same = fast?.bitPattern == slow?.bitPattern || (fast?.isNaN == true && slow?.isNaN == true)
            if !same {
                mismatches += 1
                if mismatches < 5 { Issue.record("\(text): parse \(String(describing: fast)), MPFR \(String(describing: slow))") }
            }
        }
        #expect(mismatches == 0)
    }

    @Test("the fast path takes plain decimals only")
    func grammar() {
        let f = IEEEBinaryFormat.binary32
        for text in ["1", "-1.5", "+2", ".5", "5.", "1e5", "1E-5", "-0.0e+0"] { #expect(f.parsePlainDecimal(text) != nil, "\(text)") }
        for text in ["0x1p3", "inf", "nan", "1e", "1e+", "e5", ".", "-", "1.2.3", "1e5.0", "1_0", " 1", "١"] {
            #expect(f.parsePlainDecimal(text) == nil, "\(text)")
        }
        // A Double exactly on a binary16 midpoint goes to MPFR (which sees the digits beyond it).
        #expect(IEEEBinaryFormat.binary16.parsePlainDecimal("1.00048828125") == nil)
        #expect(IEEEBinaryFormat.binary16.parse("1.000488281250000000001") == 1 + 0x1p-10)
    }
}
