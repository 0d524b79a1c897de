import Foundation

/// Subprocesses for the tests: where the built `crosscheck` is, a runner that cannot deadlock on
/// its pipes, and a look at which processes are alive. (No dependency: test targets at every
/// level may use it.)
public enum TestProcess {
    /// The directory of the built products: the test bundle's, which `crosscheck` is built beside.
    public static let products = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()

    /// The built `crosscheck` binary.
    public static var crosscheck: String { products.appendingPathComponent("crosscheck").path }

    /// Runs `executable ARGS…` to its end and returns its exit status, stdout and stderr.
    ///
    /// stdin (`input`, then end of file) is written and stdout and stderr are read at the same
    /// time, each on its own thread: a child that fills one pipe (64 KiB) while the test would be
    /// waiting on another cannot deadlock it.
    /// - Parameters:
    ///   - environment: variables set over the test's own environment.
    ///   - directory: the working directory (the test's when nil).
    public static func run(
        _ executable: String, _ arguments: [String], input: String = "", environment: [String: String] = [:], in directory: URL? = nil
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = directory }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let group = DispatchGroup()
        let (out, err) = (Collected(), Collected())
        DispatchQueue.global().async(group: group) {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        DispatchQueue.global().async(group: group) { err.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        out.data = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out.data, as: UTF8.self), String(decoding: err.data, as: UTF8.self))
    }

    /// `run` of the built `crosscheck`.
    public static func crosscheck(
        _ arguments: [String], input: String = "", environment: [String: String] = [:], in directory: URL? = nil
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(crosscheck, arguments, input: input, environment: environment, in: directory)
    }

    /// The live processes whose command line contains `marker` (and not `excluding`), as
    /// "PID: COMMAND LINE".
    public static func processes(containing marker: String, excluding: String? = nil) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            guard line.contains(marker), !(excluding.map(line.contains) ?? false) else { return nil }
            return "\(pid): \(line)"
        }
    }

    /// Bytes one thread collects and another reads after the `DispatchGroup` wait.
    private final class Collected: @unchecked Sendable {
        var data = Data()
    }
}
