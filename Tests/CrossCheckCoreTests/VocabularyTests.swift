import CrossCheckCore
import Foundation
import Testing

/// The vocabulary on its own: format tables, plain-array calls, typed implementation errors.
@Suite struct VocabularyTests {
    @Test(arguments: FloatFormat.allCases)
    func formatTablesAgreeWithSwiftTypes(_ format: FloatFormat) {
        let largest = Double(sign: .plus, exponent: format.maximumExponent, significand: 2 - Double(sign: .plus, exponent: 1 - format.precision, significand: 1))
        #expect(largest == format.greatestFiniteMagnitude)
        #expect(Double(sign: .plus, exponent: format.minimumNormalExponent, significand: 1) == format.leastNormalMagnitude)
        #expect(Double(sign: .plus, exponent: format.minimumNormalExponent - format.precision + 1, significand: 1) == format.leastNonzeroMagnitude)
        #expect(format.value(bitPattern: 0) == 0)
        #expect(format.value(bitPattern: 1) == format.leastNonzeroMagnitude)
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
    }

    @Test func implementationErrorsAreToldApartByCase() {
        let declined = ImplementationError.declined("no float16")
        #expect(declined.description == "implementation error: no float16")
        #expect(ImplementationError.failed("crashed").description == "crashed")
        if case .undecided = ImplementationError.undecided("cap") {} else { Issue.record("wrong case") }
    }
}
