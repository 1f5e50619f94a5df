// swift-tools-version:6.2
// Measures SHA-256 throughput of the two candidates for Hoist's hashing: swift-crypto and the system
// OpenSSL (EVP). Run through bench/sha256.sh.
import PackageDescription

let package = Package(
    name: "sha256-bench",
    dependencies: [.package(url: "https://github.com/apple/swift-crypto", from: "4.5.2")],
    targets: [
        .systemLibrary(name: "CLibcrypto", pkgConfig: "libcrypto"),
        .executableTarget(
            name: "sha256-bench",
            dependencies: ["CLibcrypto", .product(name: "Crypto", package: "swift-crypto")]),
    ]
)
