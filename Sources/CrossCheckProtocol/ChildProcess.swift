import CrossCheckCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `/bin/sh -c COMMAND` child in a process group of its own, started with `posix_spawn`, with
/// its stdin, stdout and stderr connected to descriptors this object owns.
///
/// - stdin, stdout and stderr are each one end of a socket pair: created close-on-exec in one
///   step (so a child another thread starts meanwhile cannot inherit our ends and keep this one
///   from seeing end of input), and a send to a child that has exited gives EPIPE (with
///   `MSG_NOSIGNAL`, or `SO_NOSIGPIPE` on Darwin) instead of raising SIGPIPE. Our ends are
///   non-blocking, so no read or write can outlast a deadline.
/// - stderr is drained by whoever polls (`drainStandardError`), keeping its last
///   `standardErrorLimit` bytes in memory: nothing on disk, bounded, and the child never blocks
///   on a full stderr socket while it is being waited for. (Between requests nobody reads: a child
///   that writes more than the socket buffer, ~200 KiB, while idle waits for the next request.)
/// - stdout is read into one buffer allocated with the child (`readOutput`, also used for stderr)
///   and collected until a line is complete (`takeLine`); the search for the newline resumes where
///   the last one stopped, so an answer of n bytes costs O(n) however many reads it takes.
///
/// `terminate` ends the whole group (SIGTERM, a short grace, SIGKILL) and reaps the shell, so
/// that a command that ignores end of input or SIGTERM leaves neither an orphan nor a zombie.
/// Live groups are listed in `ProcessCleanup`, which an interrupted command uses to end them.
final class ChildProcess {
    /// The bytes of stderr kept: the last 64 KiB.
    static let standardErrorLimit = 64 * 1024

    /// The shell's pid, also the id of its process group.
    let pid: pid_t
    /// Our end of the child's stdin (write only, non-blocking).
    private(set) var input: Int32
    /// The read end of the child's stdout (non-blocking).
    private(set) var output: Int32
    /// The read end of the child's stderr (non-blocking).
    private(set) var standardError: Int32
    /// The last bytes the child wrote to stderr (at most `standardErrorLimit`).
    private(set) var standardErrorTail: [UInt8] = []
    /// The wait status once the shell has been reaped.
    private(set) var waitStatus: Int32?
    private var terminated = false
    /// The one buffer every read of stdout and stderr goes through (allocated once, not zeroed).
    private let chunk: UnsafeMutableRawBufferPointer
    /// What stdout has given that no `takeLine` has taken yet.
    private var pending: [UInt8] = []
    /// `pending[..<scanned]` holds no newline: where the next search for one starts.
    private var scanned = 0

    /// Starts `command`; throws a message when it cannot be started.
    init(command: String) throws(ImplementationError) {
        var stdinEnds: [Int32] = [-1, -1], stdoutEnds: [Int32] = [-1, -1], stderrEnds: [Int32] = [-1, -1]
        func closeAll() { for fd in stdinEnds + stdoutEnds + stderrEnds where fd >= 0 { close(fd) } }
        guard Self.socketPair(&stdinEnds), Self.socketPair(&stdoutEnds), Self.socketPair(&stderrEnds) else {
            let why = String(cString: strerror(errno))
            closeAll()
            throw .failed("cannot start `\(command)`: \(why)")
        }
        shutdown(stdinEnds[0], Int32(SHUT_RD))
        shutdown(stdoutEnds[0], Int32(SHUT_WR))
        shutdown(stderrEnds[0], Int32(SHUT_WR))

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_adddup2(&actions, stdinEnds[1], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrEnds[1], 2)
        // Its own process group (so the group can be ended whole), default signal dispositions
        // (ours may ignore SIGINT/SIGTERM while a handler is installed) and an empty signal mask.
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT] { sigaddset(&defaults, s) }
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
        let environment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") }
        defer { for p in arguments + environment { free(p) } }
        var child: pid_t = 0
        let status = ProcessCleanup.spawning {
            posix_spawn(&child, "/bin/sh", &actions, &attributes, arguments + [nil], environment + [nil])
        } registering: { child }
        close(stdinEnds[1])
        close(stdoutEnds[1])
        close(stderrEnds[1])
        guard status == 0 else {
            for fd in [stdinEnds[0], stdoutEnds[0], stderrEnds[0]] { close(fd) }
            throw .failed("cannot start `\(command)`: \(String(cString: strerror(status)))")
        }
        pid = child
        input = stdinEnds[0]
        output = stdoutEnds[0]
        standardError = stderrEnds[0]
        chunk = .allocate(byteCount: 64 * 1024, alignment: 1)  // last: a start that fails leaks nothing
    }

    deinit {
        terminate()
        chunk.deallocate()
    }

    /// What one read of stdout gave.
    enum OutputRead {
        /// Bytes, now pending.
        case data
        /// Nothing to read now.
        case wouldBlock
        /// End of file, or an error that ends the stream.
        case closed
    }

    /// Reads what stdout holds now (one read, without blocking) onto the pending bytes.
    func readOutput() -> OutputRead {
        while true {
            let n = read(output, chunk.baseAddress, chunk.count)
            if n > 0 {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<n]))
                return .data
            }
            if n < 0 && errno == EINTR { continue }
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? .wouldBlock : .closed
        }
    }

    /// Reads stdout until nothing more is there now (or it is closed).
    func readAvailableOutput() {
        while readOutput() == .data {}
    }

    /// The first complete line of stdout not yet taken, without its newline; nil while none is
    /// complete. What follows it stays pending (`hasPendingOutput`).
    func takeLine() -> String? {
        guard let newline = pending[scanned...].firstIndex(of: UInt8(ascii: "\n")) else {
            scanned = pending.count
            return nil
        }
        let line = String(decoding: pending[..<newline], as: UTF8.self)
        if newline + 1 == pending.count {
            pending.removeAll(keepingCapacity: pending.capacity <= 1 << 20)  // a huge answer's memory is not kept
        } else {
            pending.removeSubrange(...newline)
        }
        scanned = 0
        return line
    }

    /// True when stdout gave bytes that no line has taken.
    var hasPendingOutput: Bool { !pending.isEmpty }

    /// The first `limit` bytes pending on stdout, as text (for messages).
    func pendingOutputText(limit: Int = 200) -> String {
        String(decoding: pending.prefix(limit), as: UTF8.self)
    }

    /// Reads what stderr holds now, without blocking, keeping the tail. Returns false at end of file.
    @discardableResult
    func drainStandardError() -> Bool {
        guard standardError >= 0 else { return false }
        while true {
            let n = read(standardError, chunk.baseAddress, chunk.count)
            if n > 0 {
                standardErrorTail.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<n]))
                if standardErrorTail.count > Self.standardErrorLimit {
                    standardErrorTail.removeFirst(standardErrorTail.count - Self.standardErrorLimit)
                }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { close(standardError); standardError = -1 }
            return n != 0
        }
    }

    /// Waits up to `seconds` for the shell to exit and reaps it; returns its wait status, nil
    /// while it still runs.
    @discardableResult
    func reap(within seconds: Double) -> Int32? {
        if let waitStatus { return waitStatus }
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && errno == ECHILD) {
                waitStatus = r == pid ? status : -1
                return waitStatus
            }
            if Date() >= deadline { return nil }
            drainStandardError()
            usleep(5_000)
        }
    }

    /// "exit status N" or "killed by signal N" for the reaped shell, nil while it runs.
    var exitDescription: String? {
        guard let s = waitStatus, s >= 0 else { return nil }
        if s & 0x7f == 0 { return "exit status \((s >> 8) & 0xff)" }
        return "killed by signal \(s & 0x7f)"
    }

    /// The stderr tail as text, trimmed, at most `limit` characters from its end.
    func standardErrorText(limit: Int = 300) -> String {
        drainStandardError()
        return String(String(decoding: standardErrorTail, as: UTF8.self).suffix(limit))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Closes our end of its stdin (a well-behaved child then exits on its own).
    func closeInput() {
        if input >= 0 { close(input); input = -1 }
    }

    /// Ends the process group: closes its stdin, SIGTERM to the group, `grace` seconds for the
    /// shell to exit, then SIGKILL to the group (also when the shell has exited, for what it left
    /// behind); reaps the shell and closes every descriptor. Safe to call more than once.
    func terminate(grace: Double = 0.2) {
        guard !terminated else { return }
        terminated = true
        closeInput()
        if waitStatus == nil {
            kill(-pid, SIGTERM)
            reap(within: grace)
        }
        kill(-pid, SIGKILL)
        if waitStatus == nil { reap(within: 5) }
        ProcessCleanup.unregister(processGroup: pid)
        drainStandardError()
        for fd in [output, standardError] where fd >= 0 { close(fd) }
        output = -1
        standardError = -1
    }

    // MARK: Descriptors

    /// A close-on-exec local stream pair; [0] is ours, non-blocking.
    private static func socketPair(_ ends: inout [Int32]) -> Bool {
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else { return false }
        #else
        guard socketpair(AF_UNIX, SOCK_STREAM, 0, &ends) == 0 else { return false }
        var one: Int32 = 1
        setsockopt(ends[0], SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        #endif
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        return true
    }
}
