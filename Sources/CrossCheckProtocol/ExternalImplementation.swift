import CrossCheckCore
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
/// or a malformed answer is an `ImplementationError.failed` for that request — never a hang or crash
/// of ours — and the next request starts the command afresh; an error answer is
/// `ImplementationError.declined`. The process's stderr is kept in a temporary file whose tail is
/// quoted in errors.
///
/// Requests go to the child over a socket pair rather than a pipe, so that a child that has exited
/// gives EPIPE on a send flagged not to raise SIGPIPE: nothing here changes the process's signal
/// dispositions.
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
            guard case .failed(let why) = error else { throw error }
            throw ImplementationError.failed("malformed answer from `\(command)`: \(why) in \(jsonQuoted(String(line.prefix(200))))")
        }
    }

    /// Sends one line and returns the answer line.
    private func exchange(_ request: String) throws(ImplementationError) -> String {
        if process == nil || !(process?.isRunning ?? false) { try start() }
        let bytes = Array((request + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { send(input, $0.baseAddress, $0.count, Self.noSignal) }
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
                throw ImplementationError.failed("`\(command)` gave no answer within \(timeout) s (killed)")
            }
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(remaining, 3600) * 1000))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n <= 0 {
                let why = failure("closed its output before answering")
                stop()
                throw why
            }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// `send` flags: no SIGPIPE when the child is gone (Linux; Darwin sets SO_NOSIGPIPE instead).
    #if canImport(Glibc)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    private static let noSignal: Int32 = 0
    #endif

    private func start() throws(ImplementationError) {
        stop()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        // The child's stdin: one end of a socket pair (ours stays close-on-exec, so a later child
        // cannot inherit it and keep this one from seeing end of input).
        var ends: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, streamType, 0, &ends) == 0 else {
            throw .failed("cannot start `\(command)`: socketpair failed (errno \(errno))")
        }
        #if !canImport(Glibc)
        var one: Int32 = 1
        setsockopt(ends[0], SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        #endif
        shutdown(ends[0], Int32(SHUT_RD))
        let childInput = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        let stdout = Pipe()
        p.standardInput = childInput
        p.standardOutput = stdout
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        p.standardError = try? FileHandle(forWritingTo: stderrURL)
        do { try p.run() } catch {
            close(ends[0])
            try? childInput.close()
            throw .failed("cannot start `\(command)`: \(error)")
        }
        process = p
        input = ends[0]
        try? childInput.close()
        // A close-on-exec copy of the output, for the same reason.
        output = fcntl(stdout.fileHandleForReading.fileDescriptor, F_DUPFD_CLOEXEC, 0)
        try? stdout.fileHandleForReading.close()
        buffer = []
    }

    private func failure(_ what: String) -> ImplementationError {
        var status = ""
        if let p = process {
            p.waitUntilExitOrTimeout(0.5)
            if !p.isRunning { status = " (exit status \(p.terminationStatus))" }
        }
        let tail = ((try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "").suffix(300)
        return .failed("`\(command)` \(what)\(status)" + (tail.isEmpty ? "" : "; stderr: \(tail.trimmingCharacters(in: .whitespacesAndNewlines))"))
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
