import ArbitraryPrecision
import CrossCheckCore

/// Why the reference could not answer.
public struct ReferenceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Ziv's strategy over the outputs of one problem.
///
/// `enclose(arithmetic, pending)` returns a proven enclosure of each pending
/// output at the arithmetic's working precision. Outputs whose enclosure decides the correct
/// rounding are done; the rest are evaluated again with twice the precision. Exact results are
/// rationals and round at once; all others are irrational (see `Enclosure`), so the loop ends. The
/// precision cap only turns a defect in that argument into an error instead of a hang.
func zivRound(
    count: Int,
    format: FloatFormat,
    initialPrecision: Int,
    enclose: (IntervalArithmetic, [Int]) throws(NeedsMorePrecision) -> [Enclosure]
) throws(ReferenceError) -> [Double] {
    var results = [Double](repeating: .nan, count: count)
    var pending = Array(0..<count)
    var precision = initialPrecision
    let cap = 1 << 16
    while !pending.isEmpty {
        guard precision <= cap else {
            throw ReferenceError(message: "could not round output \(pending[0]) correctly within \(cap) bits (an undetected exact result?)")
        }
        let arithmetic = IntervalArithmetic(precision: precision)
        do {
            let enclosures = try ExponentRange.widest { () throws(NeedsMorePrecision) in try enclose(arithmetic, pending) }
            var stillPending: [Int] = []
            for (k, index) in pending.enumerated() {
                if let rounded = ExponentRange.widest({ roundCorrectly(enclosures[k], to: format) }) {
                    results[index] = rounded
                } else {
                    stillPending.append(index)
                }
            }
            pending = stillPending
        } catch {
            // A denominator's ball contained zero: retry everything pending at a higher precision.
        }
        precision *= 2
    }
    return results
}
