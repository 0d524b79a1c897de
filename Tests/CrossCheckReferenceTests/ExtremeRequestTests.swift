import CrossCheckCore
import CrossCheckProtocol
@testable import CrossCheckReference
import Foundation
import Testing

/// Extreme valid requests that once ended in "could not round output N correctly within 16384
/// bits": a result's limit, as exponentials like e^(−1e5) vanish, is itself a rounding boundary,
/// and the vanishing terms are far above MPFR's range yet far below 2^(−16384). Limit mode lets
/// every exponential below e^(−w) vanish at working precision w (`VanishingTerms`) and decides the
/// side from the perturbation's proven sign.
///
/// Expected values: mpmath interval arithmetic at up to 2^19 bits, rounded exactly
/// (`Fixtures/perturbation/extreme_requests.py`, `reference_values`), independently of MPFR.
@Suite struct ExtremeRequestTests {
    let reference = ReferenceImplementation()

    func answer(_ line: String) throws -> [Double] {
        try reference.evaluate(try ProtocolCodec.decodeRequest(line)).values
    }

    /// Three maximal logits, e^(−100000/3) and e^(−100000) vanishing: p₅ = 1/(3 + A), A > 0 tiny,
    /// and output 5's limit (Σt/3 − t₅)/3 is exactly the midpoint 12241775605074367/2⁵⁸; the value
    /// lies below it (the derivative with respect to A is −Σt/(9·(3 + A)²) < 0).
    @Test func crossEntropyGradientWithThreeTiedMaxima() throws {
        let v = try answer(#"{"function":"cross_entropy_grad","format":"float64","logits":["-300000.0","0.0","-100000.0","0.0","-100000.0","0.0","-100000.0","-300000.0"],"temperature":"3.0","targets":["0.07208773550136517","0.05706013919835957","0.20807516483592453","0.023607098152335377","0.19454799950962157","0.20591676015475718","0.09738084933060111","0.1413242533170354"]}"#)
        #expect(sameBits(v, [-0.024029245167121724, 0.09209106471165791, -0.0693583882786415, 0.10324207839366598,
                             -0.06484933316987386, 0.04247219105952537, -0.03246028311020037, -0.0471080844390118]), "\(v)")
        #expect(v[5].bitPattern == 0.04247219105952537.bitPattern)
    }

    /// T ≈ 0.001: the gaps are −8566 and beyond (e^(−8566) ≈ 2^(−12358)); the limit 2.4384765625 is a
    /// Float16 midpoint and the first-order change is negative: 2.4375.
    @Test func mseSoftmaxFloat16Midpoint() throws {
        let v = try answer(#"{"function":"mse_softmax","format":"float16","logits":["-14.0546875","-18.828125","6.55859375","15.125"],"temperature":"0.0010004043579101562","targets":["1.0","0.5","0.96875","0.5"]}"#)
        #expect(sameBits(v, [2.4375]), "\(v)")
    }

    /// ε = p₁ = e^(−1e5)/(1 + e^(−1e5)): the gradient is exactly (−4ε²(1 − ε), 4ε²(1 − ε)), far below
    /// the least subnormal. Its limit is 0 with a first derivative exactly 0 at 0; the second
    /// derivative gives the signs: [−0.0, +0.0].
    @Test func mseSoftmaxGradientOfOrderEpsilonSquared() throws {
        let v = try answer(#"{"function":"mse_softmax_grad","format":"float64","logits":["0","-1e5"],"targets":["1.5","0.5"]}"#)
        #expect(sameBits(v, [-0.0, 0.0]), "\(v)")
    }

    /// A fixed-seed subset of the random extreme requests (`extreme_requests.py generate 120 101`
    /// and `generate-hard 60 102`, in Fixtures/perturbation/extreme_sample.jsonl): every one is
    /// answered, bit for bit as stored. The stored answers are the reference's; mpmath
    /// (`extreme_requests.py verify`, interval arithmetic to 16384 bits, 10 s per request) agrees on
    /// every output it decides: 168 requests checked (2 with infinities skipped, 10 too slow), 0
    /// differences, 9 outputs beyond its cap. The reference before limit mode's vanishing threshold
    /// failed on one of them.
    @Test func fixedSeedSample() throws {
        var checked = 0
        for (number, problem, expected) in try storedAnswers(packageRoot.appendingPathComponent("Fixtures/perturbation/extreme_sample.jsonl")) {
            do {
                let got = try reference.evaluate(problem)
                #expect(sameBits(got.values, expected.values, nanMatchesNaN: true), "line \(number): \(ProtocolCodec.encodeRequest(problem)) gave \(ProtocolCodec.encode(got, format: problem.format)), stored \(ProtocolCodec.encode(expected, format: problem.format))")
            } catch {
                Issue.record("line \(number): \(ProtocolCodec.encodeRequest(problem)): \(error)")
            }
            checked += 1
        }
        #expect(checked == 180)
    }

    /// Rows where two vanishing groups of different sizes interact, found by `generate-hard`: the
    /// side is decided only once the larger group is resolved while the smaller still vanishes
    /// (limit mode beyond 16384 bits). The first: outputs 3 to 7 are of order e^(−33333)·e^(−10000)
    /// next to ranges of order e^(−10000); the third: float16 with T ≈ 0.001, the signs of zeros of
    /// order e^(−2·9996). mpmath (`extreme_requests.py verify`, interval arithmetic up to 65536
    /// bits) gives the same bits for every output of both.
    @Test func interactingVanishingGroups() throws {
        let a = try answer(#"{"function": "mse_softmax_grad", "format": "float32", "logits": ["-0x1.f935560000000p+14", "0x1.f400000000000p+9", "0x1.f400000000000p+9", "-0x1.f935560000000p+14", "-0x1.1940000000000p+13", "-0x1.f935560000000p+14", "-0x1.1940000000000p+13", "-0x1.f935560000000p+14"], "targets": ["-0x1.0000000000000p-1", "0x1.0000000000000p+0", "-0x1.0000000000000p+0", "0x1.0000000000000p-2", "0x1.0000000000000p-55", "0x1.8000000000000p+1", "0x1.0000000000000p+0", "0x1.0000000000000p-55"]}"#)
        #expect(sameBits(a, [0.0, -1.0, 1.0, -0.0, -0.0, -0.0, -0.0, -0.0]), "\(a)")
        let c = try answer(#"{"function": "mse_softmax_grad", "format": "float16", "logits": ["0x1.f400000000000p+9", "0x1.e340000000000p+9", "0x1.ef00000000000p+9", "0x1.f400000000000p+9", "0x1.f400000000000p+9", "0x1.e340000000000p+9", "0x1.e340000000000p+9", "0x1.f400000000000p+9"], "temperature": "0x1.0640000000000p-10", "targets": ["0x1.0000000000000p-2", "0x1.0000000000000p-3", "0x0.0p+0", "0x1.0000000000000p-2", "-0x1.0000000000000p+0", "0x1.0000000000000p-24", "0x1.0000000000000p+0", "0x1.8000000000000p+0"]}"#)
        #expect(sameBits(c, [-0.0, -0.0, 0.0, -0.0, 624.5, -0.0, -0.0, -624.5]), "\(c)")
    }

    /// The 21 requests (of 30,000 from the kernels' differential generator) that the reference
    /// could not decide before its exact decision (`ExactExponentialArithmetic`, Docs/THEORY.md
    /// §11): mse_softmax_grad with targets of both signs or above 1 and tied or vanishing logits,
    /// where the perturbation's sign needs products of vanishing terms with different gaps. Every
    /// output is now decided, bit for bit as `Fixtures/perturbation/exact_expansion.py` computes it
    /// independently (Python fractions for the exact expansion, mpmath at 3000 bits for its size).
    @Test func formerlyUndecided() throws {
        var checked = 0
        for (number, problem, expected) in try storedAnswers(packageRoot.appendingPathComponent("Fixtures/perturbation/formerly_undecided.jsonl")) {
            do {
                let got = try reference.evaluate(problem)
                #expect(sameBits(got.values, expected.values), "line \(number): \(ProtocolCodec.encodeRequest(problem)) gave \(ProtocolCodec.encode(got, format: problem.format)), expected \(ProtocolCodec.encode(expected, format: problem.format))")
            } catch {
                Issue.record("line \(number): \(ProtocolCodec.encodeRequest(problem)): \(error)")
            }
            checked += 1
        }
        #expect(checked == 21)
    }
}
