@testable import CrossCheckAudit
import CrossCheckTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Reports and baselines replace regular files whole, and never replace anything else.
@Suite struct AtomicFileTests {
    static func kind(_ path: String) -> mode_t {
        var info = stat()
        lstat(path, &info)
        return info.st_mode & S_IFMT
    }

    static func temporaries(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".tmp") }
    }

    @Test func aRegularFileIsReplacedKeepingItsMode() throws {
        let dir = Support.scratch(), file = dir.appendingPathComponent("report.json")
        try "old".write(to: file, atomically: false, encoding: .utf8)
        chmod(file.path, 0o640)
        try AtomicFile.write("new\n", to: file)
        #expect(try String(contentsOf: file, encoding: .utf8) == "new\n")
        var info = stat()
        stat(file.path, &info)
        #expect(info.st_mode & 0o7777 == 0o640)
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    @Test func devNullStaysADevice() throws {
        try AtomicFile.write("nothing\n", to: URL(fileURLWithPath: "/dev/null"))
        #expect(Self.kind("/dev/null") == S_IFCHR)
    }

    @Test func aFIFOIsWrittenInPlace() throws {
        let dir = Support.scratch(), fifo = dir.appendingPathComponent("pipe")
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
        let dir = Support.scratch(), target = dir.appendingPathComponent("baseline-real.json"), link = dir.appendingPathComponent("baseline.json")
        try "old".write(to: target, atomically: false, encoding: .utf8)
        chmod(target.path, 0o604)
        #expect(symlink(target.lastPathComponent, link.path) == 0)
        try AtomicFile.write("new\n", to: link)
        #expect(Self.kind(link.path) == S_IFLNK)
        #expect(try String(contentsOf: target, encoding: .utf8) == "new\n")
        var info = stat()
        stat(target.path, &info)
        #expect(info.st_mode & 0o7777 == 0o604)
        #expect(Self.temporaries(in: dir).isEmpty)
    }

    @Test func aFailedWriteLeavesNoTemporaryAndStaleOnesAreRemoved() throws {
        let dir = Support.scratch(), file = dir.appendingPathComponent("out.json")
        // A stale temporary of a crosscheck that no longer runs (pid 2^22 + 1 is above pid_max's default).
        let stale = AtomicFile.temporaryPath(for: file.path, pid: 4_194_305)
        try "torn".write(toFile: stale, atomically: false, encoding: .utf8)
        try AtomicFile.write("ok\n", to: file)
        #expect(Self.temporaries(in: dir).isEmpty)
        // Renaming over a directory fails: the temporary is removed.
        let blocked = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: blocked.appendingPathComponent("x"), withIntermediateDirectories: true)
        #expect(auditError { try AtomicFile.write("x", to: blocked) }?.kind == .badInput)
        #expect(Self.temporaries(in: dir).isEmpty)
    }
}

/// Text handed from a reader thread to the test.
final class ReceivedText: @unchecked Sendable {
    private let lock = NSLock()
    private var text: String?
    func set(_ t: String) { lock.withLock { text = t } }
    func get() -> String? { lock.withLock { text } }
}
