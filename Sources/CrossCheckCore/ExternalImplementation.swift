import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An implementation in another process — any language — spoken to over the JSON-lines protocol
/// on its stdin and stdout.
///
/// The command runs under `/bin/sh -c`. Each `evaluate` writes one request line and waits for one
/// answer line, at most `timeout` seconds. A crash, a hang (the process is killed at the time-out)
/// or a malformed answer is an error for that request — never a hang or crash of ours — and the
/// next request starts the command afresh. The process's stderr is kept in a temporary file whose
/// tail is quoted in errors.
public final class ExternalImplementation: SoftmaxImplementation, @unchecked Sendable {
    public let name: String
    public let command: String
    public let timeout: Double
    private let ulpBound: Double
    private let lock = NSLock()
    private var process: Process?
    private var input: Int32 = -1
    private var output: Int32 = -1
    private var buffer: [UInt8] = []
    private let stderrURL: URL

    /// - Parameters:
    ///   - command: the shell command that speaks the protocol.
    ///   - maximumULPError: the error the implementation claims (checks hold it to this).
    public init(command: String, timeout: Double = 10, maximumULPError: Double = 1) {
        self.command = command
        self.name = "external"
        self.timeout = timeout
        self.ulpBound = maximumULPError
        self.stderrURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("crosscheck-external-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).stderr")
        signal(SIGPIPE, SIG_IGN)  // a dead child must give EPIPE, not kill us
    }

    deinit { stop() }

    public func maximumULPError(_ function: SoftmaxFunction, _ format: FloatFormat) -> Double { ulpBound }

    public func evaluate(_ problem: Problem) throws -> Answer {
        lock.lock()
        defer { lock.unlock() }
        let line = try exchange(ProtocolCodec.encodeRequest(problem))
        do {
            return try ProtocolCodec.decodeAnswer(line, for: problem)
        } catch {
            if error.message.hasPrefix("implementation error:") { throw error }
            throw ProblemError("malformed answer from `\(command)`: \(error.message) in \(jsonQuoted(String(line.prefix(200))))")
        }
    }

    /// Sends one line and returns the answer line.
    private func exchange(_ request: String) throws(ProblemError) -> String {
        if process == nil || !(process?.isRunning ?? false) { try start() }
        let bytes = Array((request + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(input, $0.baseAddress, $0.count) }
            if n <= 0 {
                let why = failure("stopped reading its input")
                stop()
                throw why
            }
            written += n
        }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                stop()
                throw ProblemError("`\(command)` gave no answer within \(timeout) s (killed)")
            }
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 3600) * 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress, $0.count) }
            if n <= 0 {
                let why = failure("closed its output before answering")
                stop()
                throw why
            }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    private func start() throws(ProblemError) {
        stop()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        p.standardError = try? FileHandle(forWritingTo: stderrURL)
        do { try p.run() } catch { throw ProblemError("cannot start `\(command)`: \(error)") }
        process = p
        // Close-on-exec copies: a later child must not inherit this one's pipes (it would keep them
        // open, and this child would never see end-of-file if we were killed).
        input = fcntl(stdin.fileHandleForWriting.fileDescriptor, F_DUPFD_CLOEXEC, 0)
        output = fcntl(stdout.fileHandleForReading.fileDescriptor, F_DUPFD_CLOEXEC, 0)
        try? stdin.fileHandleForWriting.close()
        try? stdout.fileHandleForReading.close()
        buffer = []
    }

    private func failure(_ what: String) -> ProblemError {
        var status = ""
        if let p = process {
            p.waitUntilExitOrTimeout(0.5)
            if !p.isRunning { status = " (exit status \(p.terminationStatus))" }
        }
        let tail = ((try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "").suffix(300)
        return ProblemError("`\(command)` \(what)\(status)" + (tail.isEmpty ? "" : "; stderr: \(tail.trimmingCharacters(in: .whitespacesAndNewlines))"))
    }

    private func stop() {
        if input >= 0 { close(input); input = -1 }
        if output >= 0 { close(output); output = -1 }
        if let p = process, p.isRunning {
            p.terminate()
            p.waitUntilExitOrTimeout(1)
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        }
        process = nil
    }
}

extension Process {
    /// Waits for the process to exit, at most `seconds`.
    func waitUntilExitOrTimeout(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { usleep(10_000) }
    }
}
