import _CrossCheckKernelsC
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The instruction sets of the vector row kernels (the C target `_CrossCheckKernelsC`), chosen at
/// run time from the CPU: AVX-512 where the CPU and OS have it, else AVX2 with FMA and F16C, else
/// the portable C build (SSE2 on x86-64, NEON on arm64). All compute the same formulas and give the
/// same bits; the choice only changes the speed. The environment variable
/// `CROSSCHECK_KERNELS_ISA=avx512|avx2|portable` or `force(_:)` overrides it (tests run every path).
public enum KernelISA: String, CaseIterable, Sendable {
    case avx512, avx2, portable

    var code: Int32 {
        switch self {
        case .avx512: return Int32(CCK_ISA_AVX512)
        case .avx2: return Int32(CCK_ISA_AVX2)
        case .portable: return Int32(CCK_ISA_PORTABLE)
        }
    }

    /// True when this CPU can run the level.
    public var isSupported: Bool { cck_isa_supported(code) != 0 }

    /// The level the kernels use now.
    public static var active: KernelISA {
        switch Int(cck_isa_active()) {
        case Int(CCK_ISA_AVX512): return .avx512
        case Int(CCK_ISA_AVX2): return .avx2
        default: return .portable
        }
    }

    /// Uses `isa` from now on, process-wide (ignored when unsupported).
    public static func force(_ isa: KernelISA) { cck_isa_force(isa.code) }

    /// Returns to the automatic choice (or the environment's).
    public static func automatic() { cck_isa_force(-1) }

    /// What is wrong with `CROSSCHECK_KERNELS_ISA`, nil when it is unset or names a level this CPU
    /// runs. (A wrong value is not an error: the kernels choose automatically, as without it.)
    public static var environmentProblem: String? {
        guard let value = ProcessInfo.processInfo.environment["CROSSCHECK_KERNELS_ISA"] else { return nil }
        guard let isa = KernelISA(rawValue: value) else {
            return "CROSSCHECK_KERNELS_ISA=\(value) is not one of \(allCases.map(\.rawValue).joined(separator: ", ")); the kernels choose automatically (\(active.rawValue))"
        }
        return isa.isSupported ? nil : "CROSSCHECK_KERNELS_ISA=\(value): this CPU cannot run it; the kernels choose automatically (\(active.rawValue))"
    }
}

/// Threads for the batch kernels' `threads:` argument.
public enum KernelThreads {
    /// The processors available to this process (what `threads: 0` uses).
    public static var available: Int { max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1) }
}
