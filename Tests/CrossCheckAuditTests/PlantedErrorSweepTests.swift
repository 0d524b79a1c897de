import CrossCheckAudit
import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProtocol
import CrossCheckReference
import Foundation
import Testing

/// An exhaustive Float sweep finds a single wrong output among its inputs and names it.
@Suite struct PlantedErrorSweepTests {
    /// The correctly rounded reference, except one Float input whose result is one ulp too high:
    /// an elementwise output at x, or the last output of the row [0, x].
    struct PlantedError: SoftmaxImplementation {
        let name = "planted"
        let input: Float
        let reference = ReferenceImplementation()

        func evaluate(_ problem: Problem) throws -> Answer {
            var values = try reference.evaluate(problem).values
            let planted = problem.logits.indices.filter { problem.logits[$0].bitPattern == Double(input).bitPattern }
            if problem.function.shape == .elementwise {
                for i in planted { values[i] = Double(Float(values[i]).nextUp) }
            } else if planted == [1] {
                values[values.count - 1] = Double(Float(values[values.count - 1]).nextUp)
            }
            return problem.function.isScalar ? .scalar(values[0]) : .vector(values)
        }
    }

    /// Shard 1234 of 2¹⁶ holds the blocks 1234 + k·2¹⁶ (65,536 inputs); the planted input is the
    /// 100th of block 1234 + 17·2¹⁶.
    static let shard = try! Shard(index: 1234, count: 1 << 16)
    static let plantedBits = UInt32((1234 + 17 << 16) * ExhaustiveSweep.blockSize + 99)

    func sweep(_ implementation: some SoftmaxImplementation, threads: Int, function: SoftmaxFunction = .sigmoid) throws -> CellStatistics {
        let parameters = AuditParameters(mode: .exhaustive, functions: [function], formats: [.float32], shard: Self.shard)
        let report = AuditRunner(plan: try AuditPlan(parameters), implementation: implementation, threads: threads).run()
        #expect(report.cells.count == 1)
        return report.cells[0]
    }

    @Test(arguments: [1, 2])
    func aPlantedOneULPErrorIsFoundWithItsInput(threads: Int) throws {
        let x = Float(bitPattern: Self.plantedBits)
        #expect(x.isFinite)
        let cell = try sweep(PlantedError(input: x), threads: threads)
        #expect(cell.outputs == 1 << 16)
        #expect(cell.maxULP == 1)
        #expect(cell.histogram[1] == 1, "exactly one output is wrong")
        #expect(cell.wrongNonFinite == 0)
        let worst = try #require(cell.worst)
        #expect(worst.ulp == 1)
        #expect(worst.sample == 1234 + 17 << 16)
        // The request names that one input, so `crosscheck eval` replays it.
        let request = try ProtocolCodec.decodeRequest(worst.request)
        #expect(request.logits.map(\.bitPattern) == [Double(x).bitPattern], "\(worst.request)")
        let correct = try ReferenceImplementation().evaluate(request).values[0]
        #expect(worst.expected == FloatFormat.float32.format(correct))
        #expect(worst.got == FloatFormat.float32.format(Double(Float(correct).nextUp)))
    }

    /// The same in the sweep of the two-class rows [0, x]: the report names the row.
    @Test(arguments: [SoftmaxFunction.softmax, .crossEntropy])
    func aPlantedErrorInATwoClassRowIsFoundWithItsRow(_ function: SoftmaxFunction) throws {
        let x = Float(bitPattern: Self.plantedBits)
        let cell = try sweep(PlantedError(input: x), threads: 2, function: function)
        #expect(cell.samples == 1 << 16)
        #expect(cell.outputs == (function == .softmax ? 2 : 1) << 16)
        #expect(cell.maxULP == 1 && cell.histogram[1] == 1 && cell.wrongNonFinite == 0)
        let worst = try #require(cell.worst)
        #expect(worst.sample == 1234 + 17 << 16)
        let request = try ProtocolCodec.decodeRequest(worst.request)
        #expect(request.function == function && request.logits.map(\.bitPattern) == [0, Double(x).bitPattern], "\(worst.request)")
        #expect(worst.output == (function == .softmax ? 1 : 0))
    }

    @Test func theSameSweepWithoutThePlantIsClean() throws {
        let cell = try sweep(ReferenceImplementation(), threads: 2)
        #expect(cell.maxULP == 0 && cell.wrongNonFinite == 0 && cell.errors == 0)
        #expect(cell.outputs == 1 << 16)
    }
}
