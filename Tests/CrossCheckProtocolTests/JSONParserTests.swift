import CrossCheckCore
import CrossCheckProtocol
import Foundation
import Testing

/// The protocol's JSON parser: what RFC 8259 allows, what it does not, and agreement with
/// Foundation's parser on every value type.
@Suite struct JSONParserTests {
    @Test("values of every type, escapes and nesting")
    func values() throws {
        let v = try JSONValue.parse(#" {"a": [1, -0, 2.5, -1e-3, 1E+2, 12345678901234567890, true, false, null], "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00y", "o": {}, "e": []} "#)
        guard case .object(let f) = v else { Issue.record("not an object"); return }
        #expect(f["a"] == .array([.integer(1), .integer(0), .number(2.5), .number(-1e-3), .number(100), .number(12345678901234567890), .bool(true), .bool(false), .null]))
        #expect(f["s"] == .string("x\"\\/\u{8}\u{c}\n\r\té😀y"))
        #expect(f["o"] == .object([:]))
        #expect(f["e"] == .array([]))
    }

    @Test("malformed text is an error naming the place", arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc",
        "\"a\u{1}b\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00x\"", "[1] 2", "{'a': 1}", "NaN", "[1 2]",
    ])
    func malformed(text: String) {
        #expect(throws: ProblemError.self) { try JSONValue.parse(text) }
        do { _ = try JSONValue.parse(text) } catch { #expect(error.message.hasPrefix("malformed JSON: ")) }
    }

    @Test("nesting beyond the limit is an error, not a crash")
    func deepNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: ProblemError.self) { try JSONValue.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect((try? JSONValue.parse(fine)) != nil)
    }

    /// (Foundation's JSONSerialization on Linux is not correctly rounded: reading the same texts it
    /// was off by up to several ulps, which is why the check is against round trips and strtod.)
    @Test("numbers are read correctly rounded")
    func numbersCorrectlyRounded() throws {
        var g = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let x = Double(bitPattern: g.next() & 0x7FEF_FFFF_FFFF_FFFF) * (Bool.random(using: &g) ? 1 : -1)
            for text in ["\(x)", String(format: "%.17g", x)] {
                let read: Double
                switch try? JSONValue.parse(text) {
                case .number(let d)?: read = d
                case .integer(let i)?: read = Double(i)  // an integral x below 2⁶³, exactly
                default: Issue.record("\(text) not a number"); continue
                }
                #expect(read == x, "\(text)")
            }
            let short = String(format: "%.3e", x)
            guard case .number(let read)? = try? JSONValue.parse(short) else { Issue.record("\(short) not a number"); continue }
            #expect(read == strtod(short, nil), "\(short)")
        }
    }
}
