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
/// The command runs under `/bin/sh -c`, in a process group of its own (`ChildProcess`). Each
/// `evaluate` writes one request line and waits for one answer line, at most `timeout` seconds
/// for both. Then:
/// - a crash, a closed output or a malformed answer is an `ImplementationError.failed` for that
///   request, and the next request starts the command afresh;
/// - an error answer is `ImplementationError.declined`;
/// - a hang (no answer within `timeout`, or a request it does not read) ends the whole process
///   group (SIGTERM, a short grace, SIGKILL) and retires the implementation: it is known to hang,
///   so it is not started again, and every later `evaluate` fails at once with the same
///   `.failed` error (`hang` holds it). One time-out per instance, never one per request.
///
/// The last 64 KiB of the process's stderr are kept in memory (nothing on disk) and their tail
/// quoted in errors. Nothing here changes the process's signal dispositions; an interrupted
/// command ends the live groups through `ProcessCleanup`.
public final class ExternalImplementation: SoftmaxImplementation, @unchecked Sendable {
    public let name: String
    public let command: String
    /// Seconds allowed per request (sending it and reading the answer); > 0.
    public let timeout: Double
    private let ulpBound: Double
    private let lock = NSLock()
    private var child: ChildProcess?
    private var buffer: [UInt8] = []
    private var retired: ImplementationError?

    /// - Parameters:
    ///   - command: the shell command that speaks the protocol.
    ///   - timeout: seconds allowed per request.
    ///   - maximumULPError: the error the implementation claims (checks hold it to this).
    public init(command: String, timeout: Double = 10, maximumULPError: Double = 1) {
        self.command = command
        self.name = "external"
        self.timeout = timeout
        self.ulpBound = maximumULPError
    }

    deinit { child?.terminate() }

    /// The error of the time-out that retired the implementation (nil while it is not known to
    /// hang): every later evaluation fails with it at once.
    public var hang: ImplementationError? { lock.withLock { retired } }

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

    /// Ends the process group now (the next request starts it afresh, unless it is retired).
    public func stop() {
        lock.withLock { end() }
    }

    /// Sends one line and returns the answer line.
    private func exchange(_ request: String) throws(ImplementationError) -> String {
        if let retired { throw retired }
        if child == nil || child?.waitStatus != nil || child?.reap(within: 0) != nil {
            end()
            child = try ChildProcess(command: command)
        }
        let child = child!
        let deadline = Date().addingTimeInterval(timeout)
        let bytes = Array((request + "\n").utf8)
        var written = 0
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                let what = written < bytes.count ? "did not read its request" : "gave no answer"
                let error = ImplementationError.failed(
                    "`\(command)` \(what) within \(timeout) s (its process group was killed; it is not started again)")
                end()
                retired = error
                throw error
            }
            var fds = [pollfd(fd: child.output, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: child.standardError, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: written < bytes.count ? child.input : -1, events: Int16(POLLOUT), revents: 0)]
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 3600) * 1000) + 1)
            if ready <= 0 { continue }  // EINTR or time-out: the deadline decides
            if fds[1].revents != 0 { child.drainStandardError() }
            if fds[2].revents != 0 {
                let n = bytes[written...].withUnsafeBytes { send(child.input, $0.baseAddress, $0.count, Self.noSignal) }
                if n > 0 {
                    written += n
                } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    continue
                } else {
                    throw failure("stopped reading its input")
                }
            }
            if fds[0].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = chunk.withUnsafeMutableBytes { read(child.output, $0.baseAddress, $0.count) }
                if n > 0 {
                    buffer.append(contentsOf: chunk[..<n])
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    throw failure("closed its output before answering")
                }
            }
        }
    }

    /// `send` flags: no SIGPIPE when the child is gone (Linux; Darwin sets SO_NOSIGPIPE instead).
    #if canImport(Glibc)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    private static let noSignal: Int32 = 0
    #endif

    /// The error for a child that broke off, with its exit status and stderr tail; ends it.
    private func failure(_ what: String) -> ImplementationError {
        var status = ""
        var tail = ""
        if let child {
            child.closeInput()
            child.reap(within: 0.5)
            status = child.exitDescription.map { " (\($0))" } ?? ""
            tail = child.standardErrorText()
        }
        end()
        return .failed("`\(command)` \(what)\(status)" + (tail.isEmpty ? "" : "; stderr: \(tail)"))
    }

    /// Ends the child's process group and forgets it.
    private func end() {
        child?.terminate()
        child = nil
        buffer = []
    }
}
