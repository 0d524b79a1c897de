// swift-tools-version:6.1
//
// CrossCheck: a numerically trustworthy softmax family, and the tools to prove it.
//
// One vocabulary at the bottom, each module above it one job; every arrow points down.
//
//                               crosscheck  (a thin @main)
//                                    │
//                               CrossCheckCLI      the commands as a testable library: typed options,
//                                    │             one exit status for all
//                               CrossCheckAudit    ULP tables, reports, the baseline gate, shards, vectors
//                                    │
//                               CrossCheckCatalog  the property catalog, the plain algorithm, flawed
//                                    │             implementations, the exhaustive sweep
//                               CrossCheckProperties  the engine: generators, shrinker, runner, store,
//                                    │                the RNG (the reference is injected)
//                ┌───────────────────┼──────────────────────┐
//     CrossCheckReference    CrossCheckProtocol       CrossCheckKernels ── _CrossCheckKernelsC
//     (MPFR, correctly       (JSON lines, codec,      (the fast paths: Float16, Float,
//      rounded)               session, external)       Double; no MPFR)
//                └─────────┬─────────┘                      │
//                  ArbitraryPrecision ── CMPFR              │
//                  (mpfr_t, mpq_t, correct rounding          │
//                   and parsing for each format)             │
//                          └─────────────────┬───────────────┘
//                                      CrossCheckCore
//                     the vocabulary, no MPFR: SoftmaxFunction, FloatFormat, Problem,
//                     Target, Answer, SoftmaxImplementation, ImplementationError
//
// Test targets depend only on the module they test and the modules below it; only
// CrossCheckCLITests depends on CrossCheckCLI. Fixtures/consumer is a separate package that
// uses the library products the way a user would (built in CI).
import PackageDescription

let package = Package(
    name: "CrossCheck",
    products: [
        .library(name: "CrossCheckCore", targets: ["CrossCheckCore"]),
        .library(name: "CrossCheckKernels", targets: ["CrossCheckKernels"]),
        .library(name: "CrossCheckReference", targets: ["CrossCheckReference"]),
        .library(name: "CrossCheckProtocol", targets: ["CrossCheckProtocol"]),
        .library(name: "CrossCheckProperties", targets: ["CrossCheckProperties"]),
        .library(name: "CrossCheckCatalog", targets: ["CrossCheckCatalog"]),
        .library(name: "CrossCheckAudit", targets: ["CrossCheckAudit"]),
        .executable(name: "crosscheck", targets: ["crosscheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(name: "CrossCheckCore"),

        .systemLibrary(
            name: "CMPFR",
            pkgConfig: "mpfr",
            providers: [.apt(["libmpfr-dev", "libgmp-dev"]), .brew(["mpfr"])]
        ),
        .target(name: "ArbitraryPrecision", dependencies: ["CMPFR", "CrossCheckCore"]),

        .target(name: "_CrossCheckKernelsC"),
        .target(name: "CrossCheckKernels", dependencies: ["CrossCheckCore", "_CrossCheckKernelsC"]),
        .target(name: "CrossCheckReference", dependencies: ["CrossCheckCore", "ArbitraryPrecision"]),
        .target(name: "CrossCheckProtocol", dependencies: ["CrossCheckCore", "ArbitraryPrecision"]),

        .target(name: "CrossCheckProperties", dependencies: ["CrossCheckCore", "CrossCheckProtocol"]),
        .target(
            name: "CrossCheckCatalog",
            dependencies: ["CrossCheckCore", "CrossCheckProtocol", "CrossCheckProperties", "CrossCheckReference"]
        ),
        .target(
            name: "CrossCheckAudit",
            dependencies: ["CrossCheckCore", "CrossCheckProtocol", "CrossCheckProperties", "CrossCheckCatalog", "CrossCheckReference"]
        ),
        .target(
            name: "CrossCheckCLI",
            dependencies: [
                "CrossCheckCore", "CrossCheckProtocol", "CrossCheckReference", "CrossCheckKernels",
                "CrossCheckProperties", "CrossCheckCatalog", "CrossCheckAudit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "crosscheck", dependencies: ["CrossCheckCLI"]),

        .testTarget(name: "CrossCheckCoreTests", dependencies: ["CrossCheckCore"]),
        .testTarget(name: "ArbitraryPrecisionTests", dependencies: ["ArbitraryPrecision", "CrossCheckCore", "CMPFR"]),
        // Subprocesses for tests (the built crosscheck, a pipe-safe runner): no dependency, so a
        // test target at any level may use it.
        .target(name: "CrossCheckTestProcesses", path: "Tests/Processes"),
        .testTarget(name: "CrossCheckProtocolTests", dependencies: ["CrossCheckProtocol", "CrossCheckCore", "CrossCheckTestProcesses"]),
        .testTarget(
            name: "CrossCheckReferenceTests",
            dependencies: ["CrossCheckReference", "CrossCheckProperties", "CrossCheckProtocol", "CrossCheckCore", "ArbitraryPrecision"]
        ),
        .testTarget(
            name: "CrossCheckKernelsTests",
            dependencies: ["CrossCheckKernels", "CrossCheckReference", "CrossCheckProperties", "CrossCheckProtocol", "CrossCheckCore", "ArbitraryPrecision"]
        ),
        .testTarget(name: "CrossCheckPropertiesTests", dependencies: ["CrossCheckProperties", "CrossCheckProtocol", "CrossCheckCore"]),
        .testTarget(
            name: "CrossCheckCatalogTests",
            dependencies: ["CrossCheckCatalog", "CrossCheckProperties", "CrossCheckKernels", "CrossCheckReference", "CrossCheckProtocol", "CrossCheckCore",
                           "CrossCheckTestProcesses"]
        ),
        .target(
            name: "CrossCheckTestSupport",
            dependencies: ["CrossCheckAudit", "CrossCheckCatalog", "CrossCheckReference", "CrossCheckCore"],
            path: "Tests/Support"
        ),
        .testTarget(
            name: "CrossCheckAuditTests",
            dependencies: ["CrossCheckAudit", "CrossCheckTestSupport", "CrossCheckCatalog", "CrossCheckProperties", "CrossCheckReference", "CrossCheckProtocol", "CrossCheckCore"]
        ),
        .testTarget(name: "CrossCheckCLITests", dependencies: ["CrossCheckCLI", "CrossCheckTestSupport", "CrossCheckTestProcesses", "crosscheck"]),
    ]
)
