import CrossCheckCore
import Foundation

/// The kinds of rows the generators make, each aimed at a known way softmax-family code fails.
public enum RowKind: String, CaseIterable, Sendable, Hashable, Codable {
    /// Ordinary logits, N(0, σ²) with σ ∈ {1, 3, 10}.
    case normal
    /// Any finite value of the format (uniform bit patterns): spread over the whole range.
    case spread
    /// Clustered just below the largest finite value: overflow if not shifted.
    case nearMax
    /// Very negative logits: underflow if not shifted.
    case veryNegative
    /// Values a few ulps apart.
    case nearTies
    /// All equal: exact results (2⁻ᵏ and friends).
    case equal
    /// One logit far ahead of the rest.
    case dominant
    /// The largest logit leads the next by a gap at a log1p-regime boundary or in 16…40: LSE − max is tiny.
    case gap
    /// Some entries −inf (at least one, and at least one finite).
    case masked
    /// One entry +inf.
    case singlePlusInfinity
    /// Two or more entries +inf.
    case multiplePlusInfinity
    /// One entry NaN.
    case nan
    /// Subnormal logits.
    case subnormal
    /// Special values of the format: ±0, least subnormal and normal, largest finite, 1 ± ulp, exp thresholds…
    case edge
    /// Long rows (1,024 to the maximum length).
    case long
    /// Every logit −inf (a fully masked attention row): LSE = −inf, everything else NaN.
    case fullyMasked
    /// One class: softmax is 1, log_softmax 0, CE 0 (with the target on it).
    case singleClass
    /// Temperatures at the format's extremes (`extremeTemperature`): z/T beyond the range, 1/T subnormal.
    case extremeTemperature
    /// Output-side: outputs that are subnormal or just underflow (gaps (zᵢ − max)/T, or x, near
    /// the log of the least subnormal and least normal values).
    case tinyOutputs
    /// Output-side: outputs just below 1 or rounding to 1 (a leader ahead by about p·log 2, or x there).
    case nearOne

    /// Kinds whose rows are all finite.
    public var isFinite: Bool {
        switch self {
        case .masked, .singlePlusInfinity, .multiplePlusInfinity, .nan, .fullyMasked: return false
        default: return true
        }
    }
}

/// Draws edge-biased values, rows, targets and temperatures for a format.
public struct ProblemGenerator: Sendable {
    /// The longest row generated (only `long` rows and rare others reach it).
    public var maxClasses: Int
    /// The row kinds to draw from.
    public var rowKinds: [RowKind]
    /// The target shapes to draw from (nil: the mixed distribution of `rowTarget(classes:)`).
    public var targetShapes: [TargetShape]?

    public init(maxClasses: Int = 32_768, rowKinds: [RowKind] = RowKind.allCases, targetShapes: [TargetShape]? = nil) {
        self.maxClasses = max(1, maxClasses)
        self.rowKinds = rowKinds.isEmpty ? RowKind.allCases : rowKinds
        self.targetShapes = targetShapes
    }

    // MARK: Values

    /// An ordinary value of `format`, N(0, σ²) rounded.
    public func ordinary(_ format: FloatFormat, scale: Double = 3, _ rng: inout SplitMix64) -> Double {
        format.rounded(rng.gaussian() * scale)
    }

    /// Any finite value of the format, by uniform bit pattern (so every binade is equally likely).
    public func anyFinite(_ format: FloatFormat, _ rng: inout SplitMix64) -> Double {
        while true {
            let x: Double
            switch format {
            case .float16: x = Double(Float16(bitPattern: UInt16.random(in: 0...UInt16.max, using: &rng)))
            case .float32: x = Double(Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng)))
            case .float64: x = Double(bitPattern: rng.next())
            default: x = format.value(bitPattern: rng.next())
            }
            if x.isFinite { return x }
        }
    }

    /// A special value of the format with a random sign.
    public func edge(_ format: FloatFormat, _ rng: inout SplitMix64) -> Double {
        let m = EdgeValues.magnitudesByFormat[format]!.randomElement(using: &rng)!
        return rng.chance(0.5) ? m : -m
    }

    /// `x` moved by k ulps of `format`.
    public func step(_ x: Double, by k: Int, in format: FloatFormat) -> Double {
        var y = x
        for _ in 0..<abs(k) { y = k > 0 ? format.nextUp(y) : format.nextDown(y) }
        return y
    }

    // MARK: Rows

    /// A row length: mostly short, sometimes hundreds, rarely up to `maxClasses`.
    public func classCount(_ rng: inout SplitMix64) -> Int {
        let r = Double.random(in: 0..<1, using: &rng)
        let n: Int
        if r < 0.5 { n = Int.random(in: 1...8, using: &rng) }
        else if r < 0.85 { n = Int.random(in: 2...64, using: &rng) }
        else if r < 0.98 { n = Int.random(in: 65...1024, using: &rng) }
        else { n = Int.random(in: 1025...max(1025, maxClasses), using: &rng) }
        return min(n, maxClasses)
    }

    /// A row of `kind` for `format`; `temperature` scales gaps so they mean what they say in z/T.
    public func row(_ kind: RowKind, _ format: FloatFormat, temperature: Double, _ rng: inout SplitMix64) -> [Double] {
        var n = classCount(&rng)
        let big = format.greatestFiniteMagnitude
        switch kind {
        case .normal:
            let scale = [1.0, 3, 10].randomElement(using: &rng)!
            return (0..<n).map { _ in ordinary(format, scale: scale, &rng) }
        case .spread:
            return (0..<n).map { _ in anyFinite(format, &rng) }
        case .nearMax:
            return (0..<n).map { _ in
                rng.chance(0.2) ? big : format.rounded(big * (1 - abs(rng.gaussian()) * 1e-3))
            }
        case .veryNegative:
            let center = -big * Double.random(in: 0.001...1, using: &rng)
            return (0..<n).map { _ in format.rounded(max(-big, center * (1 + rng.gaussian() * 1e-2))) }
        case .nearTies:
            let base = ordinary(format, scale: 10, &rng)
            return (0..<n).map { _ in step(base, by: Int.random(in: -3...3, using: &rng), in: format) }
        case .equal:
            let v = rng.chance(0.3) ? edge(format, &rng) : ordinary(format, &rng)
            n = rng.chance(0.5) ? (1 << Int.random(in: 0...6, using: &rng)) : n
            return Array(repeating: v, count: min(n, maxClasses))
        case .dominant, .gap:
            n = max(n, 2)
            var z = (0..<n).map { _ in ordinary(format, scale: 1, &rng) }
            let gaps = kind == .gap ? EdgeValues(format).log1pRegimeGaps + [Double.random(in: 16...40, using: &rng)]
                                    : [Double.random(in: 40...200, using: &rng)]
            let gap = gaps.randomElement(using: &rng)!
            let lead = Int.random(in: 0..<n, using: &rng)
            if kind == .gap && rng.chance(0.5) {
                // The leader at 0, the rest at least `gap` below: LSE itself is tiny, log1p(Σ) exactly.
                for i in z.indices where i != lead { z[i] = format.rounded(-(gap + abs(z[i])) * temperature) }
                z[lead] = 0
                return z.map { $0.isFinite ? $0 : -format.greatestFiniteMagnitude }
            }
            let others = z.indices.filter { $0 != lead }.map { z[$0] }.max()!
            z[lead] = format.rounded(others + gap * temperature)
            return z.map { $0.isFinite ? $0 : format.greatestFiniteMagnitude }
        case .masked:
            n = max(n, 2)
            var z = (0..<n).map { _ in ordinary(format, &rng) }
            let keep = Int.random(in: 0..<n, using: &rng)
            for i in z.indices where i != keep && rng.chance(0.4) { z[i] = -.infinity }
            z[(keep + Int.random(in: 1..<n, using: &rng)) % n] = -.infinity  // at least one masked
            return z
        case .singlePlusInfinity:
            var z = (0..<n).map { _ in rng.chance(0.2) ? -Double.infinity : ordinary(format, &rng) }
            z[Int.random(in: 0..<n, using: &rng)] = .infinity
            return z
        case .multiplePlusInfinity:
            n = max(n, 2)
            var z = (0..<n).map { _ in ordinary(format, &rng) }
            let first = Int.random(in: 0..<n, using: &rng)
            var second = Int.random(in: 0..<n - 1, using: &rng)
            if second >= first { second += 1 }
            z[first] = .infinity
            z[second] = .infinity
            return z
        case .nan:
            var z = (0..<n).map { _ in ordinary(format, &rng) }
            z[Int.random(in: 0..<n, using: &rng)] = .nan
            return z
        case .subnormal:
            let least = format.leastNonzeroMagnitude
            let steps = format.leastNormalMagnitude / least
            return (0..<n).map { _ in
                let k = Double(Int.random(in: -Int(min(steps, 1e6))...Int(min(steps, 1e6)), using: &rng))
                return format.rounded(k * least)
            }
        case .edge:
            return (0..<n).map { _ in rng.chance(0.8) ? edge(format, &rng) : ordinary(format, &rng) }
        case .fullyMasked, .singleClass, .extremeTemperature, .tinyOutputs, .nearOne:
            return outputSideRow(kind, format, classes: n, temperature: temperature, &rng)
        case .long:
            let m = Int.random(in: min(1024, maxClasses)...maxClasses, using: &rng)
            let scale = [1.0, 10, 100].randomElement(using: &rng)!
            return (0..<m).map { _ in ordinary(format, scale: scale, &rng) }
        }
    }

    /// A row whose quotients z/T lie beyond the format while the gaps (zᵢ − max z)/T stay
    /// moderate for some classes, with its (tiny) temperature: kernels must never form z/T.
    public func quotientOverflowRow(_ format: FloatFormat, _ rng: inout SplitMix64) -> (logits: [Double], temperature: Double) {
        // T = 2^U(e₀, e₁): between the least subnormal 2^e₀ and the least normal value 2^e₁.
        let least = Double(format.minimumNormalExponent - format.precision + 1)
        let t = format.rounded(pow(2, Double.random(in: least ..< Double(format.minimumNormalExponent), using: &rng)))
        let n = rng.chance(0.1) ? Int.random(in: 1...3, using: &rng) : Int.random(in: 2...40, using: &rng)
        let top = format.rounded(rng.gaussian() * format.greatestFiniteMagnitude.squareRoot())
        let z = (0..<min(n, maxClasses)).map { _ in
            rng.chance(0.5) ? format.rounded(top - Double.random(in: 0..<20, using: &rng) * t)
                            : format.rounded(top - Double.random(in: 0..<1, using: &rng) * top.magnitude)
        }
        return (z, t > 0 ? t : format.leastNonzeroMagnitude)
    }

    // MARK: Temperatures and targets

    /// T = 1 often; sometimes (3 %) a temperature at the format's extremes (`extremeTemperature`);
    /// otherwise 10^U(−4, 4) rounded to the format.
    public func temperature(_ format: FloatFormat, _ rng: inout SplitMix64) -> Double {
        if rng.chance(0.4) { return 1 }
        if rng.chance(0.05) { return extremeTemperature(format, &rng) }
        let t = format.rounded(pow(10, Double.random(in: -4...4, using: &rng)))
        return t > 0 && t.isFinite ? t : 1
    }

    /// A temperature at the format's extremes, where 1/T, S·T or z/T leave the format: near the
    /// largest finite value (1/T and p/T subnormal, S·T overflowing), at the least subnormal and
    /// least normal values (z/T overflowing for every z beyond T·max), and the powers of two 2⁻¹…2⁻⁸
    /// near which z/T of the largest logits overflows.
    public func extremeTemperature(_ format: FloatFormat, _ rng: inout SplitMix64) -> Double {
        let big = format.greatestFiniteMagnitude
        let candidates: [Double] = [
            big, step(big, by: -Int.random(in: 1...4, using: &rng), in: format),
            format.rounded(big / Double(Int.random(in: 2...8, using: &rng))),
            Double(sign: .plus, exponent: big.exponent - Int.random(in: 0...3, using: &rng), significand: 1),
            format.leastNonzeroMagnitude, step(format.leastNonzeroMagnitude, by: Int.random(in: 1...3, using: &rng), in: format),
            format.leastNormalMagnitude, step(format.leastNormalMagnitude, by: Int.random(in: -2...2, using: &rng), in: format),
            Double(sign: .plus, exponent: -Int.random(in: 1...8, using: &rng), significand: 1),
        ]
        let t = candidates.randomElement(using: &rng)!
        return t > 0 && t.isFinite ? t : format.leastNonzeroMagnitude
    }

    /// Targets for a row function: a class index, a soft vector summing to 1 (as well as the format
    /// allows) or not, a vector of both signs or far from normalized (`signedTargets`, 7 %), or a
    /// label-smoothed one-hot.
    public func rowTarget(classes n: Int, _ format: FloatFormat, _ rng: inout SplitMix64) -> Target {
        let r = Double.random(in: 0..<1, using: &rng)
        let y = Int.random(in: 0..<n, using: &rng)
        if r < 0.5 { return .classIndex(y) }
        if r < 0.7 { return .vector(normalizedWeights(n, format, &rng)) }
        if r < 0.78 { return .vector((0..<n).map { _ in format.rounded(Double.random(in: 0...1, using: &rng)) }) }
        if r < 0.85 { return .vector(signedTargets(classes: n, format, &rng)) }
        return .vector(labelSmoothed(classes: n, at: y, format, &rng))
    }

    /// Row targets of both signs or unnormalized (the protocol accepts any finite row targets):
    /// ±1 and 0 (Σt small against its terms: the terms tᵢ·(LSE − zᵢ/T) cancel), N(0, σ²) with σ
    /// from 10⁻³ to 10³, or a normalized vector scaled by a large or tiny factor.
    public func signedTargets(classes n: Int, _ format: FloatFormat, _ rng: inout SplitMix64) -> [Double] {
        let big = format.greatestFiniteMagnitude
        switch Int.random(in: 0..<3, using: &rng) {
        case 0:
            return (0..<n).map { _ in [1.0, -1, 0, 2, -0.5].randomElement(using: &rng)! }
        case 1:
            let scale = [1e-3, 1, 1e3].randomElement(using: &rng)!
            return (0..<n).map { _ in max(-big, min(big, format.rounded(rng.gaussian() * scale))) }
        default:
            let factor = [1e-3, 100, -1, format.rounded(big.squareRoot())].randomElement(using: &rng)!
            return (0..<n).map { _ in format.rounded(Double.random(in: 0...1, using: &rng) / Double(n) * factor) }
        }
    }

    /// A target in [0, 1] for an elementwise loss, biased to 0, 1 and ½.
    public func elementTarget(_ format: FloatFormat, _ rng: inout SplitMix64) -> Double {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return 0
        case 1: return 1
        case 2: return 0.5
        case 3: return [format.leastNonzeroMagnitude, 1 - format.unitRoundoff].randomElement(using: &rng)!
        default: return format.rounded(Double.random(in: 0...1, using: &rng))
        }
    }

    // MARK: Problems

    /// A problem for `function` in `format`, with a row of `kind` (drawn from `rowKinds` when nil)
    /// and targets of `targetShape` (drawn from `targetShapes` when nil; when that is nil too, the
    /// mixed distribution of `rowTarget(classes:)` and `elementTarget`). `extremeTemperature` rows
    /// get a temperature at the format's extremes; other rows `temperature` when given (the gaps
    /// of `gap`, `tinyOutputs` and `nearOne` rows are drawn in units of it), else a drawn one.
    public func problem(_ function: SoftmaxFunction, _ format: FloatFormat, kind: RowKind? = nil,
                        targetShape: TargetShape? = nil, temperature fixed: Double? = nil, _ rng: inout SplitMix64) -> Problem {
        let kind = kind ?? rowKinds.randomElement(using: &rng)!
        let shape = targetShape ?? targetShapes.flatMap { shapes in
            TargetShape.applicable(to: function, on: kind).filter(shapes.contains).randomElement(using: &rng)
        }
        if function.shape == .elementwise {
            var x: [Double]
            if kind == .tinyOutputs || kind == .nearOne {
                x = outputSideElements(kind, format, count: min(classCount(&rng), 64), &rng)
            } else {
                x = row(kind, format, temperature: 1, &rng).map(format.rounded)
                if x.count > 64 && kind != .long { x = Array(x.prefix(64)) }
            }
            let t: Target? = !function.takesTarget ? nil
                : .vector(shape.map { elementTargets($0, x: x, format, &rng) } ?? x.map { _ in elementTarget(format, &rng) })
            return Problem(function: function, format: format, logits: x, target: t)
        }
        let t = kind == .extremeTemperature ? extremeTemperature(format, &rng) : fixed ?? temperature(format, &rng)
        // `rounded` makes the rows' ±inf NaN in a format without infinities (float8_e4m3fn).
        let z = row(kind, format, temperature: t, &rng).map(format.rounded)
        let target: Target? = !function.takesTarget ? nil
            : shape.map { rowTarget($0, logits: z, temperature: t, format, &rng) } ?? rowTarget(classes: z.count, format, &rng)
        return Problem(function: function, format: format, logits: z, temperature: t, target: target)
    }
}
