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
/// - `vectors.jsonl`: a header line `{"count":N,"kind":"crosscheck-vectors","parameters":{…},"schema_version":1}`,
///   then per problem, in the same order, `{"class":…,"sample":…,"request":{…},"expected":{"result":…}}`.
///
/// The implementation answers `requests.jsonl` line by line (`{"result":…}` or `{"error":…}`), and
/// `score` audits those answers exactly as `audit` would have.
public enum GoldenVectors {
    public static let kind = "crosscheck-vectors"
    public static let schemaVersion = 1

    struct Header: Codable {
        var kind: String
        var schemaVersion: Int
        var parameters: AuditParameters
        var count: Int

        enum CodingKeys: String, CodingKey {
            case kind, schemaVersion = "schema_version", parameters, count
        }
    }

    /// Computes the vectors of `plan` with the reference (in parallel) and writes them to
    /// `directory`; returns how many were written and how many the reference could not settle.
    @discardableResult
    public static func write(_ plan: AuditPlan, to directory: URL, threads: Int, progress: ProgressReporter? = nil) throws(AuditError) -> (written: Int, skipped: Int) {
        // Per work item its problems' lines (a block of two-class rows has 256), nil where the
        // reference could not settle one.
        let slots = ParallelWork.Slots<[(request: String, vector: String)?]>(count: plan.workItemCount)
        _ = ParallelWork.run(count: plan.workItemCount, threads: threads, progress: progress,
                             atThreadExit: ReferenceImplementation.releaseThreadResources,
                             makeState: { _ in ReferenceImplementation() }) { reference, j in
            let (c, k) = plan.workItem(j)
            let cell = plan.cells[c]
            slots.set(j, plan.problems(cell, k).map { problem in
                guard let answer = try? reference.evaluate(problem) else { return nil }
                let request = ProtocolCodec.encodeRequest(problem)
                let line = "{\"class\":\(jsonQuoted(cell.inputClass)),\"sample\":\(k),\"request\":\(request),\"expected\":\(ProtocolCodec.encode(answer, format: problem.outputFormat))}"
                return (request, line)
            })
        }
        // Plan order: cell after cell, samples ascending.
        let ordered = (0..<plan.workItemCount).map { j in (plan.workItem(j), j) }.sorted { $0.0 < $1.0 }
        let values = slots.values
        let all = ordered.flatMap { values[$0.1] }
        let kept = all.compactMap { $0 }
        let lines = kept.map(\.vector)
        let header = Header(kind: kind, schemaVersion: schemaVersion, parameters: plan.parameters, count: lines.count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let headerLine = String(decoding: try! encoder.encode(header), as: UTF8.self)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw AuditError(.badInput, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        try AtomicFile.write(([headerLine] + lines).joined(separator: "\n") + "\n", to: directory.appendingPathComponent("vectors.jsonl"))
        try AtomicFile.write(kept.map(\.request).joined(separator: "\n") + "\n", to: directory.appendingPathComponent("requests.jsonl"))
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
        let parameters = try JSONText.decode(Header.self, from: Data(headerLine.utf8), what: "vectors \(vectors.path) (first line)", kind: .badInput).parameters
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
