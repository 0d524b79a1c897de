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
                if kind == .multiplePlusInfinity && f.shape == .row { #expect(p.logits.count { $0 == .infinity } >= 2) }
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
        #expect(abs(t - Foundation.log(format.greatestFiniteMagnitude)) < 0.05)
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
}
