import CrossCheckCore
import Foundation

/// The values of a format where numerical bugs live.
public struct EdgeValues: Sendable {
    public let format: FloatFormat

    public init(_ format: FloatFormat) { self.format = format }

    /// p·log 2 = −log u: the gap d at which e^{−d} is the unit roundoff u = 2⁻ᵖ (1 + e^{−d} rounds to 1).
    public var unitRoundoffGap: Double { Double(format.precision) * 0.693_147_180_559_945_3 }

    /// log of the largest finite value: exp overflows just above it.
    public var expOverflowThreshold: Double { format.rounded(log(format.greatestFiniteMagnitude)) }

    /// log of the least subnormal: exp underflows to 0 just below it.
    public var expUnderflowThreshold: Double { format.rounded(log(format.leastNonzeroMagnitude)) }

    /// Gaps g between the row maximum and the next logit at the boundaries of the log1p regime:
    /// e^{−g} ≈ u (1 + e^{−g} rounds to 1), ≈ u², and ≈ the least normal value.
    public var log1pRegimeGaps: [Double] {
        let gap = unitRoundoffGap
        return [gap, 2 * gap, -log(format.leastNormalMagnitude)]
            .flatMap { [format.rounded($0), format.rounded($0 * (1 - 1e-3)), format.rounded($0 * (1 + 1e-3))] }
    }

    /// The catalogue of special values, non-negative ones (signs are drawn separately).
    public var magnitudes: [Double] {
        let f = format
        let one = 1.0
        let ulpBelowOne = f.unitRoundoff
        return [
            0, f.leastNonzeroMagnitude, 2 * f.leastNonzeroMagnitude, f.leastNormalMagnitude,
            f.leastNormalMagnitude - f.leastNonzeroMagnitude,
            f.greatestFiniteMagnitude, f.rounded(f.greatestFiniteMagnitude / 2),
            one, one - ulpBelowOne, one + 2 * ulpBelowOne, 0.5, 2,
            expOverflowThreshold, expUnderflowThreshold.magnitude,
        ] + log1pRegimeGaps
    }

    /// `magnitudes` of every format, computed once (the generators draw from them per value).
    public static let magnitudesByFormat: [FloatFormat: [Double]] =
        Dictionary(uniqueKeysWithValues: FloatFormat.allCases.map { ($0, EdgeValues($0).magnitudes) })

    /// Non-finite values: both infinities and NaN.
    public static let nonFinite: [Double] = [.infinity, -.infinity, .nan]
}

