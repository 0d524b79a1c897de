@testable import CrossCheckCore
import Foundation
import Testing

/// The vocabulary on its own: format tables, plain-array calls, typed implementation errors.
@Suite struct VocabularyTests {
    @Test(arguments: FloatFormat.allCases)
    func formatTablesAgreeWithTheirDefinitions(_ format: FloatFormat) {
        // Largest finite, least normal, least subnormal: Swift's types, and the OCP/bfloat16 specifications.
        let known: [FloatFormat: (Double, Double, Double)] = [
            .float16: (Double(Float16.greatestFiniteMagnitude), Double(Float16.leastNormalMagnitude), Double(Float16.leastNonzeroMagnitude)),
            .float32: (Double(Float.greatestFiniteMagnitude), Double(Float.leastNormalMagnitude), Double(Float.leastNonzeroMagnitude)),
            .float64: (.greatestFiniteMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude),
            .bfloat16: (0x1.fep127, 0x1p-126, 0x1p-133),
            .float8E4M3FN: (448, 0x1p-6, 0x1p-9),
            .float8E5M2: (57344, 0x1p-14, 0x1p-16),
        ]
        let (largest, leastNormal, leastNonzero) = known[format]!
        #expect(format.greatestFiniteMagnitude == largest)
        #expect(format.leastNormalMagnitude == leastNormal)
        #expect(format.leastNonzeroMagnitude == leastNonzero)
        #expect(format.value(bitPattern: 0) == 0)
        #expect(format.value(bitPattern: 1) == format.leastNonzeroMagnitude)
        #expect(format.nextUp(format.greatestFiniteMagnitude) == (format.hasInfinities ? .infinity : .nan) || !format.hasInfinities)
        #expect(format.rounded(format.greatestFiniteMagnitude * 2).isNaN == !format.hasInfinities)
    }

    /// The table's own rounding and encoding, run on binary16 and binary32, agree with Swift's
    /// conversions: the machinery every narrower format relies on, checked against a known answer.
    @Test(arguments: [FloatFormat.float16, .float32])
    func gridRoundingAgreesWithSwiftConversions(_ format: FloatFormat) {
        var rng = SplitMix64(seed: 7)
        for k in 0..<200_000 {
            // Values across the whole range, and midpoints between neighbours (ties to even).
            let bits = format.bitWidth == 16 ? rng.next() & 0x7fff : rng.next() & 0x7fff_ffff
            let a = format.value(bitPattern: bits)
            guard a.isFinite else { continue }
            let x = k % 2 == 0 ? a * (1 + Double.random(in: -1e-3...1e-3, using: &rng))
                               : (a + format.nextUp(a)) / 2
            let signed = k % 3 == 0 ? -x : x
            #expect(format.roundedOnGrid(signed).bitPattern == format.rounded(signed).bitPattern, "\(signed)")
        }
    }

    /// A value that is not of the format is rounded to it, never truncated, in every format: an
    /// error of 0.9 ulp is 1 ulp, 0.4 ulp is 0.
    @Test(arguments: FloatFormat.allCases.filter { $0 != .float64 })
    func distancesRoundValuesOutsideTheFormat(_ format: FloatFormat) {
        let one = 1.0, ulp = format.ulp(1)
        #expect(format.ulpDistance(one + 0.9 * ulp, one) == 1)
        #expect(format.ulpDistance(one + 0.45 * ulp, one) == 0 && format.ulpDistance(one - 0.2 * ulp, one) == 0)
        #expect(format.ulpDistance(-(one + 0.9 * ulp), -one) == 1)
        #expect(format.bitPattern(one + 0.9 * ulp) == format.bitPattern(one + ulp))
    }

    @Test(arguments: FloatFormat.allCases.filter { $0.bitWidth <= 16 })
    func encodingIsOrderedAndRoundTrips(_ format: FloatFormat) {
        var previous = -Double.infinity
        for bits in 0..<(UInt64(1) << UInt64(format.bitWidth - 1)) {
            let x = format.value(bitPattern: bits)
            if x.isNaN { continue }
            #expect(format.bitPattern(x) == bits)
            #expect(format.bitPattern(-x) == bits | 1 << UInt64(format.bitWidth - 1))
            #expect(x > previous || (bits == 0))
            #expect(format.ordinal(x) == Int(bits) && format.value(ordinal: Int(bits)) == x)
            #expect(format.represents(x) && format.rounded(x) == x)
            if x.isFinite && x > 0 { #expect(format.ulp(x) == format.nextUp(x) - x || format.nextUp(x).isInfinite || format.nextUp(x).isNaN) }
            previous = x
        }
    }

    @Test func plainArraysGoThroughAnyImplementation() throws {
        // A Swift softmax checked only through the vocabulary: the row in, the row out.
        let mine = SingleFunctionImplementation<Float>(.softmax, name: "mine") { z, t, _ in
            let m = z.max()!
            let e = z.map { expf(($0 - m) / t) }
            let s = e.reduce(0, +)
            return e.map { $0 / s }
        }
        let p = try mine.softmax([0, 0] as [Float])
        #expect(p == [0.5, 0.5])
        #expect(throws: ImplementationError.self) { try mine.evaluate(.logSoftmax, [0, 1] as [Float]) }
        #expect(throws: ProblemError.self) { try mine.softmax([] as [Float]) }
        // Results in Float are not results rounded to bfloat16: a mixed problem is declined.
        let mixed = Problem(function: .softmax, format: .float32, outputFormat: .bfloat16, logits: [0, 1])
        #expect(throws: ImplementationError.self) { try mine.evaluate(mixed) }
    }

    @Test func implementationErrorsAreToldApartByCase() {
        let declined = ImplementationError.declined("no float16")
        #expect(declined.description == "implementation error: no float16")
        #expect(ImplementationError.failed("crashed").description == "crashed")
        // The same message in another case is another error: told apart by case, not by text.
        #expect(ImplementationError.undecided("cap") != .declined("cap"))
        #expect(ImplementationError.failed("cap") != .declined("cap"))
    }
}
