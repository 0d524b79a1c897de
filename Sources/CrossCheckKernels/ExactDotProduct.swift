// An exact accumulator for sums of products of Doubles (a Kulisch accumulator): Σ aᵢ·bᵢ with no
// rounding at all, whatever the signs and magnitudes, read out once at the end.
//
// Why: a sum whose terms cancel loses, in any fixed-precision arithmetic, the bits the
// cancellation removes. Cross-entropy with soft targets of both signs is such a sum,
//   CE = Σᵢ tᵢ·(LSE − zᵢ/T) = (Σt)·log S − N/T,   N = Σᵢ tᵢ·(zᵢ − m) = Σᵢ tᵢzᵢ − m·Σᵢ tᵢ,
// where N is rational: the terms tᵢ·(zᵢ − m) can be ±2¹⁰²⁴ while N is 2⁻¹⁰⁷⁴ (targets [1, 1, −1]
// on logits [ε, M, −δ] leave N = −δ − ε). Accumulated exactly, N is then rounded once
// (relative error < 2⁻¹⁰⁴), and only the cancellation between (Σt)·log S (transcendental) and
// N/T (rational) remains — an accidental one, bounded as in RowFunctions.swift.
//
// Representation: a two's-complement fixed-point integer of 68 limbs (4352 bits) whose bit 0 has
// weight 2⁻²¹⁴⁸ (the least product of two subnormals is 2⁻¹⁰⁷⁴·2⁻¹⁰⁷⁴). A finite product is below
// 2²⁰⁴⁸, so 2²⁰⁴⁸·n for n < 2¹⁴⁰ rows' worth of terms fits with room for the sign. Each product
// is the exact 106-bit integer product of the significands, shifted to its place. The limbs are
// stored inline (no heap allocation per accumulator or per copy: rows use it per class).
struct ExactDotProduct {
    private static let limbs = 68
    private static let bias = 2148
    private var words = InlineArray<68, UInt64>(repeating: 0)

    init() {}

    var isZero: Bool {
        for i in words.indices where words[i] != 0 { return false }
        return true
    }

    /// Adds a·b exactly (a, b finite).
    mutating func add(_ a: Double, times b: Double) {
        guard a != 0, b != 0 else { return }
        let (ma, ea) = Self.integer(a)
        let (mb, eb) = Self.integer(b)
        let p = ma.multipliedFullWidth(by: mb)
        add(high: p.high, low: p.low, shift: ea + eb + Self.bias, negative: (a < 0) != (b < 0))
    }

    /// Adds a exactly (a finite).
    mutating func add(_ a: Double) { add(a, times: 1) }

    /// |x| = m·2ᵉ with m < 2⁵³ an integer (x finite, nonzero).
    private static func integer(_ x: Double) -> (UInt64, Int) {
        let bits = x.bitPattern
        let field = Int((bits >> 52) & 0x7FF)
        let fraction = bits & ((1 << 52) - 1)
        return field == 0 ? (fraction, -1074) : (fraction | (1 << 52), field - 1075)
    }

    /// Adds (or subtracts) the 128-bit integer high·2⁶⁴ + low, shifted left by `shift` bits.
    private mutating func add(high: UInt64, low: UInt64, shift: Int, negative: Bool) {
        let word = shift >> 6, bit = UInt64(shift & 63)
        // The three limbs the shifted value covers.
        var parts: (UInt64, UInt64, UInt64)
        if bit == 0 {
            parts = (low, high, 0)
        } else {
            parts = (low << bit, (high << bit) | (low >> (64 - bit)), high >> (64 - bit))
        }
        var carry = false
        func step(_ i: Int, _ v: UInt64) {
            if negative {
                let (d1, b1) = words[i].subtractingReportingOverflow(v)
                let (d2, b2) = d1.subtractingReportingOverflow(carry ? 1 : 0)
                words[i] = d2
                carry = b1 || b2
            } else {
                let (s1, c1) = words[i].addingReportingOverflow(v)
                let (s2, c2) = s1.addingReportingOverflow(carry ? 1 : 0)
                words[i] = s2
                carry = c1 || c2
            }
        }
        step(word, parts.0)
        step(word + 1, parts.1)
        step(word + 2, parts.2)
        var i = word + 3
        while carry && i < Self.limbs {
            step(i, 0)
            i += 1
        }
    }

    /// The sum in the working arithmetic W, rounded once to W's precision: the top four nonzero
    /// limbs (≥ 193 bits; what they leave out is < 2⁻¹⁹² relative) as eight exact 32-bit pieces,
    /// added in W from the largest (relative error ≤ 8 operations of W: ≤ 2⁻¹⁰² for double-double,
    /// ≤ 2⁻¹⁸⁷ for Extended192). It may overflow or underflow a W without its own exponent:
    /// callers use it where the sum is within W's range.
    func working<W: WorkingArithmetic>(_: W.Type) -> W {
        var w = words
        let negative = w[Self.limbs - 1] >> 63 == 1
        if negative {  // two's complement negation
            var carry = true
            for i in w.indices {
                let (v, c) = (~w[i]).addingReportingOverflow(carry ? 1 : 0)
                w[i] = v
                carry = c
            }
        }
        var top = Self.limbs - 1
        while top >= 0 && w[top] == 0 { top -= 1 }
        guard top >= 0 else { return .zero }
        var sum = W.zero
        for j in stride(from: top, through: max(top - 3, 0), by: -1) {
            let scale = 64 * (j - top)
            sum = sum + Double(sign: .plus, exponent: scale + 32, significand: Double(w[j] >> 32))
            sum = sum + Double(sign: .plus, exponent: scale, significand: Double(w[j] & 0xFFFF_FFFF))
        }
        return (negative ? -sum : sum).scaled(by: 64 * top - Self.bias)
    }
}
