import CrossCheckCore

/// A first request to an implementation before an audit or a check, so that one that cannot run at
/// all (a missing framework, a wrong command) stops the run at once with its own words, instead of
/// failing every sample (and, for a check, storing every failure as a counterexample).
public enum Preflight {
    /// Asks for σ(0) in float32. An error answer (`{"error": …}`) is fine — the implementation runs;
    /// no answer at all (`ImplementationError.failed`: it does not start, crashes, hangs, writes no
    /// answer) is an `AuditError` with `badInput`.
    public static func check(_ implementation: any SoftmaxImplementation, name: String) throws(AuditError) {
        let probe = Problem(function: .sigmoid, format: .float32, logits: [0])
        do {
            _ = try implementation.evaluate(probe)
        } catch ImplementationError.failed(let why) {
            throw AuditError(.badInput, "\(name) does not run: \(why)")
        } catch {
            return  // it answered, if only with an error of its own
        }
    }
}
