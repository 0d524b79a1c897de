import CrossCheckCore
import CrossCheckProperties
import CrossCheckProtocol
import CrossCheckReference
import Foundation

/// Every input of a format, checked against the reference: the problems of the exhaustive sweeps,
/// which `crosscheck audit --exhaustive` measures with its statistics (elementwise functions) and
/// `crosscheck check --exhaustive-format` (`--exhaustive-float16`) with `run` below (elementwise
/// functions and two-class rows). Any format, by its encoding (`FloatFormat.value(bitPattern:)`): 2⁸ blocks of Float16 or
/// bfloat16, one of float8_e4m3fn or float8_e5m2, 2²⁴ of Float.
///
/// Inputs come in blocks of 256 consecutive bit patterns (NaNs and infinities included).
/// - Elementwise functions (sigmoid; BCE with logits, its gradient, MSE on a sigmoid and its
///   gradient) take every bit pattern as x; those with a target are swept at t = 0, ½ and 1 — where
///   the losses meet their limits and σ(x) − t cancels. A block is one problem of 256 values.
/// - Two-class row functions take the rows [0, x] for every x: logsumexp, softmax, log_softmax and
///   cross-entropy (class 1) of two logits depend only on their difference — LSE(a, b) = a + LSE(0, b − a),
///   softmax and CE are invariant under the shift (property `softmax-distribution` checks that on
///   general rows) — so [0, x] covers every representable gap. A block is 256 problems.
public enum ExhaustiveSweep {
    /// Bit patterns per block.
    public static let blockSize = 256
    /// The targets paired with every x for the elementwise losses, by input-class name.
    public static let targets: [(name: String, value: Double)] = [("t=0", 0), ("t=0.5", 0.5), ("t=1", 1)]
    /// The input class of an elementwise function without a target.
    public static let allInputs = "all"
    /// The input class of the two-class rows [0, x].
    public static let twoClassRows = "[0, x]"

    /// The elementwise functions, by protocol name, for messages.
    public static var elementwiseFunctionNames: String {
        SoftmaxFunction.allCases.filter { $0.shape == .elementwise }.map(\.name).joined(separator: ", ")
    }

    /// The row functions swept on two-class rows, with the target they take.
    public static let twoClassFunctions: [(function: SoftmaxFunction, target: Target?)] = [
        (.logsumexp, nil), (.softmax, nil), (.logSoftmax, nil), (.crossEntropy, .classIndex(1)),
    ]

    /// True for the functions swept: the elementwise ones and those of `twoClassFunctions`.
    public static func sweeps(_ function: SoftmaxFunction) -> Bool {
        function.shape == .elementwise || twoClassFunctions.contains { $0.function == function }
    }

    /// The input classes of a swept `function`: for an elementwise one `all` without a target and
    /// one per target otherwise; for a row function the two-class rows.
    public static func classes(_ function: SoftmaxFunction) -> [String] {
        if function.shape != .elementwise { return [twoClassRows] }
        return function.takesTarget ? targets.map(\.name) : [allInputs]
    }

    /// Blocks covering every bit pattern of `format`: 1 (FP8), 2⁸ (Float16, bfloat16), 2²⁴ (Float), 2⁵⁶ (Double).
    public static func blockCount(_ format: FloatFormat) -> Int {
        1 << (format.bitWidth - blockSize.trailingZeroBitCount)
    }

    /// The values with bit patterns `block·256 ..< (block + 1)·256`, in bit-pattern order.
    public static func values(_ format: FloatFormat, block: Int) -> [Double] {
        let first = UInt64(block) * UInt64(blockSize)
        return (0..<UInt64(blockSize)).map { format.value(bitPattern: first + $0) }
    }

    /// The problem of one block of an elementwise function's input class.
    public static func problem(_ function: SoftmaxFunction, _ format: FloatFormat, inputClass: String, block: Int) -> Problem {
        let x = values(format, block: block)
        var target: Target? = nil
        if let t = targets.first(where: { $0.name == inputClass }) {
            target = .vector(Array(repeating: t.value, count: x.count))
        }
        return Problem(function: function, format: format, logits: x, target: target)
    }

    /// The two-class rows [0, x] of one block.
    public static func twoClassProblems(_ function: SoftmaxFunction, _ format: FloatFormat, block: Int) -> [Problem] {
        let target = twoClassFunctions.first { $0.function == function }?.target
        return values(format, block: block).map { x in
            Problem(function: function, format: format, logits: [0, x], target: target)
        }
    }

    // MARK: Sweeps against the reference

    /// One sweep: a function and an input class over every block of a format.
    public struct Sweep: Sendable, Hashable {
        public let function: SoftmaxFunction
        public let inputClass: String

        public init(function: SoftmaxFunction, inputClass: String) {
            self.function = function
            self.inputClass = inputClass
        }

        /// `sigmoid`, `bce_with_logits t=0`, `softmax [0, x]`, …
        public var name: String {
            inputClass == ExhaustiveSweep.allInputs ? function.name : "\(function.name) \(inputClass)"
        }
    }

    /// Every sweep: the elementwise functions at each of their input classes, then the two-class rows.
    public static var sweeps: [Sweep] {
        SoftmaxFunction.allCases.filter { $0.shape == .elementwise }.flatMap { f in classes(f).map { Sweep(function: f, inputClass: $0) } }
            + twoClassFunctions.map { Sweep(function: $0.function, inputClass: twoClassRows) }
    }

    /// One sweep's result.
    public struct Result: Sendable {
        public let name: String
        /// Outputs compared with the reference.
        public let checked: Int
        public let worstULP: Double
        /// Outputs whose finiteness differs from the reference (NaN or ±inf where it has none, or the reverse).
        public let wrongNonFinite: Int
        /// The input of the first output at the worst error (one x for elementwise functions).
        public let worstInput: Problem?
        /// Problems the implementation did not answer (an error, or an answer of the wrong length),
        /// and the first one's message with its request line.
        public let errors: Int
        public let firstError: String?
        /// Problems the reference could not decide (its precision cap): neither passed nor failed.
        public let inconclusive: Int

        /// True when every output is within `bound` ulps, of the right finiteness, and every problem answered.
        public func holds(to bound: Double) -> Bool { worstULP <= bound && wrongNonFinite == 0 && errors == 0 }

        public var line: String {
            let worst = worstInput.map { " worst at \(ProtocolCodec.encodeRequest($0))" } ?? ""
            var text = "\(name): \(checked) inputs, max error \(worstULP) ulp, \(wrongNonFinite) wrong non-finite"
            if errors > 0 { text += ", \(errors) unanswered (first: \(firstError ?? "-"))" }
            if inconclusive > 0 { text += ", \(inconclusive) inconclusive (the reference could not decide them)" }
            return text + worst
        }
    }

    /// Runs `sweeps` over every block of `format`, comparing `implementation` with `reference`,
    /// blocks spread over `threads` threads. The result does not depend on the thread count.
    public static func run(
        _ implementation: any SoftmaxImplementation, reference: any SoftmaxImplementation,
        format: FloatFormat = .float16, sweeps: [Sweep] = ExhaustiveSweep.sweeps,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> [Result] {
        sweeps.map { sweep in
            let blocks = blockCount(format)
            let partials = ParallelWork.Slots<Tally>(count: blocks)
            _ = ParallelWork.run(count: blocks, threads: threads, atThreadExit: ReferenceImplementation.releaseThreadResources, makeState: { _ in () }) { _, block in
                let problems = sweep.inputClass == twoClassRows
                    ? twoClassProblems(sweep.function, format, block: block)
                    : [problem(sweep.function, format, inputClass: sweep.inputClass, block: block)]
                var tally = Tally()
                for p in problems { tally.absorb(p, implementation, reference) }
                partials.set(block, tally)
            }
            var total = Tally()
            for tally in partials.values { total.merge(tally) }  // in block order
            return Result(name: sweep.name, checked: total.checked, worstULP: total.worst, wrongNonFinite: total.wrong,
                          worstInput: total.input, errors: total.errors, firstError: total.firstError,
                          inconclusive: total.inconclusive)
        }
    }

    /// One block's (or the whole sweep's) tally. (The audit's `CellStatistics` keeps more —
    /// histograms, plots — but sits above this module, and its exhaustive plan has one problem
    /// per block where the two-class rows here have 256.)
    struct Tally: Sendable {
        var checked = 0, worst = 0.0, wrong = 0, errors = 0, inconclusive = 0
        var input: Problem? = nil
        var firstError: String? = nil

        mutating func absorb(_ p: Problem, _ implementation: any SoftmaxImplementation, _ reference: any SoftmaxImplementation) {
            let want: [Double]
            do { want = try reference.evaluate(p).values } catch ImplementationError.undecided {
                inconclusive += 1
                return
            } catch {
                fault("the reference failed: \(error)", p)
                return
            }
            let got: [Double]
            do { got = try implementation.evaluate(p).values } catch {
                fault("\(error)", p)
                return
            }
            guard got.count == want.count else {
                fault("answered \(got.count) values, expected \(want.count)", p)
                return
            }
            for k in want.indices {
                checked += 1
                let d = p.outputFormat.ulpDistance(got[k], want[k])
                if got[k].isFinite != want[k].isFinite || got[k].isNaN != want[k].isNaN { wrong += 1 }
                if d > worst {
                    worst = d
                    input = p.function.shape == .elementwise ? p.element(k) : p
                }
            }
        }

        /// Counts a problem without an answer to compare, keeping the first message.
        mutating func fault(_ message: String, _ p: Problem) {
            errors += 1
            if firstError == nil { firstError = "\(message) on \(ProtocolCodec.encodeRequest(p))" }
        }

        /// Adds a later block's tally: the first input at the worst error and the first error are kept.
        mutating func merge(_ later: Tally) {
            checked += later.checked
            wrong += later.wrong
            errors += later.errors
            inconclusive += later.inconclusive
            if firstError == nil { firstError = later.firstError }
            if later.worst > worst { worst = later.worst; input = later.input }
        }
    }
}
