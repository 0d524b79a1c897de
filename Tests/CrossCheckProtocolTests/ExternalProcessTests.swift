import CrossCheckCore
@testable import CrossCheckProtocol
import CrossCheckTestProcesses
import Foundation
import Testing

/// An external implementation's processes: killed as a group, never left behind, never leaking a
/// descriptor or a file, retired after a hang.
@Suite struct ExternalProcessTests {
    let problem = Problem(function: .softmax, format: .float32, logits: [1, 2])

    /// Waits up to 5 s for every process with `marker` to be gone; returns those left.
    static func survivors(_ marker: String) -> [String] {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if TestProcess.processes(containing: marker).isEmpty { return [] }
            usleep(50_000)
        }
        return TestProcess.processes(containing: marker)
    }

    static var openDescriptors: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count ?? 0 }

    @Test func aHangRetiresTheImplementation() {
        let marker = "sleep 987651"
        let external = ExternalImplementation(command: marker, timeout: 0.5)
        var first: ImplementationError?
        #expect { _ = try external.evaluate(problem) } throws: { first = $0 as? ImplementationError; return true }
        #expect(external.hang != nil && external.hang == first)
        let start = Date()
        for _ in 0..<20 {
            #expect { _ = try external.evaluate(problem) } throws: { ($0 as? ImplementationError) == first }
        }
        #expect(Date().timeIntervalSince(start) < 0.5, "retired: later requests fail at once")
        #expect(Self.survivors(marker).isEmpty)
    }

    @Test func aChildIgnoringTermAndEndOfInputIsKilledWithItsGroup() {
        for (marker, command) in [("sleep 987652", "trap '' TERM; sleep 987652"), ("sleep 987653", "exec sleep 987653 <&-")] {
            let external = ExternalImplementation(command: command, timeout: 0.3)
            #expect(throws: ImplementationError.self) { _ = try external.evaluate(problem) }
            #expect(Self.survivors(marker).isEmpty, "\(command)")
        }
    }

    @Test func stopEndsAnIdleChildAndItsDescendants() throws {
        let marker = "sleep 987654"
        let external = ExternalImplementation(command: "(sleep 987654 &); while read l; do echo '{\"result\":[\"0.25\",\"0.75\"]}'; done", timeout: 5)
        #expect(try external.evaluate(problem) == .vector([0.25, 0.75]))
        #expect(!TestProcess.processes(containing: marker).isEmpty)
        external.stop()
        #expect(Self.survivors(marker).isEmpty)
    }

    @Test func restartsLeakNoDescriptor() {
        let external = ExternalImplementation(command: "echo crashing >&2; exit 1", timeout: 5)
        _ = try? external.evaluate(problem)
        let before = Self.openDescriptors
        for _ in 0..<150 { _ = try? external.evaluate(problem) }
        let after = Self.openDescriptors
        // Other tests run concurrently and open descriptors of their own: a leak would be ≥ 150.
        #expect(after - before < 30, "\(before) → \(after) descriptors after 150 restarts")
    }

    @Test func stderrIsATailInMemoryAndNeverBlocksTheChild() throws {
        // 1 MiB of stderr before the answer: drained while waiting, only the tail kept.
        let external = ExternalImplementation(
            command: "yes x | head -c 1048576 >&2; echo THE-END >&2; read l; echo '{\"result\":[\"0.25\",\"0.75\"]}'; read l; exit 2",
            timeout: 20)
        #expect(try external.evaluate(problem) == .vector([0.25, 0.75]))
        #expect { _ = try external.evaluate(problem) } throws: { error in
            let text = "\(error)"
            return text.contains("exit status 2") && text.contains("THE-END") && text.count < 1000
        }
        let ours = (try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []
        #expect(!ours.contains { $0.hasPrefix("crosscheck-external-\(getpid())-") })
    }

    @Test func aRequestTheChildDoesNotReadTimesOut() {
        // A request larger than the socket buffer, to a child that never reads: no blocking send.
        let long = Problem(function: .softmax, format: .float32, logits: [Double](repeating: 1.5, count: 400_000))
        let external = ExternalImplementation(command: "sleep 987656", timeout: 0.5)
        let start = Date()
        #expect { _ = try external.evaluate(long) } throws: { "\($0)".contains("did not read its request") }
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(Self.survivors("sleep 987656").isEmpty)
    }
}
