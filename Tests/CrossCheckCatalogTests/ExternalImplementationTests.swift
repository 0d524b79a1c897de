import CrossCheckCatalog
import CrossCheckCore
import CrossCheckProperties
import CrossCheckProtocol
import CrossCheckReference
import CrossCheckTestProcesses
import Foundation
import Testing

/// An implementation in another process: its crash, hang or garbage is a reported failure.
@Suite struct ExternalImplementationTests {
    let problem = Problem(function: .softmax, format: .float32, logits: [1, 2])

    @Test func theReferenceThroughTheProtocolPassesTheCatalog() {
        let external = ExternalImplementation(command: "'\(TestProcess.crosscheck)' eval --reference", timeout: 30, maximumULPError: 0)
        for seed in [UInt64(101), 102] {
            let runner = CheckRunner(reference: ReferenceImplementation(), seed: seed, examples: 25, generator: ProblemGenerator(maxClasses: 600))
            for outcome in runner.run(Catalog.all, on: external) {
                #expect(outcome.passed, "seed \(seed): \(outcome.summaryLine)")
            }
        }
    }

    @Test func aCrashIsAnError() {
        let external = ExternalImplementation(command: "echo dying >&2; exit 3", timeout: 5)
        #expect {
            _ = try external.evaluate(problem)
        } throws: { error in
            "\(error)".contains("exit status 3") && "\(error)".contains("dying")
        }
    }

    @Test func aHangIsKilledAtTheTimeOut() {
        let external = ExternalImplementation(command: "sleep 30", timeout: 0.5)
        let start = Date()
        #expect(throws: ImplementationError.self) { _ = try external.evaluate(problem) }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func malformedAnswersAreErrors() {
        for answer in ["not json", #"{"result": 5}"#, #"{"result": ["0.5"]}"#, #"{"nothing": 1}"#] {
            let external = ExternalImplementation(command: "while read line; do echo '\(answer)'; done", timeout: 5)
            #expect(throws: ImplementationError.self, "\(answer)") { _ = try external.evaluate(problem) }
        }
    }

    @Test func theProcessIsRestartedAfterACrash() throws {
        // Answers one request, then dies: the next request fails, the one after starts it afresh.
        let external = ExternalImplementation(command: "read line; echo '{\"result\":[\"0.25\",\"0.75\"]}'; sleep 0.3; exit 1", timeout: 5)
        #expect(try external.evaluate(problem) == .vector([0.25, 0.75]))
        #expect(throws: ImplementationError.self) { _ = try external.evaluate(problem) }
        #expect(try external.evaluate(problem) == .vector([0.25, 0.75]))
    }
}
