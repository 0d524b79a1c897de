import CrossCheckCore
import CrossCheckProperties  // SplitMix64: every run checks the same rows
import Foundation

/// The kinds of rows the accuracy targets name.
enum RowKindUnderTest: String, CaseIterable, Sendable {
    case normal, spread, nearMaximum, veryNegative, nearTies, masked, gap, subnormal, overflowingQuotient, wide
}

/// Rows of logits of each kind, exactly values of the format (carried as Double).
struct HostileRows {
    let format: FloatFormat
    var rng: SplitMix64

    init(format: FloatFormat, seed: UInt64) {
        self.format = format
        rng = SplitMix64(seed: seed)
    }

    var largest: Double { format.greatestFiniteMagnitude }
    var maxExponent: Int { Int(largest.exponent) }
    var minExponent: Int { Int(format.leastNonzeroMagnitude.exponent) }

    mutating func uniform(_ a: Double, _ b: Double) -> Double { Double.random(in: a..<b, using: &rng) }
    mutating func int(_ a: Int, _ b: Int) -> Int { Int.random(in: a...b, using: &rng) }
    mutating func coin(_ p: Double = 0.5) -> Bool { uniform(0, 1) < p }

    mutating func gaussian() -> Double {
        let u = uniform(Double.ulpOfOne, 1), v = uniform(0, 1)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }

    func round(_ x: Double) -> Double { format.rounded(x) }

    /// The spacing of the format's values at x.
    func ulp(_ x: Double) -> Double {
        let r = round(x).magnitude
        if r == 0 { return format.leastNonzeroMagnitude }
        return Double(sign: .plus, exponent: max(Int(r.exponent) - format.precision + 1, minExponent), significand: 1)
    }

    /// A temperature: 1 a third of the time, else log-uniform in [10⁻³, 10³].
    mutating func temperature() -> Double {
        if coin(1.0 / 3) { return 1 }
        return round(pow(10, uniform(-3, 3)))
    }

    /// A temperature for the kind: tiny for `overflowingQuotient` (z/T beyond the format), else
    /// `temperature()`.
    mutating func temperature(for kind: RowKindUnderTest) -> Double {
        guard kind == .overflowingQuotient else { return temperature() }
        switch format {
        case .float16: return round(pow(2, uniform(-24, -14)))
        case .float32: return round(pow(10, uniform(-44, -30)))
        case .float64: return round(pow(10, uniform(-320, -300)))
        }
    }

    mutating func row(_ kind: RowKindUnderTest, temperature t: Double) -> [Double] {
        let n = kind == .wide ? 32768 : (coin(0.1) ? int(1, 3) : int(2, 40))
        switch kind {
        case .overflowingQuotient:
            // z/T overflows the format, while the gaps (z − max)/T stay moderate for a few classes.
            let top = round(gaussian() * largest.squareRoot())
            return (0..<n).map { _ in coin(0.5) ? round(top - uniform(0, 20) * t) : round(top - uniform(0, 1) * top.magnitude) }
        case .normal, .wide:
            let scale = uniform(0.1, 20)
            return (0..<n).map { _ in round(gaussian() * scale) }
        case .spread:
            return (0..<n).map { _ in
                let e = uniform(Double(minExponent), Double(maxExponent) + 1)
                let v = round(pow(2, e))
                return coin() ? v : -v
            }
        case .nearMaximum:
            let u = ulp(largest)
            return (0..<n).map { _ in
                let v = largest - Double(int(0, 6)) * u
                return coin(0.8) ? v : -v
            }
        case .veryNegative:
            let base = -largest * uniform(0.25, 1)
            let u = ulp(base)
            let spread = coin()
            return (0..<n).map { _ in round(spread ? -largest * uniform(0.25, 1) : base + Double(int(-5, 5)) * u) }
        case .nearTies:
            let base = round(gaussian() * pow(10, uniform(-2, 3)))
            let u = ulp(base)
            return (0..<n).map { _ in round(base + Double(int(-3, 3)) * u) }
        case .masked:
            let scale = uniform(0.1, 10)
            var z = (0..<n).map { _ in coin(0.3) ? -Double.infinity : round(gaussian() * scale) }
            z[int(0, n - 1)] = round(gaussian() * scale)
            return z
        case .gap:
            let top = round(gaussian() * 10)
            let gap = uniform(16, 40) * t
            var z = [top, round(top - gap)]
            for _ in 2..<max(n, 2) { z.append(round(top - gap - uniform(0, 30) * t)) }
            z.shuffle(using: &rng)
            return z
        case .subnormal:
            let least = format.leastNonzeroMagnitude
            let normal = format.leastNormalMagnitude
            return (0..<n).map { _ in
                let v = coin(0.1) ? 0 : round(uniform(least, normal))
                return coin() ? v : -v
            }
        }
    }

    /// Soft targets: random weights (some zero), uniform, one-hot, or smoothed one-hot.
    mutating func softTargets(_ n: Int) -> [Double] {
        switch int(0, 4) {
        case 0:
            return (0..<n).map { _ in round(1.0 / Double(n)) }
        case 1:
            var t = [Double](repeating: 0, count: n)
            t[int(0, n - 1)] = 1
            return t
        case 2:
            let eps = round(uniform(0.01, 0.3))
            let y = int(0, n - 1)
            return (0..<n).map { round(($0 == y ? 1 - eps : 0) + eps / Double(n)) }
        default:
            let w = (0..<n).map { _ in coin(0.2) ? 0 : uniform(0, 1) }
            let total = max(w.reduce(0, +), 1e-3)
            return w.map { round($0 / total) }
        }
    }

    /// Elementwise inputs of each kind, and targets in [0, 1].
    mutating func elementwise(_ kind: RowKindUnderTest) -> (x: [Double], t: [Double]) {
        var x = row(kind == .wide ? .normal : kind, temperature: 1)
        if kind == .masked { x = x.map { $0 == -.infinity ? (coin() ? .infinity : -.infinity) : $0 } }
        let t = x.map { _ -> Double in
            switch int(0, 4) {
            case 0: return 0
            case 1: return 1
            case 2: return 0.5
            default: return round(uniform(0, 1))
            }
        }
        return (x, t)
    }
}
