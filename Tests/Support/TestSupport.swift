import CrossCheckAudit
import CrossCheckCatalog
import CrossCheckCore
import CrossCheckReference
import Foundation
import Synchronization

/// What the audit and command tests share: small audits, the package's root, scratch directories
/// that are removed when the test process exits.
public enum Support {
    /// The package's root directory.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A fresh scratch directory, removed with everything in it when the process exits.
    public static func scratch() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crosscheck-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        scratchDirectories.withLock { list in
            if list.isEmpty { atexit { Support.removeScratchDirectories() } }
            list.append(url)
        }
        return url
    }

    private static let scratchDirectories = Mutex<[URL]>([])

    private static func removeScratchDirectories() {
        for url in scratchDirectories.withLock({ $0 }) { try? FileManager.default.removeItem(at: url) }
    }

    /// A small, quick plan: a row function and an elementwise one, two formats, three classes.
    public static func smallParameters(samples: Int = 6, shard: Shard? = nil) -> AuditParameters {
        AuditParameters(seed: 7, samples: samples, maxClasses: 40, functions: [.softmax, .crossEntropy, .bceWithLogits],
                        formats: [.float16, .float32], classes: ["normal", "masked", "edge"], shard: shard)
    }

    /// The implementations these tests audit: the reference and the catalog's flawed ones.
    public static let implementations: [any SoftmaxImplementation] = [ReferenceImplementation()] + FlawedImplementation.all

    /// Audits `implementation` (by name) on `parameters`.
    public static func audit(_ implementation: String, _ parameters: AuditParameters, threads: Int = 2) throws -> AuditReport {
        let plan = try AuditPlan(parameters)
        return AuditRunner(plan: plan, implementation: implementations.first { $0.name == implementation }!, threads: threads).run()
    }
}

/// The error an expression throws, as an `AuditError` (nil when it does not throw one).
public func auditError<T>(_ body: () throws -> T) -> AuditError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? AuditError
    }
}
