@testable import CrossCheckProtocol
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Reports, baselines and stores replace regular files whole, and never replace anything else.
@Suite struct AtomicFileTests {
    /// A fresh directory for one test (removed by the test).
    static func scratch() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-atomic-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func kind(_ path: String) -> mode_t {
        var info = stat()
        lstat(path, &info)
        return info.st_mode & S_IFMT
    }

    static func permissions(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o7777
    }

    static func temporaries(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".tmp") }
    }

    @Test func aRegularFileIsReplacedKeepingItsMode() throws {
        let dir = Self.scratch(), file = dir.appendingPathComponent("report.json")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "old".write(to: file, atomically: false, encoding: .utf8)
        chmod(file.path, 0o640)
        try AtomicFile.write("new\n", to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "new\n")
        #expect(Self.permissions(file.path) == 0o640)
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    @Test func devNullStaysADevice() throws {
        try AtomicFile.write("nothing\n", to: URL(fileURLWithPath: "/dev/null"))
        #expect(Self.kind("/dev/null") == S_IFCHR)
    }

    @Test func aFIFOIsWrittenInPlace() throws {
        let dir = Self.scratch(), fifo = dir.appendingPathComponent("pipe")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let received = ReceivedText()
        let reader = Thread {
            let fd = open(fifo.path, O_RDONLY)
            var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { break }
                bytes += chunk[..<n]
            }
            close(fd)
            received.set(String(decoding: bytes, as: UTF8.self))
        }
        reader.start()
        try AtomicFile.write("through the pipe\n", to: fifo)
        let deadline = Date().addingTimeInterval(10)
        while received.get() == nil && Date() < deadline { usleep(10_000) }
        #expect(received.get() == "through the pipe\n")
        #expect(Self.kind(fifo.path) == S_IFIFO)
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    @Test func aSymlinkKeepsItsLinkAndItsTargetsMode() throws {
        let dir = Self.scratch(), target = dir.appendingPathComponent("baseline-real.json"), link = dir.appendingPathComponent("baseline.json")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "old".write(to: target, atomically: false, encoding: .utf8)
        chmod(target.path, 0o604)
        #expect(symlink(target.lastPathComponent, link.path) == 0)
        try AtomicFile.write("new\n", to: link)
        #expect(Self.kind(link.path) == S_IFLNK)
        #expect(try String(contentsOf: target, encoding: .utf8) == "new\n")
        #expect(Self.permissions(target.path) == 0o604)
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    @Test func aFailedWriteLeavesNoTemporaryAndStaleOnesAreRemoved() throws {
        let dir = Self.scratch(), file = dir.appendingPathComponent("out.json")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A stale temporary of a crosscheck that no longer runs (pid 2^22 + 1 is above pid_max's default).
        let stale = AtomicFile.temporaryPath(for: file.path, pid: 4_194_305)
        try "torn".write(toFile: stale, atomically: false, encoding: .utf8)
        try AtomicFile.write("ok\n", to: file)
        #expect(Self.temporaries(in: dir).isEmpty)
        // A directory is neither replaced nor written: an error naming it, and no temporary.
        let blocked = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("x"), withIntermediateDirectories: true)
        #expect { try AtomicFile.write("x", to: blocked) } throws: { error in
            (error as? AtomicFileError).map { $0.path == blocked.path && $0.description.contains("Is a directory") } ?? false
        }
        // A file in a directory that does not exist: an error naming the file.
        let missing = dir.appendingPathComponent("no-such-directory/out.json")
        #expect { try AtomicFile.write("x", to: missing) } throws: { error in
            (error as? AtomicFileError)?.path == missing.path
        }
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    /// A regular file under /dev is a regular file: replaced whole (not appended to), and created
    /// when it does not exist (not refused).
    @Test func aRegularFileUnderDevShmIsReplacedNotAppendedTo() throws {
        let shm = URL(fileURLWithPath: "/dev/shm")
        var info = stat()
        guard stat(shm.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, access(shm.path, W_OK) == 0 else {
            Issue.record("/dev/shm is not a writable directory here")
            return
        }
        let file = shm.appendingPathComponent("crosscheck-atomic-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try AtomicFile.write("first\n", to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "first\n")
        try AtomicFile.write("second\n", to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "second\n")
        #expect(Self.kind(file.path) == S_IFREG)
        #expect(Self.temporaries(in: shm).filter { $0.contains(file.lastPathComponent) }.isEmpty)
    }

    @Test func onlyTheProcesssOwnDescriptorNamesAreWrittenInPlaceByName() {
        for path in ["/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/fd/1", "/dev/fd/12", "/proc/self/fd/2"] {
            #expect(AtomicFile.namesOwnDescriptor(path), "\(path)")
        }
        for path in ["/dev/shm/report.json", "/dev/null", "/dev/fd/", "/dev/fd/x", "/proc/1/fd/1", "/proc/self/fd/1/x", "/tmp/stdout", "/dev/stdout2"] {
            #expect(!AtomicFile.namesOwnDescriptor(path), "\(path)")
        }
    }
}

/// Text handed from a reader thread to the test.
final class ReceivedText: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ t: String) { lock.withLock { text = t } }
    func get() -> String? { lock.withLock { text } }
}
