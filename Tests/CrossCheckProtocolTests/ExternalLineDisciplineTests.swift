import CrossCheckCore
import CrossCheckProtocol
import Foundation
import Testing

/// One line per request: a command that writes a blank line, a "loading…" banner or a second line
/// costs failed requests, never a shift that pairs an answer with the wrong request.
///
/// The commands are real shells. Each answers with its request's logits (`sed` copies them into
/// `{"result":[…]}`), so an answer names the request it was written for: request k has the logits
/// [k, k + 1], and any answer paired with another request shows up as the wrong numbers.
@Suite struct ExternalLineDisciplineTests {
    /// The shell text that answers the request in `$l` with its own logits.
    static let echoLogits = #"echo "$l" | sed 's/.*"logits":\(\[[^]]*\]\).*/{"result":\1}/'"#

    /// Request k: softmax of [k, k + 1] in binary32 (distinct, exact values).
    static func request(_ k: Int) -> Problem {
        Problem(function: .softmax, format: .float32, logits: [Double(k), Double(k + 1)])
    }

    /// The line the echo command answers request k with.
    static func answerLine(_ k: Int) -> String {
        #"{"result":["# + request(k).logits.map { "\"\(FloatFormat.float32.format($0))\"" }.joined(separator: ",") + "]}"
    }

    /// A file that does not exist yet, in a fresh directory removed at the end of `body`.
    static func withFlagFile(_ body: (String) throws -> Void) rethrows {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-lines-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try body(dir.appendingPathComponent("once").path)
    }

    /// The outcome of request k: its answer's values, or the failure's text.
    static func outcome(_ external: ExternalImplementation, _ k: Int) -> Result<[Double], ImplementationError> {
        do { return .success(try external.evaluate(request(k)).values) } catch {
            return .failure(error as! ImplementationError)
        }
    }

    /// Requests `range`, each expected to be answered with its own logits.
    static func expectAnsweredInOrder(_ external: ExternalImplementation, _ range: Range<Int>) throws {
        for k in range {
            #expect(try external.evaluate(request(k)).values == [Double(k), Double(k + 1)], "request \(k)")
        }
    }

    @Test func theEchoCommandAnswersEveryRequestWithItsOwnLogits() throws {
        // The control: without stray lines every answer is its request's.
        let external = ExternalImplementation(command: "while read l; do \(Self.echoLogits); done", timeout: 10)
        try Self.expectAnsweredInOrder(external, 0..<8)
    }

    /// True for the failure of a request whose first line was `first` and not an answer: read
    /// alone, a malformed answer; read with the answer behind it, more than one line.
    static func isStrayLineFailure(_ error: ImplementationError, first: String) -> Bool {
        let text = "\(error)"
        return (text.contains("malformed answer") || text.contains("wrote more than one line for one request"))
            && text.contains(jsonQuoted(first)) && text.contains("the next request starts it afresh")
    }

    @Test func aBlankLineBeforeEveryAnswerFailsEachRequestAndAnswersNoneWrongly() throws {
        // `echo; echo ANSWER`: the blank line is taken as the answer, malformed (or seen with the
        // answer behind it: two lines); the command is ended with the real answer unread, so it
        // can never be taken for the next request's.
        let external = ExternalImplementation(command: "while read l; do echo; \(Self.echoLogits); done", timeout: 10)
        for k in 0..<6 {
            switch Self.outcome(external, k) {
            case .success(let values): Issue.record("request \(k) answered with \(values)")
            case .failure(let error): #expect(Self.isStrayLineFailure(error, first: ""), "\(error)")
            }
        }
    }

    @Test func aLoadingBannerCostsOneRequestAndEveryLaterOneIsAnsweredInOrder() throws {
        // Prints "loading…" once (the flag file remembers it across restarts), then answers.
        try Self.withFlagFile { (flag: String) throws in
            let command = "[ -e '\(flag)' ] || { touch '\(flag)'; echo 'loading…'; }; while read l; do \(Self.echoLogits); done"
            let external = ExternalImplementation(command: command, timeout: 10)
            guard case .failure(let first) = Self.outcome(external, 0) else {
                Issue.record("the banner was accepted as an answer")
                return
            }
            #expect(Self.isStrayLineFailure(first, first: "loading…"), "\(first)")
            try Self.expectAnsweredInOrder(external, 1..<10)
        }
    }

    @Test func anExtraLineWithAnAnswerEndsTheCommandAndLaterRequestsAreAnsweredInOrder() throws {
        // The first answer comes with a second line in the same write, once.
        try Self.withFlagFile { (flag: String) throws in
            let command = "while read l; do a=$(\(Self.echoLogits)); "
                + "if [ -e '\(flag)' ]; then echo \"$a\"; else touch '\(flag)'; printf '%s\\nextra\\n' \"$a\"; fi; done"
            let external = ExternalImplementation(command: command, timeout: 10)
            guard case .failure(let first) = Self.outcome(external, 0) else {
                Issue.record("an answer followed by another line was accepted")
                return
            }
            #expect("\(first)".contains("wrote more than one line for one request (\(jsonQuoted(Self.answerLine(0))), then \"extra"), "\(first)")
            try Self.expectAnsweredInOrder(external, 1..<10)
        }
    }

    @Test func aLineWrittenAfterAnAnswerFailsTheNextRequestNotItsPairing() throws {
        // The first answer is followed 0.2 s later by a second line, once; the next request is
        // due after that line is there: it is not sent to be answered by it.
        try Self.withFlagFile { (flag: String) throws in
            let command = "while read l; do \(Self.echoLogits); [ -e '\(flag)' ] || { touch '\(flag)'; sleep 0.2; echo '{\"result\":[\"7\",\"7\"]}'; }; done"
            let external = ExternalImplementation(command: command, timeout: 10)
            #expect(try external.evaluate(Self.request(0)).values == [0, 1])
            Thread.sleep(forTimeInterval: 1)
            guard case .failure(let second) = Self.outcome(external, 1) else {
                Issue.record("request 1 was answered although a stray line was waiting")
                return
            }
            #expect("\(second)".contains("wrote more than one line for one request (after its answer to the previous request: \(jsonQuoted(#"{"result":["7","7"]}"#).dropLast())"), "\(second)")
            try Self.expectAnsweredInOrder(external, 2..<10)
        }
    }

    @Test func aDuplicatedAnswerIsNeverTakenForTheNextRequest() throws {
        // Every answer written twice in one write: valid JSON each time, so only the pairing can
        // go wrong. Each request fails; none is answered by the previous one's duplicate.
        let external = ExternalImplementation(command: "while read l; do a=$(\(Self.echoLogits)); printf '%s\\n%s\\n' \"$a\" \"$a\"; done", timeout: 10)
        for k in 0..<6 {
            switch Self.outcome(external, k) {
            case .success(let values): Issue.record("request \(k) answered with \(values)")
            case .failure(let error): #expect("\(error)".contains("wrote more than one line for one request"), "\(error)")
            }
        }
    }
}
