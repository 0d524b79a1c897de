@testable import CrossCheckAudit
import Foundation
import Synchronization
import Testing

/// The progress line of long sweeps: throughput in the audit's unit and an ETA.
@Suite struct ProgressThroughputTests {
    @Test func linesShowInputsPerSecondAndAnETA() {
        let lines = Mutex<[String]>([])
        let progress = ProgressReporter(label: "audit fast", terminal: false, unit: .init(name: "inputs", perItem: 256)) { text in
            lines.withLock { $0.append(text) }
        }
        progress.start(total: 10)
        for _ in 0..<10 {
            Thread.sleep(forTimeInterval: 0.002)
            progress.advance()
        }
        progress.finish()
        let text = lines.withLock { $0 }
        #expect(text.first == "audit fast: 10 samples\n")
        let middle = text.filter { $0.contains("%") && !$0.contains("100%") }
        #expect(!middle.isEmpty && middle.allSatisfy { $0.contains(" inputs/s ETA ") }, "\(text)")
        #expect(text.last?.hasPrefix("audit fast: 10 samples in ") == true)
    }

    @Test func ratesHaveThreeSignificantDigits() {
        #expect(ProgressReporter.rate(6_920_000) == "6.92 M")
        #expect(ProgressReporter.rate(45_300) == "45.3 k")
        #expect(ProgressReporter.rate(812) == "812")
        #expect(ProgressReporter.rate(123_456_789) == "123 M")
    }
}
