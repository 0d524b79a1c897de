import CMPFR
import Synchronization

/// An exact rational number: a safe value type over GMP's `mpq_t` (always canonical).
///
/// The reference uses it for results that are rational functions of the inputs — for instance the
/// softmax of 2ᵏ equal logits, 2⁻ᵏ, or a cross-entropy gradient whose transcendental part is
/// multiplied by an exact zero — which Ziv's strategy alone could never round.
public struct MPRational {
    private final class Storage {
        let pointer: UnsafeMutablePointer<__mpq_struct>

        init() {
            pointer = .allocate(capacity: 1)
            __gmpq_init(pointer)
            liveGMPRationals.add(1, ordering: .relaxed)
        }

        deinit {
            __gmpq_clear(pointer)
            pointer.deallocate()
            liveGMPRationals.subtract(1, ordering: .relaxed)
        }
    }

    private var storage: Storage

    /// How many `mpq_t` this process holds right now (each is cleared and freed with its last value).
    public static var liveCount: Int { liveGMPRationals.load(ordering: .relaxed) }

    /// Zero.
    public init() { storage = Storage() }

    /// A finite Double, exactly.
    public init(_ value: Double) {
        precondition(value.isFinite, "MPRational from a non-finite Double")
        self.init()
        __gmpq_set_d(storage.pointer, value)
    }

    /// An integer, exactly.
    public init(integer value: Int) {
        self.init()
        __gmpq_set_si(storage.pointer, value, 1)
    }

    package func withUnsafePointer<R>(_ body: (UnsafePointer<__mpq_struct>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafePointer(storage.pointer)) }
    }

    static func make(_ body: (UnsafeMutablePointer<__mpq_struct>) -> Void) -> MPRational {
        let result = MPRational()
        body(result.storage.pointer)
        return result
    }

    static func binary(
        _ a: MPRational, _ b: MPRational,
        _ op: (UnsafeMutablePointer<__mpq_struct>, UnsafePointer<__mpq_struct>, UnsafePointer<__mpq_struct>) -> Void
    ) -> MPRational {
        a.withUnsafePointer { pa in b.withUnsafePointer { pb in make { op($0, pa, pb) } } }
    }

    public static func + (a: MPRational, b: MPRational) -> MPRational { binary(a, b) { __gmpq_add($0, $1, $2) } }
    public static func - (a: MPRational, b: MPRational) -> MPRational { binary(a, b) { __gmpq_sub($0, $1, $2) } }
    public static func * (a: MPRational, b: MPRational) -> MPRational { binary(a, b) { __gmpq_mul($0, $1, $2) } }
    /// a / b; b must not be zero.
    public static func / (a: MPRational, b: MPRational) -> MPRational {
        precondition(!b.isZero, "MPRational division by zero")
        return binary(a, b) { __gmpq_div($0, $1, $2) }
    }
    public static prefix func - (a: MPRational) -> MPRational { a.withUnsafePointer { p in make { __gmpq_neg($0, p) } } }

    /// −1, 0 or +1.
    public var signum: Int {
        withUnsafePointer { Int(crosscheck_mpq_sgn($0)) }
    }

    public var isZero: Bool { signum == 0 }

    /// The rational rounded to `precision` bits (correctly, in `rounding` direction).
    public func mpFloat(precision: Int, rounding: Rounding = .nearest) -> MPFloat {
        rounded(precision: precision, rounding: rounding).value
    }

    /// The rational rounded to `precision` bits, and whether that is exact.
    public func rounded(precision: Int, rounding: Rounding = .nearest) -> (value: MPFloat, isExact: Bool) {
        var ternary: Int32 = 0
        let value = withUnsafePointer { pq in
            MPFloat.make(precision: precision) { result in
                ternary = mpfr_set_q(result, pq, rounding.mpfr)
                return ternary
            }
        }
        return (value, ternary == 0)
    }
}

extension MPRational: Comparable {
    public static func == (a: MPRational, b: MPRational) -> Bool {
        a.withUnsafePointer { pa in b.withUnsafePointer { pb in __gmpq_equal(pa, pb) != 0 } }
    }

    /// Compared in place (`mpq_cmp`), without forming the difference.
    public static func < (a: MPRational, b: MPRational) -> Bool {
        a.withUnsafePointer { pa in b.withUnsafePointer { pb in __gmpq_cmp(pa, pb) < 0 } }
    }
}

// Storage is never mutated after construction, so values may cross threads.
extension MPRational: @unchecked Sendable {}

private let liveGMPRationals = Atomic<Int>(0)
