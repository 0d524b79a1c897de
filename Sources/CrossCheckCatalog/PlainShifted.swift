import CrossCheckCore
import CrossCheckProperties
import Foundation

/// The textbook shifted algorithms, run in the format's own arithmetic — the subject of
/// Blanchard, Higham & Higham's rounding error analysis:
///   a = max xᵢ,  s = Σ exp(xᵢ − a) (recursive summation),  LSE = a + log s,  pᵢ = exp(xᵢ − a)/s.
/// Float16 arithmetic is Swift's (correctly rounded); exp and log are the C library's, through
/// Float for Float16.
enum PlainShifted {
    static func evaluate(_ f: SoftmaxFunction, _ format: FloatFormat, _ z: [Double]) -> [Double] {
        switch format {
        case .float16: return run(f, z.map { Float16($0) }, exp: { Float16(Foundation.exp(Float($0))) }, log: { Float16(Foundation.log(Float($0))) }).map(Double.init)
        case .float32: return run(f, z.map { Float($0) }, exp: { Foundation.exp($0) }, log: { Foundation.log($0) }).map(Double.init)
        case .float64: return run(f, z, exp: { Foundation.exp($0) }, log: { Foundation.log($0) })
        default:
            // Double arithmetic rounded to the format after every operation: each operation's error
            // is at most u(1 + 2⁻⁴⁵) (two roundings, the first 2⁻⁴⁵ of the second's).
            return run(f, z, exp: { format.rounded(Foundation.exp($0)) }, log: { format.rounded(Foundation.log($0)) },
                       round: format.rounded)
        }
    }

    static func run<S: BinaryFloatingPoint>(
        _ f: SoftmaxFunction, _ x: [S], exp: (S) -> S, log: (S) -> S, round: (S) -> S = { $0 }
    ) -> [S] {
        let a = x.max()!
        var s: S = 0
        var e: [S] = []
        e.reserveCapacity(x.count)
        for xi in x {
            let v = exp(round(xi - a))
            e.append(v)
            s = round(s + v)
        }
        if f == .logsumexp { return [round(a + log(s))] }
        return e.map { round($0 / s) }
    }
}

extension Catalog {
    /// 10. The plain shifted LSE and softmax stay within the rounding error bounds of
    /// Blanchard–Higham–Higham's analysis.
    ///
    /// The bounds, derived in their style with the standard model fl(x ∘ y) = (x ∘ y)(1 + δ),
    /// |δ| ≤ u, exp and log with relative error ≤ 2u, recursive summation (γₖ = ku/(1 − ku)), and
    /// absolute errors of at most the least subnormal μ for each underflowing exponential:
    ///   eᵢ = exp(xᵢ − a)(1 + ρᵢ),  |ρᵢ| ≤ expm1(u|xᵢ − a|) + 2u                     (the shift rounds)
    ///   ŝ = s(1 + σ),  |σ| ≤ σ̄ = γ_{n−1} + Σᵢ eᵢ|ρᵢ|/s + nμ ≤ γ_{n−1} + (1/e + 2)nu + nμ   (s ≥ 1)
    ///   |LSE − LSE^| ≤ u|LSE^| + (1 + u)(σ̄/(1 − σ̄) + 2u·log ŝ)
    ///   |pᵢ − p̂ᵢ|  ≤ pᵢ(|ρᵢ| + σ̄/(1 − σ̄) + u)(1 + 2σ̄) + 2μ
    /// Each is widened by half an ulp for comparing with the correctly rounded reference.
    public static let blanchardHighamHighamBounds = Property(
        name: "bhh-error-bounds",
        summary: "The plain shifted LSE (a + log Σ exp(xᵢ − a)) and softmax (exp(xᵢ − a)/Σ), run in the format's own arithmetic, stay within Blanchard–Higham–Higham-style rounding error bounds: |LSE error| ≤ u|LSE| + σ̄/(1 − σ̄) + 2u·log s, |pᵢ error| ≤ pᵢ(|ρᵢ| + σ̄/(1 − σ̄) + u)(1 + 2σ̄) + 2μ.",
        functions: [.logsumexp, .softmax],
        rowKinds: finiteKinds.filter { $0 != .long && $0 != .extremeTemperature },
        generate: { g, f, format, rng in
            // T = 1 from the start: the rows' gaps are drawn in units of it.
            g.limited(toClasses: 2048).problem(f, format, temperature: 1, &rng)
        },
        check: { p, c in
            let f = p.format, u = f.unitRoundoff, mu = f.leastNonzeroMagnitude
            let z = p.logits
            guard z.allSatisfy(\.isFinite), p.temperature == 1 else { return }
            let n = Double(z.count)
            let a = z.max()!
            let plain = PlainShifted.evaluate(p.function, f, z)
            // The analysis assumes no overflow; in float8_e4m3fn an overflowing xᵢ − a is NaN.
            guard f.hasInfinities || !plain.contains(where: \.isNaN) else { return }
            let exact = try c.exact(p)
            // γ_{n−1} exists only for (n − 1)u < 1 (18 logits in float8_e4m3fn, u = 2⁻⁴, already fail it).
            guard (n - 1) * u < 0.5 else { return }
            let gamma = (n - 1) * u / (1 - (n - 1) * u)
            let rho = z.map { expm1(u * abs($0 - a)) + 2 * u }
            let weighted = zip(z, rho).reduce(0.0) { $0 + exp($1.0 - a) * $1.1 }
            let sigma = gamma + weighted + n * mu
            guard sigma < 0.5 else { return }  // the bound says nothing useful
            let grow = sigma / (1 - sigma)
            if p.function == .logsumexp {
                let y = plain[0], want = exact[0]
                guard y.isFinite, want.isFinite else { return }
                let s = exp(want - a)
                let bound = u * abs(y) + (1 + u) * (grow + 2 * u * log(max(s, 1))) + f.ulp(want) / 2
                try require(abs(y - want) <= bound * (1 + 1e-9),
                            "plain shifted LSE = \(show(y, f)), correctly rounded \(show(want, f)): error \(abs(y - want)) > bound \(bound)")
            } else {
                for i in plain.indices {
                    let bound = exact[i] * (rho[i] + grow + u) * (1 + 2 * sigma) + 2 * mu + f.ulp(exact[i]) / 2
                    try require(abs(plain[i] - exact[i]) <= bound * (1 + 1e-9),
                                "plain shifted softmax[\(i)] = \(show(plain[i], f)), correctly rounded \(show(exact[i], f)): error \(abs(plain[i] - exact[i])) > bound \(bound)")
                }
            }
        }
    )
}
