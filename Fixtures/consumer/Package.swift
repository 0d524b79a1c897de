// swift-tools-version:6.1
//
// A package that uses CrossCheck the way a Swift user would: through its library products only,
// no CLI. CI builds and runs it (`swift run --package-path Fixtures/consumer`).
import PackageDescription

import struct Foundation.URL

// A path dependency's identity is the name of its directory: whatever the checkout is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let package = Package(
    name: "CrossCheckConsumer",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [
                .product(name: "CrossCheckCore", package: root.lastPathComponent),
                .product(name: "CrossCheckKernels", package: root.lastPathComponent),
                .product(name: "CrossCheckReference", package: root.lastPathComponent),
                .product(name: "CrossCheckCatalog", package: root.lastPathComponent),
            ]
        ),
    ]
)
