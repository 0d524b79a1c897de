// swift-tools-version:6.1
//
// Speed regression benchmarks of CrossCheck's fast paths (package-benchmark), kept apart from the
// root package so that its `swift build` / `swift test` never pay for building them.
//
//   cd Benchmarks
//   swift package benchmark                                   # run, print a table
//   swift package benchmark thresholds check                  # fail when slower than Thresholds/
//   swift package --allow-writing-to-package-directory benchmark thresholds update
//
// Thresholds/ are absolute times of ONE machine (this project's CI machine): record your own
// machine's with `thresholds update` before `thresholds check` means anything there (README.md).
import PackageDescription

import class Foundation.ProcessInfo
import struct Foundation.URL

// A path dependency's identity is the name of its directory: whatever the checkout is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent

let package = Package(
    name: "CrossCheckBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CrossCheckCore", package: rootIdentity),
                .product(name: "CrossCheckKernels", package: rootIdentity),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
