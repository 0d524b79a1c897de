import CrossCheckCore
import CrossCheckProperties
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of a long run on stderr: on a terminal a bar with percentage, throughput and ETA, redrawn
/// in place at most ten times a second; otherwise (CI logs, pipes) a plain line every 10 % or every
/// 30 seconds, whichever comes first. Thread-safe: workers call `advance` concurrently.
///
/// Throughput counts `unit`s per second: samples, or for exhaustive audits inputs (a sample is a
/// block of 256 of them), e.g. `… 2.1 M inputs/s ETA 1:02:13`.
public final class ProgressReporter: ParallelWork.Progress, @unchecked Sendable {
    private let label: String
    private let terminal: Bool
    private let write: @Sendable (String) -> Void
    private let unit: Unit
    private let lock = NSLock()
    private var total = 0
    private var done = 0
    private var started = Date()
    private var lastDraw = Date.distantPast
    private var lastLineFraction = 0.0

    /// - Parameters:
    ///   - label: what is running, e.g. `audit fast`.
    ///   - terminal: draw a bar (default: stderr is a terminal).
    ///   - write: where text goes (default: stderr).
    ///   - unit: what the throughput counts (default: samples).
    public init(label: String, terminal: Bool? = nil, unit: Unit = .samples, write: (@Sendable (String) -> Void)? = nil) {
        self.label = label
        self.unit = unit
        self.terminal = terminal ?? (isatty(STDERR_FILENO) == 1)
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    public func start(total: Int) {
        lock.lock()
        defer { lock.unlock() }
        self.total = total
        done = 0
        started = Date()
        lastDraw = .distantPast
        lastLineFraction = 0
        if !terminal { write("\(label): \(total) samples\n") }
    }

    public func advance() {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        let now = Date()
        if terminal {
            if now.timeIntervalSince(lastDraw) >= 0.1 || done == total {
                lastDraw = now
                write("\r" + bar(now) + "\u{1B}[K")
            }
        } else {
            let fraction = Double(done) / Double(max(total, 1))
            if fraction - lastLineFraction >= 0.1 || (now.timeIntervalSince(lastDraw) >= 30 && done < total) {
                lastLineFraction = fraction
                lastDraw = now
                write("\(label): \(status(now))\n")
            }
        }
    }

    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(started)
        if terminal { write("\r\u{1B}[K") }
        write("\(label): \(done) samples in \(Self.clock(elapsed))\n")
    }

    private func status(_ now: Date) -> String {
        let elapsed = now.timeIntervalSince(started)
        let percent = Int(100 * Double(done) / Double(max(total, 1)))
        var text = "\(percent)% (\(done)/\(total)) elapsed \(Self.clock(elapsed))"
        if done > 0 && elapsed > 0 {
            text += " " + Self.rate(Double(done * unit.perItem) / elapsed) + " \(unit.name)/s"
        }
        if done > 0 && done < total {
            text += " ETA \(Self.clock(elapsed / Double(done) * Double(total - done)))"
        }
        return text
    }

    /// What progress counts: items of work (`samples`), or several inputs per item.
    public struct Unit: Sendable {
        public var name: String
        public var perItem: Int
        public init(name: String, perItem: Int) {
            self.name = name
            self.perItem = perItem
        }
        public static let samples = Unit(name: "samples", perItem: 1)
    }

    /// A rate to 3 significant digits: `812`, `45.3 k`, `6.92 M`.
    static func rate(_ r: Double) -> String {
        let (value, suffix) = r >= 1e6 ? (r / 1e6, " M") : r >= 1e3 ? (r / 1e3, " k") : (r, "")
        return String(format: value >= 100 ? "%.0f" : value >= 10 ? "%.1f" : "%.2f", value) + suffix
    }

    private func bar(_ now: Date) -> String {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        return "\(label) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] " + status(now)
    }

    /// `m:ss` (or `h:mm:ss`).
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, r) : String(format: "%d:%02d", m, r)
    }
}
