import CrossCheckCore
import CrossCheckProperties
import CrossCheckReference

/// The property catalog, in the order the README and `crosscheck check` list it.
public enum Catalog {
    public static let all: [Property] = [
        accuracy, limits, softmaxDistribution, logSoftmaxAndLSE, lossIdentities, gradientIdentities,
        mseVanishingGradient, temperature, softmaxBeforeCrossEntropy, blanchardHighamHighamBounds, maximumLikelihood,
    ]

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
