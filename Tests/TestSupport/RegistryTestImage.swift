// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// Small synthetic images written straight into a store: config, layers of pseudo-random bytes, manifest.
public struct RegistryTestImage: Sendable {
    public var manifest: Descriptor
    public var config: Descriptor
    public var layers: [Descriptor]
    public var blobs: [Descriptor] { [config] + layers }

    /// Writes an image.
    /// - Parameters:
    ///   - store: where to write.
    ///   - layerSizes: one layer per size, filled with bytes from `seed`.
    ///   - platform: the config's platform.
    ///   - docker: Docker schema 2 media types instead of OCI.
    ///   - realLayers: make each layer a real tar.gz (one file of that many random bytes) with `tar` and
    ///     `gzip`, for tools that look inside; otherwise layers are raw random bytes (fast, any size).
    public static func make(
        in store: any ContentStore, layerSizes: [Int], seed: UInt64, platform: Platform = .host, docker: Bool = false,
        realLayers: Bool = false
    ) throws -> RegistryTestImage {
        var generator = SplitMix64(seed: seed)
        var layers: [Descriptor] = []
        var diffIDs: [Digest] = []
        for size in layerSizes where realLayers {
            let scratch = try TemporaryDirectory("hoist-layer")
            var bytes = [UInt8](repeating: 0, count: size)
            generator.fill(&bytes, count: size)
            try FileManager.default.createDirectory(atPath: scratch.child("root"), withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: scratch.child("root/data.bin")))
            let tar = try Subprocess.run([
                "tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-cf",
                scratch.child("layer.tar"), "-C", scratch.child("root"), "data.bin",
            ])
            guard tar.succeeded else { throw TestSupportError.setup("tar failed: \(tar.stderr)") }
            let uncompressed = try Data(contentsOf: URL(fileURLWithPath: scratch.child("layer.tar")))
            let gzip = try Subprocess.run(["gzip", "-n", "-1", "-c", scratch.child("layer.tar")])
            guard gzip.succeeded else { throw TestSupportError.setup("gzip failed: \(gzip.stderr)") }
            let (digest, written) = try store.writeBlob(gzip.stdoutBytes)
            layers.append(
                Descriptor(mediaType: docker ? .dockerLayerGzip : .ociLayerGzip, digest: digest, size: written))
            diffIDs.append(SHA256Hasher.digest(of: uncompressed))
        }
        for size in layerSizes where !realLayers {
            let writer = try store.makeBlobWriter()
            var remaining = size
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            while remaining > 0 {
                let count = min(remaining, chunk.count)
                generator.fill(&chunk, count: count)
                try writer.write(chunk[..<count])
                remaining -= count
            }
            let (digest, written) = try writer.commit()
            layers.append(
                Descriptor(mediaType: docker ? .dockerLayerGzip : .ociLayerGzip, digest: digest, size: written))
            diffIDs.append(digest)
        }
        let configuration = ImageConfiguration(platform: platform, rootfs: .init(diff_ids: diffIDs))
        let config = try store.writeJSON(configuration, mediaType: docker ? .dockerConfig : .ociConfig)
        let manifest = ImageManifest(
            mediaType: docker ? .dockerManifest : .ociManifest, config: config, layers: layers)
        let descriptor = try store.writeJSON(manifest, mediaType: docker ? .dockerManifest : .ociManifest)
        return RegistryTestImage(manifest: descriptor, config: config, layers: layers)
    }
}

/// A fast deterministic byte generator (not for security).
public struct SplitMix64: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func fill(_ buffer: inout [UInt8], count: Int) {
        var index = 0
        while index < count {
            var value = next()
            for _ in 0..<8 where index < count {
                buffer[index] = UInt8(truncatingIfNeeded: value)
                value >>= 8
                index += 1
            }
        }
    }
}
