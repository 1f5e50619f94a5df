// swift-tools-version:6.2
// Hoist: a daemonless OCI image builder. See specs/README.md for what each module owns.
import PackageDescription

let package = Package(
    name: "Hoist",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hoist", targets: ["hoist"]),
        .library(name: "DockerfileSyntax", targets: ["DockerfileSyntax"]),
        .library(name: "OCIImage", targets: ["OCIImage"]),
        .library(name: "LayerArchive", targets: ["LayerArchive"]),
        .library(name: "Registry", targets: ["Registry"]),
        .library(name: "Sandbox", targets: ["Sandbox"]),
        .library(name: "BuildEngine", targets: ["BuildEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // MARK: - Pure front end
        .target(name: "DockerfileSyntax"),

        // MARK: - OCI model and content store
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "OCIImage", dependencies: ["COpenSSL"]),

        // MARK: - Layers
        .systemLibrary(
            name: "CArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev", "zlib1g-dev", "libisal-dev", "libzstd-dev"])]),
        .target(name: "CLayerSupport"),
        .target(name: "LayerArchive", dependencies: ["CArchive", "CLayerSupport", "OCIImage"]),

        // MARK: - Registry
        .target(
            name: "Registry",
            dependencies: [
                "OCIImage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: - Sandbox
        .target(name: "CSandbox"),
        .target(name: "Sandbox", dependencies: ["CSandbox"]),

        // MARK: - Engine and CLI
        .target(
            name: "BuildEngine",
            dependencies: [
                "DockerfileSyntax", "OCIImage", "LayerArchive", "Registry", "Sandbox", "CSandbox", "CLayerSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "hoist",
            dependencies: [
                "BuildEngine", "DockerfileSyntax", "LayerArchive", "OCIImage", "Registry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["BuildInfoPlugin"]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        .executableTarget(
            name: "hoist-bench", dependencies: ["LayerArchive", "OCIImage"], path: "bench/Sources/hoist-bench"),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["OCIImage"], path: "Tests/TestSupport"),
        .testTarget(name: "DockerfileSyntaxTests", dependencies: ["DockerfileSyntax", "TestSupport"]),
        .testTarget(name: "OCIImageTests", dependencies: ["OCIImage", "TestSupport"]),
        .testTarget(name: "LayerArchiveTests", dependencies: ["LayerArchive", "OCIImage", "TestSupport"]),
        .testTarget(name: "RegistryTests", dependencies: ["Registry", "OCIImage", "TestSupport"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "TestSupport"]),
        .testTarget(name: "BuildEngineTests", dependencies: ["BuildEngine", "TestSupport"]),
        .testTarget(name: "HoistCLITests", dependencies: ["hoist", "OCIImage", "TestSupport"]),
    ]
)
