import CMPFR
import Synchronization

/// An arbitrary-precision binary floating-point number: a safe value type over MPFR's `mpfr_t`.
///
/// Like swift-crypto's `ArbitraryPrecisionInteger`, the C handle lives in a private final class
/// whose `deinit` frees it, and C is reached only through `withUnsafe…Pointer`. Values are
/// copy-on-write: mutating a shared value first copies it (at its own precision, exactly).
///
/// Every operation takes an explicit precision and rounding direction, and returns MPFR's ternary
/// value where it matters, so callers can prove error bounds: with round-to-nearest at precision
/// `p`, a regular result `r` of a correctly rounded operation satisfies |r − exact| ≤ 2^(exponent(r) − p − 1).
public struct MPFloat {
    private final class Storage {
        let pointer: UnsafeMutablePointer<__mpfr_struct>

        init(precision: Int) {
            pointer = .allocate(capacity: 1)
            mpfr_init2(pointer, mpfr_prec_t(precision))
            liveMPFRValues.add(1, ordering: .relaxed)
        }

        deinit {
            mpfr_clear(pointer)
            pointer.deallocate()
            liveMPFRValues.subtract(1, ordering: .relaxed)
        }
    }

    private var storage: Storage

    /// A NaN with `precision` bits of significand.
    public init(precision: Int) {
        precondition(precision >= 2 && precision <= MPFloat.maximumPrecision, "MPFR precision out of range")
        storage = Storage(precision: precision)
    }

    /// `value` exactly when `precision` ≥ 53 (or when `value` fits), otherwise rounded to nearest.
    public init(_ value: Double, precision: Int = 53) {
        self.init(precision: precision)
        _ = mpfr_set_d(storage.pointer, value, MPFR_RNDN)
    }

    /// The integer `value` exactly when it fits in `precision` bits, else rounded to nearest.
    public init(integer value: Int, precision: Int = 64) {
        self.init(precision: precision)
        _ = mpfr_set_si(storage.pointer, value, MPFR_RNDN)
    }

    /// A copy of `other` at a new precision, rounded in `rounding` direction.
    public init(_ other: MPFloat, precision: Int, rounding: Rounding = .nearest) {
        self.init(precision: precision)
        other.withUnsafePointer { source in
            _ = mpfr_set(storage.pointer, source, rounding.mpfr)
        }
    }

    /// How many `mpfr_t` this process holds right now (each is cleared and freed with its last value).
    public static var liveCount: Int { liveMPFRValues.load(ordering: .relaxed) }

    /// Frees the calling thread's MPFR caches (constants such as log 2 and π, exp tables). MPFR
    /// keeps them per thread; a worker thread calls this before it ends, or they leak.
    public static func releaseThreadCaches() { mpfr_free_cache() }

    /// The largest precision MPFR accepts.
    public static var maximumPrecision: Int { crosscheck_mpfr_prec_max() }

    /// Calls `body` with a read-only pointer to the underlying `mpfr_t`.
    package func withUnsafePointer<R>(_ body: (UnsafePointer<__mpfr_struct>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafePointer(storage.pointer)) }
    }

    /// Calls `body` with a mutable pointer to the underlying `mpfr_t`, copying it first if shared.
    package mutating func withUnsafeMutablePointer<R>(
        _ body: (UnsafeMutablePointer<__mpfr_struct>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = Storage(precision: precision)
            _ = mpfr_set(copy.pointer, storage.pointer, MPFR_RNDN)  // exact: same precision
            storage = copy
        }
        return try withExtendedLifetime(storage) { try body(storage.pointer) }
    }

    /// The precision, in bits of significand.
    public var precision: Int { withUnsafePointer { Int(mpfr_get_prec($0)) } }
}

/// A rounding direction.
public enum Rounding: Sendable {
    case nearest, towardZero, up, down, awayFromZero

    package var mpfr: mpfr_rnd_t {
        switch self {
        case .nearest: return MPFR_RNDN
        case .towardZero: return MPFR_RNDZ
        case .up: return MPFR_RNDU
        case .down: return MPFR_RNDD
        case .awayFromZero: return MPFR_RNDA
        }
    }
}

// Values are copy-on-write: a storage object is mutated only while uniquely referenced, so
// sharing a value across threads is as safe as sharing an Array.
extension MPFloat: @unchecked Sendable {}

private let liveMPFRValues = Atomic<Int>(0)
