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
/// - a crash, a closed output, a malformed answer, or more than one line for one request (bytes
///   after the answer line, or bytes waiting unasked when the next request is due) is an
///   `ImplementationError.failed` for that request; the command is ended and the next request
///   starts it afresh. So no line is ever left over to be taken as the answer to a later request:
///   a "loading…" line, a blank line or a warning on stdout fails the request it is read for (a
///   banner printed at every start fails every request, quoting it: stdout is for answers only),
///   never shifts later answers onto the wrong requests. (The protocol has no request ids: a stray
///   line that the command writes only after the next request was sent cannot be told from its
///   answer; it is caught as soon as the real answer follows it.)
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
    /// True once the live child has answered a request (what it writes before that is read as
    /// the answer to its first request).
    private var answered = false
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
            guard case .failed(let why) = error else { throw error }  // an error answer: declined
            end()
            throw ImplementationError.failed(
                "malformed answer from `\(command)`: \(why) in \(jsonQuoted(String(line.prefix(200)))) (the command was ended; the next request starts it afresh)")
        }
    }

    /// Ends the process group now (the next request starts it afresh, unless it is retired).
    public func stop() {
        lock.withLock { end() }
    }

    /// Sends one line and returns the answer line: the one line the command writes for it.
    private func exchange(_ request: String) throws(ImplementationError) -> String {
        if let retired { throw retired }
        if child == nil || child?.waitStatus != nil || child?.reap(within: 0) != nil {
            end()
            child = try ChildProcess(command: command)
        }
        let child = child!
        if answered {
            // Whatever is there now was written after the last answer, for no request.
            child.readAvailableOutput()
            if child.hasPendingOutput { throw strayOutput("after its answer to the previous request:") }
        }
        let deadline = Date().addingTimeInterval(timeout)
        let bytes = Array((request + "\n").utf8)
        var written = 0
        while true {
            // An answer counts once the whole request is sent (a line before that was not for it).
            if written == bytes.count, let line = child.takeLine() {
                if child.hasPendingOutput { throw strayOutput("\(jsonQuoted(String(line.prefix(200)))), then") }
                answered = true
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
            if fds[0].revents != 0 && child.readOutput() == .closed {
                throw failure("closed its output before answering")
            }
        }
    }

    /// The error for a command that wrote more than one line for one request, quoting `before`
    /// and then the bytes pending; ends it.
    private func strayOutput(_ before: String) -> ImplementationError {
        let extra = child?.pendingOutputText() ?? ""
        end()
        return .failed("`\(command)` wrote more than one line for one request (\(before) \(jsonQuoted(extra))); "
                       + "the command was ended, the next request starts it afresh")
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
        answered = false
    }
}
