import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference

extension Catalog {
    /// Checks `implementation` against the catalog, with the MPFR reference as the ground truth:
    /// the "check my kernel" entry point for Swift code (the CLI's `check` does the same, plus a
    /// regression store).
    ///
    /// Each property gets `examples` generated problems from `seed` (default: one per cell of its
    /// stratified generation, then `CheckRunner.randomExamples` more), over the selected functions
    /// and formats; a failure is shrunk to a minimal counterexample (`PropertyOutcome.counterexample`).
    /// Mixed-precision pairs (default: the implementation's `mixedPrecisionPairs`) are checked by
    /// the properties that compare outputs with the reference (`Property.coversMixedPrecision`).
    /// Properties that use none of the selected functions are left out, not counted as passed.
    ///
    /// ```swift
    /// let outcomes = Catalog.check(mine, functions: [.softmax], formats: [.float32])
    /// #expect(outcomes.allSatisfy(\.passed))
    /// ```
    public static func check(
        _ implementation: any SoftmaxImplementation, properties: [Property] = Catalog.all,
        functions: [SoftmaxFunction]? = nil, formats: [FloatFormat]? = nil, mixedPrecisionPairs: [FormatPair]? = nil,
        seed: UInt64 = 1, examples: Int? = nil, maxULP: Double? = nil
    ) -> [PropertyOutcome] {
        let runner = CheckRunner(
            reference: ReferenceImplementation(), seed: seed, examples: examples,
            formats: formats ?? implementation.supportedFormats,
            mixedPrecisionPairs: mixedPrecisionPairs ?? implementation.mixedPrecisionPairs,
            functions: functions, maxULPOverride: maxULP, regressions: nil, saveCounterexamples: false
        )
        let applicable = properties.filter { p in functions.map { fs in p.functions.contains { fs.contains($0) } } ?? true }
        return runner.run(applicable, on: implementation)
    }
}
