import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file writes of reports, baselines, vectors and regression stores that never leave a torn
/// file behind and never replace what is not a regular file.
///
/// - A regular file (or a path that does not exist yet) is written to a temporary file beside it,
///   flushed to disk and renamed over it: a crash leaves the old file or the new one. An existing
///   file keeps its permission bits; a new one gets 0666 less the umask.
/// - A symbolic link is followed: its final target is replaced that way, and the link stays.
/// - Anything else — a device (`/dev/null`), a FIFO, a socket, a terminal — is written in place,
///   appended to, never replaced. So are the names of this process's own descriptors
///   (`/dev/stdout`, `/dev/stderr`, `/dev/stdin`, `/dev/fd/N`, `/proc/self/fd/N`), whatever they
///   point at: `--json /dev/stdout` with stdout redirected to a file writes into that file, it does
///   not rename a new file over it. Every other path is decided by what it is (`stat`), wherever
///   it lives: a regular file under `/dev/shm` is replaced like any other.
///
/// Temporary files are named `.NAME.crosscheck-PID.tmp`: recognizably ours. They are removed on
/// every error path, listed with `ProcessCleanup` while they exist (so an interrupted command
/// removes them), and stale ones left by a killed crosscheck (whose PID no longer runs) are removed
/// by the next write to the same file.
public enum AtomicFile {
    /// Writes `text` to `url` as described above; an `AtomicFileError` names the path and the
    /// system's reason when that fails.
    public static func write(_ text: String, to url: URL) throws(AtomicFileError) {
        let path = url.path
        if namesOwnDescriptor(path) { return try writeInPlace(text, to: path) }
        let target = resolved(path)
        var info = stat()
        let exists = stat(target, &info) == 0
        if exists && (info.st_mode & S_IFMT) != S_IFREG { return try writeInPlace(text, to: target) }
        try replace(target, with: text, mode: exists ? info.st_mode & 0o7777 : nil)
    }

    /// True for the names of this process's standard streams and descriptors, which are written
    /// in place whatever they point at.
    static func namesOwnDescriptor(_ path: String) -> Bool {
        if ["/dev/stdin", "/dev/stdout", "/dev/stderr"].contains(path) { return true }
        for directory in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(directory) {
            let rest = path.dropFirst(directory.count)
            return !rest.isEmpty && rest.allSatisfy { ("0"..."9").contains($0) }
        }
        return false
    }

    /// The path with every symbolic link followed (the path itself when it is not a link, or when
    /// its target does not exist: the link is then written through).
    static func resolved(_ path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK,
              let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    /// The temporary file of this process for `target`.
    static func temporaryPath(for target: String, pid: pid_t = getpid()) -> String {
        let url = URL(fileURLWithPath: target)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).crosscheck-\(pid).tmp").path
    }

    private static func reason() -> String { String(cString: strerror(errno)) }

    /// Appends `text` to what is at `path` (a device, FIFO, terminal, /dev/stdout).
    private static func writeInPlace(_ text: String, to path: String) throws(AtomicFileError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw AtomicFileError(path: path, reason: reason()) }
        defer { close(fd) }
        if let why = writeAll(fd, text) { throw AtomicFileError(path: path, reason: why) }
    }

    /// Writes a temporary file beside `target` and renames it over `target`.
    private static func replace(_ target: String, with text: String, mode: mode_t?) throws(AtomicFileError) {
        removeStaleTemporaries(of: target)
        let temporary = temporaryPath(for: target)
        ProcessCleanup.register(temporaryFile: temporary)
        defer { ProcessCleanup.unregister(temporaryFile: temporary) }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw AtomicFileError(path: target, reason: "\(temporary): \(reason())") }
        func fail(_ what: String) -> AtomicFileError {
            let why = reason()
            unlink(temporary)
            return AtomicFileError(path: target, step: what, reason: why)
        }
        if let mode, fchmod(fd, mode) != 0 { close(fd); throw fail("keep the mode of") }
        if let why = writeAll(fd, text) {
            close(fd)
            unlink(temporary)
            throw AtomicFileError(path: target, reason: why)
        }
        if fsync(fd) != 0 { close(fd); throw fail("flush") }
        close(fd)
        if rename(temporary, target) != 0 { throw fail("replace") }
    }

    /// Writes every byte; the system's reason when that fails.
    private static func writeAll(_ fd: Int32, _ text: String) -> String? {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return n < 0 ? reason() : "nothing written" }
            written += n
        }
        return nil
    }

    /// Removes `.NAME.crosscheck-PID.tmp` files beside `target` whose PID no longer runs (best effort).
    private static func removeStaleTemporaries(of target: String) {
        let url = URL(fileURLWithPath: target)
        let prefix = ".\(url.lastPathComponent).crosscheck-", directory = url.deletingLastPathComponent().path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            guard let pid = pid_t(name.dropFirst(prefix.count).dropLast(4)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(directory + "/" + name) }
        }
    }
}

/// A file `AtomicFile` could not write: the path, what could not be done, and the system's reason.
public struct AtomicFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (a symbolic link's target).
    public var path: String
    /// What failed: "write", "keep the mode of", "flush" or "replace".
    public var step: String
    /// The system's reason (`strerror`), with the temporary file's name when that was at fault.
    public var reason: String

    public init(path: String, step: String = "write", reason: String) {
        self.path = path
        self.step = step
        self.reason = reason
    }

    public var description: String { "cannot \(step) \(path): \(reason)" }
}
