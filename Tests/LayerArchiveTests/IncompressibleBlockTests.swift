// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

@testable import LayerArchive

/// Already-compressed data is stored instead of deflated: same bytes on every machine, much less time.
struct IncompressibleBlockTests {
    /// Deterministic pseudo-random bytes (SplitMix64), standing for compressed or encrypted content.
    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        while bytes.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            withUnsafeBytes(of: z) { bytes.append(contentsOf: $0) }
        }
        return Array(bytes.prefix(count))
    }

    static func decide(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { IncompressibleBlock.isLikely($0) } }

    @Test func randomDataIsStoredAndEverythingElseCompressed() {
        #expect(Self.decide(Self.noise(256 * 1024, seed: 1)))
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog\n", count: 6000).utf8)
        #expect(!Self.decide(text))
        let ramp = (0..<(256 * 1024)).map { UInt8(truncatingIfNeeded: $0) }
        #expect(!Self.decide(ramp), "a flat histogram with repeats still compresses")
        #expect(!Self.decide(Self.noise(32 * 1024, seed: 2)), "small blocks are always compressed")
        var mostlyNoise = Self.noise(256 * 1024, seed: 3)
        mostlyNoise.replaceSubrange(0..<(64 * 1024), with: [UInt8](repeating: 0, count: 64 * 1024))
        #expect(!Self.decide(mostlyNoise), "a quarter of zeros is worth compressing")
    }

    @Test func mixedLayerRoundTripsAndIsTheSameOnAnyThreadCount() throws {
        let scratch = try TemporaryDirectory()
        let tree = scratch.child("tree")
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        try Data(Self.noise(3 * 1024 * 1024, seed: 7)).write(to: URL(fileURLWithPath: tree + "/blob.bin"))
        let text = String(repeating: "line of a log file, rather repetitive\n", count: 60_000)
        try Data(text.utf8).write(to: URL(fileURLWithPath: tree + "/app.log"))
        let store = try LayoutContentStore(path: scratch.child("store"))
        var digests = Set<Digest>()
        var result: LayerWriteResult?
        for threads in [1, 2, 5] {
            let writer = LayerWriter(
                store: store,
                options: .init(compression: .gzip(level: 6, codec: .zlib), sourceDateEpoch: 0, threads: threads))
            result = try writer.write(directory: tree)
            digests.insert(try #require(result).descriptor.digest)
        }
        #expect(digests.count == 1)
        let layer = try #require(result)
        // Stored noise costs at most a few bytes per 64 KiB; the text still compresses.
        #expect(layer.descriptor.size < 3 * 1024 * 1024 + 200 * 1024)
        let gunzip = try Subprocess.run([
            "sh", "-c", "gzip -dc < \"$0\" | sha256sum", store.blobPath(layer.descriptor.digest),
        ])
        #expect(gunzip.succeeded, "\(gunzip.stderr)")
        #expect(gunzip.stdout.hasPrefix(layer.diffID.encoded), "gzip -d reads it back to the diffID")
    }
}
