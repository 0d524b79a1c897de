import CrossCheckCore
import CrossCheckProtocol
import CrossCheckProperties
import Foundation
import Testing

@Suite struct GeneratorTests {
    @Test func sameSeedSameProblems() {
        let g = ProblemGenerator(maxClasses: 256)
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        for f in SoftmaxFunction.allCases {
            for format in FloatFormat.allCases {
                // Compared as request lines: NaN ≠ NaN in Problem's ==.
                #expect(ProtocolCodec.encodeRequest(g.problem(f, format, &a)) == ProtocolCodec.encodeRequest(g.problem(f, format, &b)))
            }
        }
    }

    @Test(arguments: FloatFormat.allCases)
    func everyRowIsValidAndEveryKindAppears(_ format: FloatFormat) throws {
        let g = ProblemGenerator(maxClasses: 2048)
        var rng = SplitMix64(seed: 7)
        for kind in RowKind.allCases {
            for f in SoftmaxFunction.allCases {
                let p = g.problem(f, format, kind: kind, &rng)
                try p.validate()
                if kind == .nan && f.shape == .row { #expect(p.logits.contains { $0.isNaN }) }
                if kind == .multiplePlusInfinity && f.shape == .row {
                    // float8_e4m3fn has no infinities: the +inf entries are its NaN.
                    #expect(format.hasInfinities ? p.logits.count { $0 == .infinity } >= 2 : p.logits.count { $0.isNaN } >= 2)
                }
                if kind == .long && f.shape == .row { #expect(p.logits.count >= 1024) }
            }
        }
    }

    @Test(arguments: FloatFormat.allCases)
    func edgeValuesReachTheFormatsEdges(_ format: FloatFormat) {
        let m = EdgeValues(format).magnitudes
        #expect(m.contains(format.greatestFiniteMagnitude))
        #expect(m.contains(format.leastNonzeroMagnitude))
        #expect(m.contains(format.leastNormalMagnitude))
        #expect(m.contains(0))
        // exp(log(max)) is finite, exp of the next value up overflows (in Double terms, roughly).
        let t = EdgeValues(format).expOverflowThreshold
        #expect(abs(t - Foundation.log(format.greatestFiniteMagnitude)) <= max(0.05, format.ulp(t) / 2))
        var rng = SplitMix64(seed: 1)
        let g = ProblemGenerator()
        let drawn = (0..<2000).map { _ in g.edge(format, &rng).magnitude }
        #expect(Set(drawn).isSuperset(of: [format.greatestFiniteMagnitude, format.leastNonzeroMagnitude, 0]))
    }
}

@Suite struct ShrinkerTests {
    @Test func shrinksToAMinimalCounterexample() {
        // "Fails" whenever some logit exceeds 100 — the minimal counterexample is one logit, small and round.
        let p = Problem(function: .softmax, format: .float64, logits: [3.25, -7.5, 1234.5678, 0.125, 99], temperature: 0.37)
        let (small, _) = Shrinker().shrink(p) { $0.logits.contains { $0 > 100 } }
        #expect(small.logits.count == 1)
        #expect(small.temperature == 1)
        #expect(small.logits[0] > 100 && small.logits[0] <= 1234.5678)
        #expect(small.logits[0] == small.logits[0].rounded(), "shrinks toward an integer: \(small.logits[0])")
    }

    @Test func keepsTheClassIndexConsistent() {
        let p = Problem(function: .crossEntropy, format: .float64, logits: [1, 2, 3, 4, 5, 6], target: .classIndex(4))
        let (small, _) = Shrinker().shrink(p) { q in
            guard case .classIndex(let y) = q.target else { return false }
            return q.logits[y] == 5  // fails while the target logit is the 5
        }
        #expect(small.logits == [5])
        #expect(small.target == .classIndex(0))
    }
}

@Suite struct RegressionStoreTests {
    @Test func savesOnceAndReplaysFirst() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-regressions-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = RegressionStore(directory: dir)
        let p = Problem(function: .crossEntropyGrad, format: .float16, logits: [0, 1], target: .classIndex(0))
        #expect(try store.save(p, for: "accuracy"))
        #expect(try !store.save(p, for: "accuracy"))
        #expect(try store.problems(for: "accuracy") == [p])
        #expect(try store.problems(for: "never-failed").isEmpty)
    }

    @Test func anUnreadableLineIsAnErrorNamingIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-regressions-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("{\"function\":\"softmax\",\"format\":\"float32\",\"logits\":[\"1\"]}\nnot json\n".utf8)
            .write(to: dir.appendingPathComponent("limits.jsonl"))
        #expect(throws: RegressionStoreError.self) { try RegressionStore(directory: dir).problems(for: "limits") }
        do { _ = try RegressionStore(directory: dir).problems(for: "limits") } catch {
            #expect(error.path.hasSuffix("limits.jsonl:2"), "\(error)")
        }
        // A store that is a file, not a directory.
        let file = dir.appendingPathComponent("limits.jsonl")
        #expect(throws: RegressionStoreError.self) { try RegressionStore(directory: file).validate() }
    }

    @Test func aStoreThatExistsButCannotBeReadIsNeverOverwritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-regressions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = RegressionStore(directory: dir)
        let p = Problem(function: .softmax, format: .float32, logits: [1, 2])
        // Not UTF-8: stored lines that cannot be read, which a rewrite would lose.
        let garbled = Data([0x7b, 0xff, 0xfe, 0x7d, 0x0a])
        let file = dir.appendingPathComponent("limits.jsonl")
        try garbled.write(to: file)
        #expect { try store.save(p, for: "limits") } throws: { error in
            let e = error as? RegressionStoreError
            return e?.path == file.path && e?.reason.hasPrefix("cannot be read") == true
        }
        #expect(try Data(contentsOf: file) == garbled, "the unreadable store was rewritten")
        // A directory where the file should be: an error, and still a directory.
        let directoryInTheWay = dir.appendingPathComponent("accuracy.jsonl")
        try FileManager.default.createDirectory(at: directoryInTheWay, withIntermediateDirectories: true)
        #expect(throws: RegressionStoreError.self) { try store.save(p, for: "accuracy") }
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directoryInTheWay.path, isDirectory: &isDirectory) && isDirectory.boolValue)
        // A save next to them works, and leaves no temporary file behind.
        #expect(try store.save(p, for: "distribution"))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["accuracy.jsonl", "distribution.jsonl", "limits.jsonl"], "\(names)")
    }

    @Test func crlfFilesReplayAndBrokenLinesAndFailedSavesAreReported() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-regressions-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let good = #"{"function":"softmax","format":"float32","logits":["1","2"]}"#
        let second = #"{"function":"softmax","format":"float32","logits":["3"]}"#
        let file = dir.appendingPathComponent("limits.jsonl")
        try Data("\(good)\r\n\(second)\r\n".utf8).write(to: file)
        let store = RegressionStore(directory: dir)
        #expect(try store.problems(for: "limits").count == 2)  // CRLF lines replay
        struct Half: SoftmaxImplementation {
            let name = "half"
            func evaluate(_ problem: Problem) throws -> Answer { .vector(problem.logits.map { _ in 0.5 }) }
        }
        let holding = Property(name: "limits", summary: "holds", functions: [.softmax]) { _, _ in }
        let replay = CheckRunner(reference: Half(), seed: 1, examples: 1, formats: [.float32], regressions: store).run(holding, on: Half())
        #expect(replay.replayed == 2 && replay.passed)
        // A broken line is an error naming FILE:LINE, and the property says it could not replay.
        try Data("\(good)\r\nbroken\r\n".utf8).write(to: file)
        do { _ = try store.problems(for: "limits"); Issue.record("a broken line was accepted") } catch {
            #expect(error.path == file.path + ":2", "\(error)")
        }
        let broken = CheckRunner(reference: Half(), seed: 1, examples: 1, formats: [.float32], regressions: store).run(holding, on: Half())
        #expect(!broken.passed && broken.message?.contains("cannot replay") == true, "\(broken.summaryLine)")
        // A save that fails is reported with the counterexample.
        let failing = Property(name: "never", summary: "fails", functions: [.softmax]) { _, _ in throw PropertyFailure("never holds") }
        let blocked = RegressionStore(directory: file)  // a file, not a directory
        let outcome = CheckRunner(reference: Half(), seed: 1, examples: 1, formats: [.float32], regressions: blocked).run(failing, on: Half())
        #expect(!outcome.passed)
        if case .failed? = outcome.storage {} else { Issue.record("save failure not reported: \(String(describing: outcome.storage))") }
        #expect(outcome.summaryLine.contains("could not be saved"), "\(outcome.summaryLine)")
    }
}

/// An implementation that becomes unusable (as an external one that hung) after some evaluations.
final class Retiring: SoftmaxImplementation, @unchecked Sendable {
    let name = "retiring"
    private let lock = NSLock()
    private var left: Int
    init(after evaluations: Int) { left = evaluations }
    var reason: String? { lock.withLock { left <= 0 ? "hung (not started again)" : nil } }
    func evaluate(_ problem: Problem) throws -> Answer {
        try lock.withLock {
            left -= 1
            if left < 0 { throw ImplementationError.failed("hung (not started again)") }
        }
        return .vector(problem.logits.map { _ in 0 })
    }
}

@Suite struct UnusableImplementationTests {
    @Test(arguments: [1, 4])
    func aRetiredImplementationIsNeitherShrunkNorSavedAndStopsTheRun(after evaluations: Int) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-regressions-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let subject = Retiring(after: evaluations)
        let fails = Property(name: "wrong", summary: "fails on rows of 2+", functions: [.softmax], generate: { _, _, format, _ in
            Problem(function: .softmax, format: format, logits: [1, 2, 3, 4, 5, 6, 7, 8])
        }) { p, context in
            _ = try context.implementation.evaluate(p)
            if p.logits.count > 1 { throw PropertyFailure("wrong") }
        }
        let runner = CheckRunner(reference: subject, seed: 1, examples: 3, formats: [.float32],
                                 regressions: RegressionStore(directory: dir), unusable: { subject.reason })
        let outcomes = runner.run([fails, fails], on: subject)
        #expect(outcomes.count == 1, "the run stops")
        #expect(outcomes[0].message?.contains("hung") == true, "\(outcomes[0].summaryLine)")
        #expect(outcomes[0].counterexample?.logits.count == 8, "not shrunk")
        #expect(!FileManager.default.fileExists(atPath: dir.path), "not saved")
    }
}

/// Stratified generation: each cell's problem is of its kind and shape, on purpose.
@Suite struct StratifiedGenerationTests {
    @Test(arguments: FloatFormat.ieeeFormats)
    func everyCellDrawsAValidProblemOfItsKindAndShape(_ format: FloatFormat) throws {
        let g = ProblemGenerator(maxClasses: 2048)
        let cells = CoverageCell.cells(functions: SoftmaxFunction.allCases, formats: [format], kinds: RowKind.allCases, shapes: TargetShape.allCases)
        for cell in cells {
            for k in 0..<3 {
                var rng = SplitMix64(seed: 11).fork(cell.description).fork(k)
                let p = g.problem(cell, &rng)
                try p.validate()
                #expect(cell.mismatch(p) == nil, "\(cell): \(cell.mismatch(p) ?? "")")
            }
        }
    }

    @Test func aConfidentRowGetsItsArgmaxAsClassIndexOften() {
        let g = ProblemGenerator(maxClasses: 64)
        var hits = 0
        for k in 0..<200 {
            var rng = SplitMix64(seed: 5).fork(k)
            let p = g.problem(.crossEntropy, .float64, kind: .dominant, targetShape: .classIndex, &rng)
            if case .classIndex(let y) = p.target, p.logits[y] == p.logits.max() { hits += 1 }
        }
        #expect(hits > 80, "\(hits) of 200")
    }
}

/// Outcomes say what happened: inconclusive examples are counted, and nothing checked is no pass.
@Suite struct HonestOutcomeTests {
    struct Half: SoftmaxImplementation {
        let name = "half"
        func evaluate(_ problem: Problem) throws -> Answer { .vector(problem.logits.map { _ in 0.5 }) }
    }

    @Test func inconclusiveExamplesAreCountedAndAllInconclusiveIsASkip() {
        let undecided = Property(name: "undecided", summary: "never decided", functions: [.softmax]) { _, _ in
            throw Inconclusive(reason: "precision cap")
        }
        let outcome = CheckRunner(reference: Half(), seed: 1, examples: 7, formats: [.float32]).run(undecided, on: Half())
        #expect(outcome.inconclusive == 7 && outcome.examples == 7)
        #expect(outcome.skipped && !outcome.passed && !outcome.failed)
        #expect(outcome.summaryLine.hasPrefix("SKIP undecided: every example was inconclusive"), "\(outcome.summaryLine)")
    }

    @Test func noApplicableCellIsASkipWithZeroExamples() {
        let holding = Property(name: "rows", summary: "rows only", functions: [.softmax]) { _, _ in }
        let outcome = CheckRunner(reference: Half(), seed: 1, formats: [.float32], functions: [.sigmoid]).run(holding, on: Half())
        #expect(outcome.skipped && outcome.examples == 0 && !outcome.passed)
        #expect(outcome.summaryLine.contains("SKIP rows: no applicable example"), "\(outcome.summaryLine)")
    }

    @Test func theDefaultBudgetIsOnePerCellThenRandom() {
        let holding = Property(name: "rows", summary: "rows", functions: [.softmax, .crossEntropy]) { _, _ in }
        let runner = CheckRunner(reference: Half(), seed: 4, formats: [.float16])
        let outcome = runner.run(holding, on: Half())
        let cells = holding.cells(functions: [.softmax, .crossEntropy], formats: [.float16])
        #expect(outcome.examples == cells.count + CheckRunner.randomExamples)
        #expect(outcome.coverage.missed.isEmpty && outcome.coverage.total == outcome.examples)
    }
}
