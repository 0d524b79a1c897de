import CrossCheckCore
import CrossCheckReference
import Dispatch
import Foundation

/// Every Float16 input, checked against the reference.
///
/// Elementwise functions (sigmoid; BCE with logits, its gradient, MSE on a sigmoid and its
/// gradient, each at t = 0 and t = 1) are checked at all 65,536 bit patterns of x.
/// Two-class row functions are checked on the rows [0, x] for every x: logsumexp, softmax and
/// cross-entropy (class 1) of two logits depend only on their difference — LSE(a, b) = a + LSE(0, b − a),
/// softmax and CE are invariant under the shift (property `softmax-distribution` checks that
/// invariance on general rows) — so [0, x] covers every representable gap between two logits.
public enum ExhaustiveFloat16 {
    /// One exhaustive sweep's result.
    public struct Result: Sendable {
        public let name: String
        public let checked: Int
        public let worstULP: Double
        /// Outputs whose finiteness differs from the reference (NaN or ±inf where it has none, or the reverse).
        public let wrongNonFinite: Int
        public let worstInput: Problem?

        public var line: String {
            let worst = worstInput.map { " worst at \(ProtocolCodec.encodeRequest($0))" } ?? ""
            return "\(name): \(checked) inputs, max error \(worstULP) ulp, \(wrongNonFinite) wrong non-finite\(worst)"
        }
    }

    /// Every Float16 value, as Doubles, in bit-pattern order.
    public static let allValues: [Double] = (0...UInt16.max).map { Double(Float16(bitPattern: $0)) }

    /// The sweeps: (name, function, t for elementwise functions).
    static let elementwiseCases: [(String, SoftmaxFunction, Double?)] = [
        ("sigmoid", .sigmoid, nil),
        ("bce_with_logits t=0", .bceWithLogits, 0), ("bce_with_logits t=1", .bceWithLogits, 1),
        ("bce_with_logits_grad t=0", .bceWithLogitsGrad, 0), ("bce_with_logits_grad t=1", .bceWithLogitsGrad, 1),
        ("mse_sigmoid t=0", .mseSigmoid, 0), ("mse_sigmoid t=1", .mseSigmoid, 1),
        ("mse_sigmoid_grad t=0", .mseSigmoidGrad, 0), ("mse_sigmoid_grad t=1", .mseSigmoidGrad, 1),
    ]

    static let rowCases: [(String, SoftmaxFunction)] = [
        ("logsumexp [0, x]", .logsumexp), ("softmax [0, x]", .softmax), ("cross_entropy [0, x] y=1", .crossEntropy),
    ]

    /// The names of every sweep, in order.
    public static var sweepNames: [String] { elementwiseCases.map(\.0) + rowCases.map(\.0) }

    /// Runs the sweeps (all by default) on `implementation`, spreading chunks over `threads` threads.
    public static func run(_ implementation: any SoftmaxImplementation, only names: [String]? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount) -> [Result] {
        var results: [Result] = []
        for (name, f, t) in elementwiseCases where names?.contains(name) ?? true {
            let chunks = stride(from: 0, to: allValues.count, by: 2048).map { start in
                let x = Array(allValues[start..<min(allValues.count, start + 2048)])
                return [Problem(function: f, format: .float16, logits: x, target: t.map { tv in .vector(x.map { _ in tv }) })]
            }
            results.append(sweep(name, chunks, implementation, threads))
        }
        for (name, f) in rowCases where names?.contains(name) ?? true {
            let chunks = stride(from: 0, to: allValues.count, by: 1024).map { start in
                allValues[start..<min(allValues.count, start + 1024)].map { x in
                    Problem(function: f, format: .float16, logits: [0, x], target: f == .crossEntropy ? .classIndex(1) : nil)
                }
            }
            results.append(sweep(name, chunks, implementation, threads))
        }
        return results
    }

    /// Checks chunks of problems in parallel; the result does not depend on the thread count.
    static func sweep(_ name: String, _ chunks: [[Problem]], _ implementation: any SoftmaxImplementation, _ threads: Int) -> Result {
        let reference = ReferenceImplementation()
        let partials = ParallelWork.Slots<Partial>(count: chunks.count)
        _ = ParallelWork.run(count: chunks.count, threads: threads, makeState: { _ in () }) { _, i in
            var r = Partial()
            for p in chunks[i] {
                let want = (try? reference.evaluate(p).values) ?? []
                let got = (try? implementation.evaluate(p).values) ?? Array(repeating: Double.nan, count: want.count)
                for k in want.indices where k < got.count {
                    r.checked += 1
                    let d = p.format.ulpDistance(got[k], want[k])
                    if got[k].isFinite != want[k].isFinite || got[k].isNaN != want[k].isNaN { r.wrong += 1 }
                    if d > r.worst {
                        r.worst = d
                        r.input = p.function.shape == .elementwise
                            ? Problem(function: p.function, format: p.format, logits: [p.logits[k]], target: p.targetVector.map { .vector([$0[k]]) })
                            : p
                    }
                }
            }
            partials.set(i, r)
        }
        var checked = 0, worst = 0.0, wrong = 0
        var input: Problem? = nil
        for r in partials.values {  // in chunk order: the same result for any thread count
            checked += r.checked
            wrong += r.wrong
            if r.worst > worst { worst = r.worst; input = r.input }
        }
        return Result(name: name, checked: checked, worstULP: worst, wrongNonFinite: wrong, worstInput: input)
    }
}

/// A chunk's tally.
struct Partial: Sendable {
    var checked = 0, worst = 0.0, wrong = 0
    var input: Problem? = nil
}
