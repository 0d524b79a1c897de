import ArbitraryPrecision
import CrossCheckCore

/// The JSON-lines protocol: requests in, answers out, one line each.
///
/// Request: `{"function": "softmax", "format": "float32", "logits": ["1.5", "-inf", "0x1.8p+3"],
/// "temperature": "0.5", "target": 2}`. Numbers are strings (decimal, hexadecimal float, `inf`,
/// `-inf`, `nan`) read as the nearest value of the format; `temperature` is optional; row losses
/// take `target` (a class index, a JSON integer) or `targets` (strings, one per logit); elementwise
/// losses take `targets`. `output_format` (optional, default `format`) names the format the results
/// are rounded to: `{"format": "bfloat16", "output_format": "float32", …}` is bfloat16 logits with
/// float32 results, as autocast runs a loss.
///
/// Answer: `{"result": "0.25"}` or `{"result": ["0.5", "0.5"]}`, numbers as the shortest strings
/// that read back exactly; or `{"error": "…"}` naming the field at fault.
public enum ProtocolCodec {
    static let knownFields: Set<String> = ["function", "format", "output_format", "logits", "temperature", "target", "targets"]

    /// The formats' names, for error messages.
    static var formatNames: String {
        let names = FloatFormat.allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Decodes and validates one request line.
    public static func decodeRequest(_ line: String) throws(ProblemError) -> Problem {
        try decodeRequest(JSONValue.parse(line))
    }

    /// Decodes and validates a request already parsed (e.g. a field of a larger JSON line).
    public static func decodeRequest(_ json: JSONValue) throws(ProblemError) -> Problem {
        guard case .object(let fields) = json else {
            throw ProblemError("request: expected a JSON object, got \(json.typeName)")
        }
        if let unknown = fields.keys.filter({ !knownFields.contains($0) }).sorted().first {
            throw ProblemError("\(unknown): unknown field (expected function, format, output_format, logits, temperature, target or targets)")
        }
        let functionName = try string(fields, "function")
        guard let function = SoftmaxFunction(rawValue: functionName) else {
            throw ProblemError("function: unknown function \(jsonQuoted(functionName)) (expected one of \(SoftmaxFunction.allCases.map(\.name).joined(separator: ", ")))")
        }
        let format = try self.format(fields, "format")
        let outputGiven = fields["output_format"].map { $0 != .null } ?? false
        let outputFormat = outputGiven ? try self.format(fields, "output_format") : format
        let logits = try numbers(fields, "logits", format)
        var temperature = 1.0
        if let t = fields["temperature"], t != .null {
            guard case .string(let text) = t else {
                throw ProblemError("temperature: expected a number as a string, got \(t.typeName)")
            }
            guard let value = format.parse(text) else {
                throw ProblemError("temperature: \(jsonQuoted(text)) is not a number")
            }
            temperature = value
        }
        var target: Target? = nil
        let index = fields["target"].flatMap { $0 == .null ? nil : $0 }
        let vector = fields["targets"].flatMap { $0 == .null ? nil : $0 }
        switch (index, vector) {
        case (.some, .some):
            throw ProblemError("target: give either \"target\" (a class index) or \"targets\" (a vector), not both")
        case (.some(let value), .none):
            switch value {
            case .integer(let y): target = .classIndex(y)
            case .number(let y) where y != y.rounded():
                throw ProblemError("target: expected an integer class index, got a fractional number")
            case .number(let y) where abs(y) < 1e18: target = .classIndex(Int(y))
            case .number(let y): throw ProblemError("target: class index \(y) is out of range")
            default: throw ProblemError("target: expected an integer class index, got \(value.typeName)")
            }
        case (.none, .some):
            target = .vector(try numbers(fields, "targets", format))
        case (.none, .none):
            break
        }
        let problem = Problem(function: function, format: format, outputFormat: outputFormat, logits: logits, temperature: temperature, target: target)
        try problem.validate()
        return problem
    }

    private static func format(_ fields: [String: JSONValue], _ key: String) throws(ProblemError) -> FloatFormat {
        let name = try string(fields, key)
        guard let format = FloatFormat(rawValue: name) else {
            throw ProblemError("\(key): unknown format \(jsonQuoted(name)) (expected \(formatNames))")
        }
        return format
    }

    private static func string(_ fields: [String: JSONValue], _ key: String) throws(ProblemError) -> String {
        guard let value = fields[key] else { throw ProblemError("\(key): missing") }
        guard case .string(let s) = value else { throw ProblemError("\(key): expected a string, got \(value.typeName)") }
        return s
    }

    private static func numbers(_ fields: [String: JSONValue], _ key: String, _ format: FloatFormat) throws(ProblemError) -> [Double] {
        guard let value = fields[key] else { throw ProblemError("\(key): missing") }
        guard case .array(let items) = value else {
            throw ProblemError("\(key): expected an array of numbers as strings, got \(value.typeName)")
        }
        var result: [Double] = []
        result.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard case .string(let text) = item else {
                throw ProblemError("\(key)[\(i)]: expected a number as a string (so no digit is lost), got \(item.typeName)")
            }
            guard let x = format.parse(text) else { throw ProblemError("\(key)[\(i)]: \(jsonQuoted(text)) is not a number") }
            result.append(x)
        }
        return result
    }

    /// The answer line for `answer` in `format`.
    public static func encode(_ answer: Answer, format: FloatFormat) -> String {
        switch answer {
        case .scalar(let x):
            return "{\"result\":\"\(format.format(x))\"}"
        case .vector(let v):
            var out = "{\"result\":["
            out.reserveCapacity(16 + v.count * 12)
            for (i, x) in v.enumerated() {
                if i > 0 { out += "," }
                out += "\""
                out += format.format(x)
                out += "\""
            }
            return out + "]}"
        }
    }

    /// The error line for `message`.
    public static func encodeError(_ message: String) -> String {
        "{\"error\":\(jsonQuoted(message))}"
    }

    /// The request line for `problem` (numbers as shortest round-trip strings; fields in a fixed order).
    public static func encodeRequest(_ problem: Problem) -> String {
        let f = problem.format
        var out = "{\"function\":\"\(problem.function.name)\",\"format\":\"\(f.rawValue)\","
        if problem.isMixedPrecision { out += "\"output_format\":\"\(problem.outputFormat.rawValue)\"," }
        out += "\"logits\":["
        out += problem.logits.map { "\"\(f.format($0))\"" }.joined(separator: ",")
        out += "]"
        if problem.temperature != 1 { out += ",\"temperature\":\"\(f.format(problem.temperature))\"" }
        switch problem.target {
        case .none: break
        case .classIndex(let y): out += ",\"target\":\(y)"
        case .vector(let t): out += ",\"targets\":[" + t.map { "\"\(f.format($0))\"" }.joined(separator: ",") + "]"
        }
        return out + "}"
    }

    /// Decodes an answer line for `problem` (as an external implementation writes it): a result of
    /// the right shape. Throws `ImplementationError.declined` with the implementation's own message
    /// for an error answer, and `.failed` saying what is wrong for anything that is not an answer.
    public static func decodeAnswer(_ line: String, for problem: Problem) throws(ImplementationError) -> Answer {
        let json: JSONValue
        do throws(ProblemError) { json = try JSONValue.parse(line) } catch { throw .failed(error.message) }
        return try decodeAnswer(json, for: problem)
    }

    /// Decodes an answer already parsed (e.g. a field of a larger JSON line) for `problem`.
    public static func decodeAnswer(_ json: JSONValue, for problem: Problem) throws(ImplementationError) -> Answer {
        do {
            return try decodeResult(json, for: problem)
        } catch let error as ImplementationError {
            throw error
        } catch let error as ProblemError {
            throw .failed(error.message)
        } catch {
            throw .failed("\(error)")
        }
    }

    /// The result of an answer, or a `ProblemError` saying what is wrong with it; an error answer
    /// is thrown as `ImplementationError.declined`.
    private static func decodeResult(_ json: JSONValue, for problem: Problem) throws -> Answer {
        guard case .object(let fields) = json else { throw ProblemError("answer: expected a JSON object, got \(json.typeName)") }
        if case .string(let message)? = fields["error"] { throw ImplementationError.declined(message) }
        guard let result = fields["result"] else { throw ProblemError("answer: has neither \"result\" nor \"error\"") }
        let format = problem.outputFormat
        func number(_ v: JSONValue, _ place: String) throws(ProblemError) -> Double {
            guard case .string(let s) = v else { throw ProblemError("\(place): expected a number as a string, got \(v.typeName)") }
            guard let x = format.parse(s) else { throw ProblemError("\(place): \(jsonQuoted(s)) is not a number") }
            return x
        }
        if problem.function.isScalar {
            return .scalar(try number(result, "result"))
        }
        guard case .array(let items) = result else { throw ProblemError("result: expected an array for \(problem.function.name), got \(result.typeName)") }
        guard items.count == problem.logits.count else {
            throw ProblemError("result: has \(items.count) values, expected \(problem.logits.count)")
        }
        var values: [Double] = []
        values.reserveCapacity(items.count)
        for (i, item) in items.enumerated() { values.append(try number(item, "result[\(i)]")) }
        return .vector(values)
    }
}
