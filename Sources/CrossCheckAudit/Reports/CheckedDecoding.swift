import Foundation

/// Range checks for the numbers read from reports and baselines: a crafted or corrupt file is
/// a decoding error naming the field (`JSONText.decode` turns it into an `AuditError`), never an
/// overflow or a trap later in `merge`, `compare` or `gate`.
enum CheckedDecoding {
    /// The largest count (samples, outputs, errors, a histogram bucket…) a file may hold: 2⁵⁰.
    /// Far above any real audit, and low enough that adding up the ~1,500 histogram buckets of a
    /// cell cannot overflow an `Int` (merges of many files saturate: `CellStatistics.absorb`).
    static let maximumCount = 1 << 50
    /// The largest sample index or row length in a plot point: 2⁵³ (every such Double is whole).
    static let maximumIndex = Double(1 << 53)
}

extension KeyedDecodingContainer {
    /// A count in 0...`CheckedDecoding.maximumCount`.
    func decodeCount(forKey key: Key) throws -> Int {
        try checkedCount(decode(Int.self, forKey: key), forKey: key)
    }

    /// `value` when it is a count in 0...`CheckedDecoding.maximumCount`; a decoding error naming `key` otherwise.
    func checkedCount<T: BinaryInteger>(_ value: T, forKey key: Key) throws -> Int {
        guard value >= 0, value <= CheckedDecoding.maximumCount else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(value) is out of range (a count in 0...2^50)")
        }
        return Int(value)
    }

    /// A finite, non-negative Double (a bound, a time in seconds).
    func decodeNonNegative(forKey key: Key) throws -> Double {
        let value = try decode(Double.self, forKey: key)
        guard value.isFinite, value >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "\(value) is out of range (finite and ≥ 0)")
        }
        return value
    }
}
