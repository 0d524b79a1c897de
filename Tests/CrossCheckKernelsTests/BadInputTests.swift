import CrossCheckKernels
import Testing

/// Runs `body` on logits and an output buffer prefilled with a sentinel; returns the error thrown
/// and whether the output was left untouched.
func failing<S: KernelScalar>(_ z: [S], classes: Int, outputCount: Int, _ body: (LogitsBuffer<S>, UnsafeMutableBufferPointer<S>) throws(KernelError) -> Void) -> (KernelError?, Bool) {
    var out = [S](repeating: 42, count: outputCount)
    var thrown: KernelError?
    z.withUnsafeBufferPointer { zb in
        out.withUnsafeMutableBufferPointer { ob in
            do throws(KernelError) {
                let logits = try LogitsBuffer(zb, classes: classes)
                try body(logits, ob)
            } catch {
                thrown = error
            }
        }
    }
    return (thrown, out.allSatisfy { $0 == 42 })
}

@Suite("Bad input throws an error naming the problem, and writes nothing")
struct BadInputTests {
    let z: [Float] = [1, 2, 3, 4, 5, 6]  // 2 rows × 3 classes

    @Test("shape: empty rows, storage not rows × classes, output of the wrong size")
    func shapes() throws {
        #expect(throws: KernelError.emptyRows) { try Logits<Float>([], classes: 3) }
        #expect(throws: KernelError.emptyRows) { try Logits<Float>([1, 2], classes: 0) }
        #expect(throws: KernelError.shapeMismatch(what: "logits", expected: 6, actual: 5)) { try Logits<Float>([1, 2, 3, 4, 5], classes: 3) }
        let (error, untouched) = failing(z, classes: 3, outputCount: 5) { (l, o) throws(KernelError) in try SoftmaxKernels.softmax(l, into: o) }
        #expect(error == .outputSize(what: "softmax", expected: 6, actual: 5))
        #expect(untouched)
        #expect(error?.description.contains("softmax") == true)
    }

    @Test("temperature must be finite and > 0", arguments: [0, -1, Float.infinity, -Float.infinity, Float.nan])
    func temperature(_ t: Float) {
        let (error, untouched) = failing(z, classes: 3, outputCount: 2) { (l, o) throws(KernelError) in try SoftmaxKernels.logSumExp(l, temperature: t, into: o) }
        guard case .invalidTemperature = error else {
            Issue.record("expected invalidTemperature, got \(String(describing: error))")
            return
        }
        #expect(untouched)
        #expect(error!.description.hasPrefix("temperature"))
    }

    @Test("class index out of range in the last row: nothing written")
    func targetOutOfRange() {
        let y = [0, 3]
        let (error, untouched) = y.withUnsafeBufferPointer { yb in
            failing(z, classes: 3, outputCount: 6) { (l, o) throws(KernelError) in try SoftmaxKernels.crossEntropyGradient(l, targets: .classIndices(yb), into: o) }
        }
        #expect(error == .targetOutOfRange(row: 1, index: 3, classes: 3))
        #expect(untouched)
        #expect(error?.description.contains("out of range") == true)
        let short = [0]
        let (shortError, _) = short.withUnsafeBufferPointer { yb in
            failing(z, classes: 3, outputCount: 2) { (l, o) throws(KernelError) in try SoftmaxKernels.crossEntropy(l, targets: .classIndices(yb), into: o) }
        }
        #expect(shortError == .shapeMismatch(what: "class indices", expected: 2, actual: 1))
    }

    @Test("soft targets: wrong length, infinite")
    func softTargets() {
        for (t, expected) in [([Float](repeating: 0.5, count: 5), KernelError.shapeMismatch(what: "targets", expected: 6, actual: 5)),
                              ([0, 0, 0, 0, 0, Float.infinity], KernelError.nonFiniteTarget(index: 5, value: .infinity))] {
            let (error, untouched) = t.withUnsafeBufferPointer { tb in
                failing(z, classes: 3, outputCount: 6) { (l, o) throws(KernelError) in try SoftmaxKernels.mseSoftmaxGradient(l, targets: .soft(tb), into: o) }
            }
            #expect(error == expected)
            #expect(untouched)
        }
    }

    @Test("BCE targets outside [0, 1]")
    func bceTargets() {
        var out = [Float](repeating: 42, count: 3)
        let x: [Float] = [0, 1, 2], t: [Float] = [0, 0.5, 1.5]
        #expect(throws: KernelError.targetOutsideUnitInterval(index: 2, value: 1.5)) {
            try x.withUnsafeBufferPointer { xb in
                try t.withUnsafeBufferPointer { tb in
                    try out.withUnsafeMutableBufferPointer { ob in try SoftmaxKernels.bceWithLogits(xb, targets: tb, into: ob) }
                }
            }
        }
        #expect(out == [42, 42, 42])
        #expect(throws: KernelError.targetOutsideUnitInterval(index: 0, value: -0.25)) {
            try BCEWithLogitsLoss<Float>()(try Logits([1, 2], classes: 2), [-0.25, 1])
        }
        #expect(throws: KernelError.shapeMismatch(what: "targets", expected: 2, actual: 1)) {
            try BCEWithLogitsLoss<Float>()(try Logits([1, 2], classes: 2), [1])
        }
    }

    @Test("loss options: weights of the wrong length or sign, smoothing outside [0, 1], ignore index with soft targets")
    func lossOptions() throws {
        let logits = try Logits(z, classes: 3)
        let y = Targets<Float>.classIndices([0, 2])
        #expect(throws: KernelError.weightsLength(what: "weight", expected: 3, actual: 2)) {
            try CrossEntropyLoss<Float>(weight: [1, 2])(logits, y)
        }
        #expect(throws: KernelError.invalidWeight(what: "weight", index: 1, value: -1)) {
            try CrossEntropyLoss<Float>(weight: [1, -1, 1])(logits, y)
        }
        #expect(throws: KernelError.invalidLabelSmoothing(1.5)) {
            try CrossEntropyLoss<Float>(labelSmoothing: 1.5)(logits, y)
        }
        #expect(throws: KernelError.self) {
            try CrossEntropyLoss<Float>(ignoreIndex: -100)(logits, .soft([Float](repeating: 0.25, count: 6)))
        }
        #expect(throws: KernelError.targetOutOfRange(row: 1, index: 7, classes: 3)) {
            try CrossEntropyLoss<Float>(ignoreIndex: -100).lossAndGradient(logits, .classIndices([-100, 7]))
        }
        #expect(throws: KernelError.weightsLength(what: "positiveWeight", expected: 3, actual: 1)) {
            try BCEWithLogitsLoss<Float>(positiveWeight: [2])(logits, [Float](repeating: 1, count: 6))
        }
        #expect(throws: KernelError.invalidTemperature(0)) {
            try CrossEntropyLoss<Float>(temperature: 0)(logits, y)
        }
        // The ignore index itself is not out of range.
        let ignored = try CrossEntropyLoss<Float>(ignoreIndex: -100, reduction: .none).lossAndGradient(logits, .classIndices([-100, 1]))
        #expect(ignored.loss[0] == 0 && ignored.gradient[0..<3].allSatisfy { $0 == 0 })
    }

    @Test("the single-row convenience names missing targets and misplaced temperatures")
    func singleRow() {
        #expect(throws: KernelError.self) { try SoftmaxKernels.evaluate(.crossEntropy, logits: [Float(1), 2]) }
        #expect(throws: KernelError.self) { try SoftmaxKernels.evaluate(.sigmoid, logits: [Float(1)], temperature: 2) }
        #expect(throws: KernelError.emptyRows) { try SoftmaxKernels.evaluate(.softmax, logits: [Float]()) }
    }
}
