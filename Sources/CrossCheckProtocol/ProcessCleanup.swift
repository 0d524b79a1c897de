import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What an interrupted command must clean up: the process groups of live external
/// implementations and the temporary files being written. One small process-wide registry.
///
/// The library only lists and unlists things here; nothing is installed at load time. A long
/// command (`check`, `audit`, …) calls `installInterruptHandler()`, after which SIGINT, SIGTERM
/// and SIGHUP end every listed process group (SIGKILL; init reaps them once we are gone), remove
/// every listed file and exit with status 128 + the signal's number, at once (buffered output not
/// yet flushed is lost; the commands flush after each line). The handler runs on a dispatch queue, not in signal context
/// (the signals are delivered through `DispatchSource.makeSignalSource`), so it may take the lock.
public enum ProcessCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var groups: Set<pid_t> = []
    nonisolated(unsafe) private static var files: Set<String> = []
    /// True once an interrupt is being handled: children started after that are ended at once.
    nonisolated(unsafe) private static var ending = false
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// The process groups listed now (their ids are the shells' pids).
    public static var processGroups: [pid_t] { lock.withLock { Array(groups) } }

    /// Runs `spawn` (which returns 0 on success) and lists the group `pid()` names, as one step
    /// that an interrupt cannot split.
    static func spawning(_ spawn: () -> Int32, registering pid: () -> pid_t) -> Int32 {
        lock.withLock {
            let status = spawn()
            guard status == 0 else { return status }
            if ending { kill(-pid(), SIGKILL) } else { groups.insert(pid()) }
            return status
        }
    }

    /// Unlists an ended process group.
    static func unregister(processGroup pid: pid_t) {
        _ = lock.withLock { groups.remove(pid) }
    }

    /// Lists a temporary file to remove if the process is interrupted before it is renamed.
    public static func register(temporaryFile path: String) {
        _ = lock.withLock { files.insert(path) }
    }

    /// Unlists a temporary file (renamed or removed).
    public static func unregister(temporaryFile path: String) {
        _ = lock.withLock { files.remove(path) }
    }

    /// Ends every listed process group at once (SIGKILL, reaping the shells) and removes every
    /// listed file; later spawns are ended as soon as they start. For a process about to exit:
    /// it ends the children of every thread.
    public static func endAll() {
        lock.withLock {
            let ended = killAndRemove()
            for pid in ended {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }
    }

    /// SIGKILL to every listed group, every listed file removed (the lock held); the groups ended.
    private static func killAndRemove() -> Set<pid_t> {
        ending = true
        let ended = groups
        for pid in groups { kill(-pid, SIGKILL) }
        groups.removeAll()
        for path in files { unlink(path) }
        files.removeAll()
        return ended
    }

    /// Makes SIGINT, SIGTERM and SIGHUP end the listed children, remove the listed files and exit
    /// with 128 + the signal's number. For commands that run long; idempotent. (Changes the
    /// process's dispositions of those signals to "ignore", as signal sources require; children
    /// get the default dispositions back.)
    public static func installInterruptHandler() {
        lock.withLock {
            guard sources.isEmpty else { return }
            for signo in [SIGINT, SIGTERM, SIGHUP] {
                signal(signo, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
                source.setEventHandler {
                    // The lock is kept until the process exits: a thread that sees its child die
                    // meanwhile blocks on it, and cannot exit first with a status of its own.
                    lock.lock()
                    _ = killAndRemove()
                    _exit(128 + signo)
                }
                source.resume()
                sources.append(source)
            }
        }
    }
}
