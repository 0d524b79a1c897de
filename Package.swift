// swift-tools-version:6.1
//
// CrossCheck: a numerically trustworthy softmax family, and the tools to prove it.
//
// Modules
//   CMPFR                 system library: MPFR and GMP behind a tiny inline shim.
//   ArbitraryPrecision    a safe Swift value type over mpfr_t, and correct rounding to binary16/32/64.
//   CrossCheckCore        the shared vocabulary: formats, functions, problems, the JSON-lines protocol.
//   CrossCheckReference   the MPFR reference, correctly rounded by Ziv's strategy.
//   CrossCheckKernels     the fast paths for Float16, Float and Double (no dependency on MPFR).
//   CrossCheckProperties  the property engine: edge-biased generators, shrinking, replay, the catalog.
//   CrossCheckAudit       ULP error tables, reports (Markdown, JSON, JUnit, HTML), the baseline gate, shards.
//   CrossCheckCLI         the `crosscheck` commands as a testable library.
//   crosscheck            a thin @main over CrossCheckCLI.
import PackageDescription

let package = Package(
    name: "CrossCheck",
    products: [
        .library(name: "CrossCheckKernels", targets: ["CrossCheckKernels"]),
        .library(name: "CrossCheckReference", targets: ["CrossCheckReference"]),
        .library(name: "CrossCheckCore", targets: ["CrossCheckCore"]),
        .library(name: "CrossCheckProperties", targets: ["CrossCheckProperties"]),
        .executable(name: "crosscheck", targets: ["crosscheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CMPFR",
            pkgConfig: "mpfr",
            providers: [.apt(["libmpfr-dev", "libgmp-dev"]), .brew(["mpfr"])]
        ),
        .target(name: "ArbitraryPrecision", dependencies: ["CMPFR"]),
        .target(name: "CrossCheckCore", dependencies: ["ArbitraryPrecision"]),
        .target(name: "CrossCheckReference", dependencies: ["CrossCheckCore", "ArbitraryPrecision", "CMPFR"]),
        .target(name: "_CrossCheckKernelsC"),
        .target(name: "CrossCheckKernels", dependencies: ["_CrossCheckKernelsC"]),
        .target(name: "CrossCheckProperties", dependencies: ["CrossCheckCore", "CrossCheckReference", "ArbitraryPrecision"]),
        .target(name: "CrossCheckAudit", dependencies: ["CrossCheckCore", "CrossCheckReference", "CrossCheckProperties"]),
        .target(
            name: "CrossCheckCLI",
            dependencies: [
                "ArbitraryPrecision", "CrossCheckCore", "CrossCheckReference", "CrossCheckKernels", "CrossCheckProperties", "CrossCheckAudit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "crosscheck", dependencies: ["CrossCheckCLI"]),

        .testTarget(name: "ArbitraryPrecisionTests", dependencies: ["ArbitraryPrecision", "CMPFR"]),
        .testTarget(name: "CrossCheckCoreTests", dependencies: ["CrossCheckCore"]),
        .testTarget(
            name: "CrossCheckReferenceTests",
            dependencies: ["CrossCheckReference", "CrossCheckCore", "CrossCheckProperties"]
        ),
        .testTarget(name: "CrossCheckKernelsTests", dependencies: ["CrossCheckKernels", "CrossCheckReference", "CrossCheckCore", "CrossCheckProperties"]),
        .testTarget(name: "CrossCheckPropertiesTests", dependencies: ["CrossCheckProperties", "CrossCheckCLI", "CrossCheckCore"]),
        .testTarget(name: "CrossCheckAuditTests", dependencies: ["CrossCheckAudit", "CrossCheckCLI", "CrossCheckCore"]),
        .testTarget(name: "CrossCheckCLITests", dependencies: ["CrossCheckCLI", "crosscheck"]),
    ]
)
