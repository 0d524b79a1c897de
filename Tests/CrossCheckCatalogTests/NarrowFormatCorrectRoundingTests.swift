import CrossCheckCatalog
import CrossCheckCore
import CrossCheckKernels
import CrossCheckReference
import Testing

/// The fast elementwise paths of bfloat16 and Float16 are correctly rounded (0 ulp against the
/// MPFR reference) on every input of the format at t = 0, ½ and 1 — the exhaustive sweep that
/// `crosscheck audit --exhaustive --format bfloat16 float16` runs. Before the generic correctly
/// rounded path, bfloat16's bce_with_logits_grad and mse_sigmoid_grad were 1 ulp off at t = ½ for
/// subnormal x (x/4 and x/8 exactly at a midpoint, decided by the Taylor remainder's sign).
@Suite struct NarrowFormatCorrectRoundingTests {
    static let elementwiseSweeps = ExhaustiveSweep.sweeps.filter { $0.function.shape == .elementwise }

    @Test(arguments: [FloatFormat.bfloat16, .float16])
    func everyInputIsCorrectlyRounded(_ format: FloatFormat) {
        let results = ExhaustiveSweep.run(FastPathImplementation(), reference: ReferenceImplementation(), format: format,
                                          sweeps: Self.elementwiseSweeps, threads: 2)
        #expect(results.count == 13)
        for result in results {
            #expect(result.checked == 65_536, "\(result.line)")
            #expect(result.worstULP == 0 && result.wrongNonFinite == 0, "\(result.line)")
        }
    }
}
