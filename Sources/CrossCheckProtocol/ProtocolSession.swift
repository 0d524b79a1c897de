import CrossCheckCore

/// Serves the JSON-lines protocol with an implementation: one answer line per input line, in
/// order, each written (and flushed by `write`) before the next line is read.
///
/// Every input line gets exactly one answer, a blank or malformed one included, so a client can
/// always pair answers with requests by position.
public struct ProtocolSession: Sendable {
    public let implementation: any SoftmaxImplementation

    public init(implementation: any SoftmaxImplementation) {
        self.implementation = implementation
    }

    /// The answer line for one request line.
    public func answer(_ line: String) -> (line: String, succeeded: Bool) {
        let problem: Problem
        do throws(ProblemError) {
            if line.allSatisfy(\.isWhitespace) { throw ProblemError("request: empty line, expected a JSON object") }
            problem = try ProtocolCodec.decodeRequest(line)
        } catch {
            return (ProtocolCodec.encodeError(error.message), false)
        }
        do {
            let answer = try implementation.evaluate(problem)
            return (ProtocolCodec.encode(answer, format: problem.outputFormat), true)
        } catch let error as ProblemError {
            return (ProtocolCodec.encodeError(error.message), false)
        } catch let error as ImplementationError {
            let message = switch error {
            case .declined, .failed: error.description
            case .undecided(let why): "\(implementation.name): \(why)"
            }
            return (ProtocolCodec.encodeError(message), false)
        } catch {
            return (ProtocolCodec.encodeError("\(implementation.name): \(error)"), false)
        }
    }

    /// Answers every line `readLine` yields until it returns nil; returns true when every request succeeded.
    public func serve(readLine: () -> String?, write: (String) -> Void) -> Bool {
        var allSucceeded = true
        while let line = readLine() {
            let (answer, ok) = self.answer(line)
            write(answer)
            allSucceeded = allSucceeded && ok
        }
        return allSucceeded
    }
}
