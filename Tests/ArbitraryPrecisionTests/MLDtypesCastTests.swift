import ArbitraryPrecision
import CrossCheckCore
import Foundation
import Testing

/// bfloat16 and the OCP 8-bit formats round exactly as the ml_dtypes Python package casts from
/// float64 (Fixtures/formats/ml_dtypes_casts.jsonl, made by generate_casts.py beside it): every
/// finite FP8 value (a sample of bfloat16's), the midpoints between neighbours and the doubles just
/// beside them, values past the largest finite one, below half the least subnormal, ±0, ±inf, NaN.
@Suite struct MLDtypesCastTests {
    /// The MPFR descriptions, written out from the formats' definitions (Google Brain's bfloat16:
    /// binary32's range, 8 bits; OCP E5M2: IEEE-like, largest 57344, least subnormal 2⁻¹⁶; OCP E4M3FN:
    /// no infinities, largest 448, least subnormal 2⁻⁹).
    static let formats: [String: IEEEBinaryFormat] = [
        "bfloat16": IEEEBinaryFormat(precision: 8, emin: -132, emax: 128),
        "float8_e5m2": IEEEBinaryFormat(precision: 3, emin: -15, emax: 16),
        "float8_e4m3fn": IEEEBinaryFormat(precision: 4, emin: -8, emax: 9, finiteLimit: 448),
    ]

    /// Core's table derives the same MPFR descriptions.
    @Test func tableDerivesTheNamedFormats() throws {
        for (name, ieee) in Self.formats {
            #expect(try #require(FloatFormat(rawValue: name)).ieee == ieee, "\(name)")
        }
        #expect(FloatFormat.float16.ieee == .binary16 && FloatFormat.float32.ieee == .binary32 && FloatFormat.float64.ieee == .binary64)
    }

    /// Core's MPFR-free rounding (`FloatFormat.rounded`, on the format's grid) agrees with ml_dtypes too.
    @Test(arguments: ["bfloat16", "float8_e5m2", "float8_e4m3fn"])
    func tableRoundingMatchesMLDtypes(_ name: String) throws {
        let format = try #require(FloatFormat(rawValue: name))
        var wrong: [String] = []
        for c in Self.casts where c.format == name {
            let x = try #require(Double(c.x)), expected = try #require(Double(c.cast))
            if !Self.sameBits(format.rounded(x), expected) { wrong.append("\(c.x): ml_dtypes \(c.cast), rounded \(format.rounded(x))") }
        }
        #expect(wrong.isEmpty, "\(wrong.count) differ, e.g. \(wrong.prefix(5))")
    }

    /// Every value of every format of at most 16 bits prints as a decimal that reads back exactly
    /// (through MPFR's parse), and no shorter decimal would: one digit fewer does not read back.
    @Test(arguments: FloatFormat.allCases.filter { $0.bitWidth <= 16 })
    func everyValuePrintsAndReadsBack(_ format: FloatFormat) throws {
        var wrong: [String] = []
        for bits in 0..<(UInt64(1) << UInt64(format.bitWidth)) {
            let x = format.value(bitPattern: bits)
            let text = format.format(x)
            guard let back = format.parse(text), Self.sameBits(back, x) || (x.isNaN && back.isNaN) else {
                wrong.append("bits \(bits): \(x) printed \(text)"); continue
            }
            if !x.isNaN { #expect(format.bitPattern(x) == bits || x.isNaN, "bits \(bits) of \(format)") }
        }
        #expect(wrong.isEmpty, "\(wrong.count) values of \(format.rawValue) do not read back, e.g. \(wrong.prefix(5))")
    }

    struct Cast: Decodable {
        let format: String
        let x: String
        let cast: String
    }

    static let casts: [Cast] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/formats/ml_dtypes_casts.jsonl")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Cast.self, from: Data($0.utf8)) }
    }()

    static func sameBits(_ a: Double, _ b: Double) -> Bool { a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern }

    @Test(arguments: ["bfloat16", "float8_e5m2", "float8_e4m3fn"])
    func roundingMatchesMLDtypes(_ name: String) throws {
        let format = try #require(Self.formats[name])
        let cases = Self.casts.filter { $0.format == name }
        #expect(cases.count > 400, "the fixture has \(cases.count) lines for \(name)")
        var wrong: [String] = []
        for c in cases {
            let x = try #require(Double(c.x)), expected = try #require(Double(c.cast))
            let rounded = format.round(MPFloat(x, precision: 53))
            let parsed = try #require(format.parse(c.x))
            if !Self.sameBits(rounded, expected) || !Self.sameBits(parsed, expected) {
                wrong.append("\(c.x): ml_dtypes \(c.cast), round \(rounded.description), parse \(parsed.description)")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(cases.count) differ, e.g. \(wrong.prefix(5))")
    }

    @Test func e4m3fnHasNoInfinities() throws {
        let f = FloatFormat.float8E4M3FN.ieee
        #expect(f.parse("448") == 448)
        #expect(f.parse("464") == 448)  // the tie goes to the even 448
        #expect(try #require(f.parse("465")).isNaN)
        #expect(try #require(f.parse("inf")).isNaN)
        #expect(try #require(f.parse("-1e9")).isNaN)
        #expect(FloatFormat.float8E5M2.ieee.parse("61440") == .infinity)  // ties to even: the next is 2^16
        #expect(FloatFormat.bfloat16.ieee.parse("3.3895313892515355e38") == 3.3895313892515355e38)
    }
}
