import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference

/// The property catalog, in the order the README and `crosscheck check` list it.
public enum Catalog {
    public static let all: [Property] = [accuracy, limits] + [
        softmaxDistribution, logSoftmaxAndLSE, lossIdentities, gradientIdentities,
        mseVanishingGradient, temperature, softmaxBeforeCrossEntropy, blanchardHighamHighamBounds, maximumLikelihood,
    ].map(leavingOverflowNaNToLimits)

    /// `property`, inapplicable to a problem whose correctly rounded answer holds a NaN that stands
    /// for overflow — finite inputs in a format without infinities (float8_e4m3fn: |result| > 464).
    /// The metamorphic identities (log_softmax ≤ 0, CE ≥ 0, …) relate values, and say nothing
    /// about such a NaN; `accuracy` and `limits` check it against the reference.
    static func leavingOverflowNaNToLimits(_ property: Property) -> Property {
        property.skipping { p, c in
            guard !p.outputFormat.hasInfinities, p.logits.allSatisfy(\.isFinite) else { return false }
            return try c.exact(p).contains(where: \.isNaN)
        }
    }

    public static func named(_ name: String) -> Property? { all.first { $0.name == name } }

    /// The MPFR reference, for the values a property needs beyond a format's precision (the
    /// finite-difference derivatives of `gradient-identities`).
    static let highPrecision = ReferenceImplementation()

    /// (m + 1) ulps of the format at x: the slack for comparing two results each within m ulps.
    static func slack(_ x: Double, _ format: FloatFormat, _ m: Double) -> Double {
        guard x.isFinite else { return 0 }
        return (m + 1) * format.ulp(x)
    }

    static let rowFunctions = SoftmaxFunction.allCases.filter { $0.shape == .row }
    static let elementwiseFunctions = SoftmaxFunction.allCases.filter { $0.shape == .elementwise }
    static let finiteKinds = RowKind.allCases.filter(\.isFinite)
}
