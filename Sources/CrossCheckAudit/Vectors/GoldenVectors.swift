import CrossCheckCore
import CrossCheckProtocol
import CrossCheckProperties
import CrossCheckReference
import Foundation

/// Golden vectors: the problems of an audit with their correctly rounded answers, for
/// implementations that cannot speak the protocol (a GPU kernel, a device, an offline batch job).
///
/// `write` makes two files in a directory:
/// - `requests.jsonl`: one protocol request line per problem — the implementation's input;
/// - `vectors.jsonl`: a header line `{"count":N,"kind":"crosscheck-vectors","parameters":{…},"requests_sha256":"…","schema_version":1}`,
///   then per problem, in the same order, `{"class":…,"sample":…,"request":{…},"expected":{"result":…}}`.
///
/// The implementation answers `requests.jsonl` line by line (`{"result":…}` or `{"error":…}`), and
/// `score` audits those answers exactly as `audit` would have.
///
/// The two files are one pair. `requests.jsonl` is written first and `vectors.jsonl` last (each
/// atomically), and the vectors' header holds the SHA-256 of the requests file (what `sha256sum`
/// prints). So a run that fails half-way leaves new requests beside old vectors, never the
/// reverse unnoticed: `score` refuses vectors whose `requests.jsonl` beside them has another
/// digest — answers to other requests would otherwise be scored, line by line, against these
/// problems. (Vectors written before the digest existed have none, and are not checked.)
public enum GoldenVectors {
    public static let kind = "crosscheck-vectors"
    public static let schemaVersion = 1

    struct Header: Codable {
        var kind: String
        var schemaVersion: Int
        var parameters: AuditParameters
        var count: Int
        /// SHA-256 of `requests.jsonl` as written with these vectors (hexadecimal).
        var requestsSHA256: String?

        enum CodingKeys: String, CodingKey {
            case kind, schemaVersion = "schema_version", parameters, count, requestsSHA256 = "requests_sha256"
        }
    }

    /// The requests file that belongs with `vectors` (beside it).
    public static func requestsFile(beside vectors: URL) -> URL {
        vectors.deletingLastPathComponent().appendingPathComponent("requests.jsonl")
    }

    /// Computes the vectors of `plan` with the reference (in parallel) and writes them to
    /// `directory`; returns how many were written and how many the reference could not settle.
    @discardableResult
    public static func write(_ plan: AuditPlan, to directory: URL, threads: Int, progress: ProgressReporter? = nil) throws(AuditError) -> (written: Int, skipped: Int) {
        /// A vector, a problem the reference cannot decide (skipped, counted), or a fault.
        enum Slot: Sendable { case vector(request: String, line: String), undecided, fault(String) }
        // Per work item its problems' slots (a block of two-class rows has 256).
        let slots = ParallelWork.Slots<[Slot]>(count: plan.workItemCount)
        _ = ParallelWork.run(count: plan.workItemCount, threads: threads, progress: progress,
                             atThreadExit: ReferenceImplementation.releaseThreadResources,
                             makeState: { _ in ReferenceImplementation() }) { reference, j in
            let (c, k) = plan.workItem(j)
            let cell = plan.cells[c]
            slots.set(j, plan.problems(cell, k).map { problem -> Slot in
                let answer: Answer
                do { answer = try reference.evaluate(problem) } catch ImplementationError.undecided {
                    return .undecided
                } catch {
                    return .fault("the reference failed on sample \(k) of \(cell): \(error)")
                }
                let request = ProtocolCodec.encodeRequest(problem)
                let line = "{\"class\":\(jsonQuoted(cell.inputClass)),\"sample\":\(k),\"request\":\(request),\"expected\":\(ProtocolCodec.encode(answer, format: problem.outputFormat))}"
                return .vector(request: request, line: line)
            })
        }
        // Plan order: cell after cell, samples ascending.
        let ordered = (0..<plan.workItemCount).map { j in (plan.workItem(j), j) }.sorted { $0.0 < $1.0 }
        let values = slots.values
        let all = ordered.flatMap { values[$0.1] }
        for case .fault(let why) in all { throw AuditError(.badInput, why) }
        let kept: [(request: String, vector: String)] = all.compactMap {
            guard case .vector(let request, let line) = $0 else { return nil }
            return (request, line)
        }
        let lines = kept.map(\.vector)
        let requestsText = kept.map(\.request).joined(separator: "\n") + "\n"
        let header = Header(kind: kind, schemaVersion: schemaVersion, parameters: plan.parameters, count: lines.count,
                            requestsSHA256: SHA256.hex(requestsText.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let headerLine = String(decoding: try! encoder.encode(header), as: UTF8.self)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw AuditError(.badInput, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        // The requests first, the vectors (whose header names the requests' digest) last.
        let vectors = directory.appendingPathComponent("vectors.jsonl")
        try AtomicFile.writeAuditFile(requestsText, to: requestsFile(beside: vectors))
        try AtomicFile.writeAuditFile(([headerLine] + lines).joined(separator: "\n") + "\n", to: vectors)
        return (lines.count, all.count - lines.count)
    }

    /// Audits offline answers: `answers` holds one answer line per vector, in order.
    /// - Parameters:
    ///   - name: what the report calls the implementation.
    ///   - bound: the error the implementation claims, in ulps.
    public static func score(vectors: URL, answers: URL, name: String, bound: Double) throws(AuditError) -> AuditReport {
        let vectorLines = try lines(of: vectors, what: "vectors")
        let answerLines = try lines(of: answers, what: "answers")
        guard let headerLine = vectorLines.first else { throw AuditError(.badInput, "vectors \(vectors.path): empty file") }
        let header = try JSONText.decode(SchemaHeader.self, from: Data(headerLine.utf8), what: "vectors \(vectors.path) (first line)", kind: .badInput)
        try header.require(kind: kind, version: schemaVersion, what: "vectors \(vectors.path)", errorKind: .badInput)
        let fullHeader = try JSONText.decode(Header.self, from: Data(headerLine.utf8), what: "vectors \(vectors.path) (first line)", kind: .badInput)
        let parameters = fullHeader.parameters
        if let digest = fullHeader.requestsSHA256 { try checkRequests(beside: vectors, digest: digest) }
        let body = vectorLines.dropFirst()
        guard answerLines.count == body.count else {
            throw AuditError(.badInput, "answers \(answers.path) has \(answerLines.count) lines but vectors \(vectors.path) has \(body.count) vectors (one answer per line of requests.jsonl, in order)")
        }
        try parameters.validate(in: "vectors \(vectors.path) (first line)", kind: .badInput)
        let plan = try AuditPlan(parameters)
        let index = Dictionary(plan.cells.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var cells = plan.cells.map { CellStatistics(cell: $0, bound: bound) }
        for (n, (line, answerLine)) in zip(body, answerLines).enumerated() {
            let place = "vectors \(vectors.path) line \(n + 2)"
            let v = try parseVector(line, place: place)
            let cell = AuditCell(function: v.problem.function, format: v.problem.format, outputFormat: v.problem.outputFormat, inputClass: v.inputClass)
            guard let c = index[cell] else {
                throw AuditError(.badInput, "\(place): \(cell) is not a cell of these vectors' audit")
            }
            do throws(ImplementationError) {
                let got = try ProtocolCodec.decodeAnswer(answerLine, for: v.problem).values
                cells[c].record(sample: v.sample, problem: v.problem, expected: v.expected, got: got, keepPoint: plan.keepsPoint(v.sample, cell: c))
            } catch {
                cells[c].recordError(sample: v.sample, problem: v.problem, message: "answer line \(n + 1): \(error.description)")
            }
        }
        for i in cells.indices { cells[i].normalize() }
        return AuditReport(implementation: name, parameters: parameters, cells: cells)
    }

    /// Throws when the `requests.jsonl` beside `vectors` is not the one written with them (when
    /// there is none, the answers' pairing cannot be checked, only their count).
    static func checkRequests(beside vectors: URL, digest: String) throws(AuditError) {
        let requests = requestsFile(beside: vectors)
        guard FileManager.default.fileExists(atPath: requests.path) else { return }
        let data: Data
        do { data = try Data(contentsOf: requests) } catch {
            throw AuditError(.badInput, "cannot read requests \(requests.path): \(error.localizedDescription)")
        }
        let actual = SHA256.hex(data)
        guard actual == digest else {
            throw AuditError(.badInput, "requests \(requests.path) is not the file written with vectors \(vectors.path) "
                + "(its SHA-256 is \(actual), the vectors' header names \(digest)): answers to it would be scored against "
                + "other problems; write both again with `crosscheck vectors`")
        }
    }

    struct Vector {
        var inputClass: String
        var sample: Int
        var problem: Problem
        var expected: [Double]
    }

    static func parseVector(_ line: String, place: String) throws(AuditError) -> Vector {
        do {
            guard case .object(let f) = try JSONValue.parse(line), case .string(let inputClass)? = f["class"],
                  case .integer(let sample)? = f["sample"], let request = f["request"], let expected = f["expected"] else {
                throw ProblemError("expected {\"class\": …, \"sample\": …, \"request\": {…}, \"expected\": {…}}")
            }
            let problem = try ProtocolCodec.decodeRequest(request)
            let values = try ProtocolCodec.decodeAnswer(expected, for: problem).values
            return Vector(inputClass: inputClass, sample: sample, problem: problem, expected: values)
        } catch {
            throw AuditError(.badInput, "\(place): \(error)")
        }
    }

    static func lines(of url: URL, what: String) throws(AuditError) -> [String] {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw AuditError(.badInput, "cannot read \(what) \(url.path): \(error.localizedDescription)")
        }
        return JSONLines.split(text).map(String.init)
    }
}
