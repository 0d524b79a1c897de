import CrossCheckCore

/// What a property check can use: the implementation under test, the reference (injected: the
/// engine knows no MPFR; `CrossCheckCatalog` passes the correctly rounded one), and the error the
/// implementation is held to.
public struct PropertyContext: Sendable {
    public let implementation: any SoftmaxImplementation
    /// The ground truth: correctly rounded answers.
    public let reference: any SoftmaxImplementation
    /// Overrides the implementation's own claim (`maximumULPError`) when set.
    public let maxULPOverride: Double?

    public init(implementation: any SoftmaxImplementation, reference: any SoftmaxImplementation, maxULPOverride: Double? = nil) {
        self.implementation = implementation
        self.reference = reference
        self.maxULPOverride = maxULPOverride
    }

    /// The error bound, in ulps, the implementation is held to.
    public func maxULP(_ f: SoftmaxFunction, _ format: FloatFormat) -> Double {
        maxULPOverride ?? implementation.maximumULPError(f, format)
    }

    /// The implementation's answer's numbers (its errors are the property's failures).
    public func values(_ p: Problem) throws -> [Double] {
        do {
            let answer = try implementation.evaluate(p)
            let v = answer.values
            if v.count != (p.function.isScalar ? 1 : p.logits.count) {
                throw ProblemError("answered \(v.count) values, expected \(p.function.isScalar ? 1 : p.logits.count)")
            }
            return v
        } catch let e as ProblemError {
            throw PropertyFailure("\(implementation.name) could not answer: \(e.message)")
        } catch let e as ImplementationError {
            // Where the reference cannot decide either (its precision cap), refusing is no fault.
            if let why = referenceUndecided(p) { throw Inconclusive(reason: "\(implementation.name) could not answer (\(e.description)), nor can the reference: \(why)") }
            throw PropertyFailure("\(implementation.name) could not answer: \(e.description)")
        } catch let e as PropertyFailure {
            throw e
        } catch {
            throw PropertyFailure("\(implementation.name) could not answer: \(error)")
        }
    }

    /// Why the reference cannot decide `p`, or nil when it can.
    func referenceUndecided(_ p: Problem) -> String? {
        do { _ = try reference.evaluate(p); return nil }
        catch ImplementationError.undecided(let why) { return why }
        catch { return nil }
    }

    /// The correctly rounded values. When the reference itself cannot answer (a precision cap
    /// reached on a pathological row), the check is inconclusive rather than failed.
    public func exact(_ p: Problem) throws -> [Double] {
        do { return try reference.evaluate(p).values }
        catch ImplementationError.undecided(let why) { throw Inconclusive(reason: why) }
    }

    /// The same problem for another function.
    public func with(_ p: Problem, _ f: SoftmaxFunction, target: Target?? = .none) -> Problem {
        var q = p
        q.function = f
        if case .some(let t) = target { q.target = t }
        return q
    }
}

/// Thrown when a check cannot reach a verdict through no fault of the implementation.
public struct Inconclusive: Error, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// A property's verdict on one problem: thrown to say the property does not hold, and why.
public struct PropertyFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A named, documented property of the softmax family, checkable on any implementation.
public struct Property: Sendable {
    /// Short name (command line, fixture file name).
    public let name: String
    /// The mathematics it checks, in one or two sentences.
    public let summary: String
    /// The functions its problems use.
    public let functions: [SoftmaxFunction]
    /// The row kinds its problems are drawn from: with `functions`, the formats of a run and
    /// `targetShapes`, the cells of its stratified generation (`cells(functions:formats:)`).
    public let rowKinds: [RowKind]
    /// The target shapes its problems are drawn with (for functions that take targets).
    public let targetShapes: [TargetShape]
    /// Makes a problem for one of `functions` in a format. The runner passes a generator focused
    /// on one cell (`ProblemGenerator.focused(on:)`); the default draws from it.
    public let generate: @Sendable (ProblemGenerator, SoftmaxFunction, FloatFormat, inout SplitMix64) -> Problem
    /// Throws `PropertyFailure` when the property does not hold on the problem.
    public private(set) var check: @Sendable (Problem, PropertyContext) throws -> Void
    /// True when the check compares each output with the reference in the problem's
    /// `outputFormat`, so it holds for mixed-precision problems too (the metamorphic properties
    /// relate outputs in the input format, and are run on single-format problems only).
    public let coversMixedPrecision: Bool

    public init(
        name: String, summary: String, functions: [SoftmaxFunction],
        rowKinds: [RowKind] = RowKind.allCases.filter(\.isFinite), targetShapes: [TargetShape] = TargetShape.finite,
        generate: @escaping @Sendable (ProblemGenerator, SoftmaxFunction, FloatFormat, inout SplitMix64) -> Problem = { g, f, format, rng in
            g.problem(f, format, &rng)
        },
        coversMixedPrecision: Bool = false,
        check: @escaping @Sendable (Problem, PropertyContext) throws -> Void
    ) {
        self.coversMixedPrecision = coversMixedPrecision
        self.name = name
        self.summary = summary
        self.functions = functions
        self.rowKinds = rowKinds
        self.targetShapes = targetShapes
        self.generate = generate
        self.check = check
    }

    /// The same property — every declared field (name, functions, row kinds, target shapes,
    /// generator, mixed-precision coverage) carried over as it is — whose check first asks
    /// `inapplicable`, and holds without checking where it answers true. A copy, not a rebuild
    /// through `init`, so a field added later cannot be forgotten (or fall back to a default).
    public func skipping(when inapplicable: @escaping @Sendable (Problem, PropertyContext) throws -> Bool) -> Property {
        var guarded = self
        let original = check
        guarded.check = { p, c in
            if try inapplicable(p, c) { return }
            try original(p, c)
        }
        return guarded
    }

    /// The cells of this property's stratified generation over `functions` (those of the
    /// property among them) and `formats`.
    public func cells(functions selected: [SoftmaxFunction], formats: [FloatFormat]) -> [CoverageCell] {
        CoverageCell.cells(functions: functions.filter(selected.contains), formats: formats, kinds: rowKinds, shapes: targetShapes)
    }

    /// The verdict on `p`: holds, fails (a failure to answer is a failure), or inconclusive when
    /// the reference cannot decide it.
    public func verdict(_ p: Problem, _ context: PropertyContext) -> Verdict {
        do {
            try check(p, context)
            return .holds
        } catch let f as PropertyFailure {
            return .fails(f.message)
        } catch let i as Inconclusive {
            return .inconclusive(i.reason)
        } catch {
            return .fails("\(error)")
        }
    }

    /// True when the property does not fail on `p` (inconclusive counts as not failing), and why it fails.
    public func holds(_ p: Problem, _ context: PropertyContext) -> (Bool, String?) {
        if case .fails(let why) = verdict(p, context) { return (false, why) }
        return (true, nil)
    }
}

/// A property's verdict on one problem.
public enum Verdict: Sendable, Equatable {
    case holds
    case fails(String)
    /// The reference could not decide (its precision cap): neither passed nor failed.
    case inconclusive(String)
}

/// Throws a `PropertyFailure` with `message` unless `condition`.
@inline(__always)
package func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw PropertyFailure(message()) }
}

/// Formats a number of `format` for messages.
package func show(_ x: Double, _ format: FloatFormat) -> String { format.format(format.rounded(x)) }
