// A Swift user's own softmax, checked with CrossCheck's library products alone.
import CrossCheckCatalog
import CrossCheckCore
import CrossCheckKernels
import CrossCheckReference
import Foundation

/// The kernel under test: a max-shifted softmax computed in Double and rounded once to Float,
/// following CrossCheck's limit semantics for ±inf and NaN.
func mySoftmax(_ z: [Float], temperature t: Float) -> [Float] {
    let x = z.map { Double($0) / Double(t) }
    let plusInfinities = x.indices.filter { x[$0] == .infinity }
    if x.contains(where: \.isNaN) || plusInfinities.count > 1 || x.allSatisfy({ $0 == -.infinity }) {
        return z.map { _ in .nan }
    }
    if let j = plusInfinities.first { return x.indices.map { $0 == j ? 1 : 0 } }
    let m = x.max()!
    let e = x.map { exp($0 - m) }
    let s = e.reduce(0, +)
    return e.map { Float($0 / s) }
}

let z: [Float] = [1, 2, 3, -1e4]
let fast = try FastPathImplementation().softmax(z)
let exact = try ReferenceImplementation().softmax(z)
print("fast softmax      \(fast)")
print("reference softmax \(exact)")
let worst = zip(fast, exact).map { FloatFormat.float32.ulpDistance(Double($0), Double($1)) }.max()!
print("fast vs reference: \(worst) ulp")

let mine = SingleFunctionImplementation<Float>(.softmax, name: "my-softmax", maximumULPError: 1) { z, t, _ in
    mySoftmax(z, temperature: t)
}
let outcomes = Catalog.check(mine, properties: [Catalog.accuracy], functions: [.softmax], formats: [.float32], seed: 1, examples: 200)
for outcome in outcomes { print(outcome.summaryLine) }

// The same check must catch a broken softmax (no max subtraction: overflow on large logits).
let broken = SingleFunctionImplementation<Float>(.softmax, name: "no-max-shift") { z, t, _ in
    let e = z.map { expf($0 / t) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}
let caught = Catalog.check(broken, properties: [Catalog.accuracy], functions: [.softmax], formats: [.float32], seed: 1, examples: 200)
for outcome in caught { print(outcome.summaryLine) }

let ok = worst <= 1 && outcomes.allSatisfy(\.passed) && caught.contains { !$0.passed }
print(ok ? "consumer: OK" : "consumer: FAILED")
exit(ok ? 0 : 1)
