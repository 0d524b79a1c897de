import CrossCheckCore
import CrossCheckProperties

extension Catalog {
    /// 1. Every output within the implementation's stated ulp bound of the correctly rounded result.
    public static let accuracy = Property(
        name: "accuracy",
        summary: "Every output is within the implementation's stated bound, in ulps of the format, of the correctly rounded exact result (MPFR reference).",
        functions: SoftmaxFunction.allCases,
        rowKinds: finiteKinds,
        coversMixedPrecision: true,
        check: { p, c in
            let got = try c.values(p), want = try c.exact(p)
            let out = p.outputFormat
            let bound = c.maxULP(p.function, out)
            for i in got.indices {
                let d = out.ulpDistance(got[i], want[i])
                try require(d <= bound, "output \(i): got \(show(got[i], out)), correctly rounded \(show(want[i], out)): \(d) ulp > \(bound)")
            }
        }
    )

    /// 2. Limit semantics for NaN and ±inf, and no spurious overflow, underflow or NaN.
    public static let limits = Property(
        name: "limits",
        summary: "NaN and ±inf exactly where the limit semantics put them (NaN in → NaN out, masked −inf, a dominant +inf, no unique limit → NaN); a finite exact result is never computed as NaN or ±inf, and one of at least the least normal magnitude never as 0.",
        functions: SoftmaxFunction.allCases,
        rowKinds: [.masked, .fullyMasked, .singlePlusInfinity, .multiplePlusInfinity, .nan, .spread, .nearMax, .veryNegative, .edge,
                   .subnormal, .tinyOutputs, .extremeTemperature, .singleClass],
        targetShapes: TargetShape.allCases,
        coversMixedPrecision: true,
        check: { p, c in
            let got = try c.values(p), want = try c.exact(p)
            let out = p.outputFormat
            for i in got.indices {
                let (g, w) = (got[i], want[i])
                if w.isNaN {
                    try require(g.isNaN, "output \(i): the limit does not exist (NaN), got \(show(g, out))")
                } else if w.isInfinite {
                    try require(g == w, "output \(i): the limit is \(show(w, out)), got \(show(g, out))")
                } else {
                    try require(g.isFinite, "output \(i): exact result \(show(w, out)) is finite, got \(show(g, out)) (spurious \(g.isNaN ? "NaN" : "overflow"))")
                    if abs(w) >= out.leastNormalMagnitude {
                        try require(g != 0, "output \(i): exact result \(show(w, out)) is normal, got 0 (spurious underflow)")
                    }
                }
            }
        }
    )
}
