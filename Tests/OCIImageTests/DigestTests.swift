// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Testing

struct DigestTests {
    static let emptySHA256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @Test(arguments: [
        emptySHA256,
        "sha512:" + String(repeating: "0", count: 128),
        "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
        "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
    ])
    func validDigestsParseAndPrintUnchanged(_ text: String) throws {
        #expect(try Digest(parsing: text).description == text)
    }

    @Test(arguments: [
        "", "sha256", "sha256:", ":abc", "sha256:" + String(repeating: "A", count: 64),
        "sha256:" + String(repeating: "a", count: 63), "sha256:" + String(repeating: "g", count: 64),
        "sha256++b64u:abc", "SHA256:" + String(repeating: "a", count: 64), "sha256:abc def",
    ])
    func malformedDigestsAreRejected(_ text: String) {
        #expect(throws: OCIImageError.self) { try Digest(parsing: text) }
    }

    @Test func hashingMatchesKnownVectors() throws {
        #expect(SHA256Hasher.digest(of: [UInt8]()).description == Self.emptySHA256)
        #expect(
            SHA256Hasher.digest(of: Array("abc".utf8)).description
                == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // Streaming in uneven pieces gives the same digest as one update.
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let hasher = SHA256Hasher()
        var offset = 0
        for size in [1, 63, 64, 65, 4096, 10_000] {
            hasher.update(bytes[offset..<offset + size])
            offset += size
        }
        hasher.update(bytes[offset...])
        #expect(hasher.finalize() == SHA256Hasher.digest(of: bytes))
    }

    @Test func digestsEncodeAsJSONStrings() throws {
        let digest = try Digest(parsing: Self.emptySHA256)
        let encoded = try CanonicalJSON.encode([digest])
        #expect(String(decoding: encoded, as: UTF8.self) == "[\"\(Self.emptySHA256)\"]")
        #expect(throws: (any Error).self) { try JSONDecoder().decode([Digest].self, from: Data(#"["sha256:x"]"#.utf8)) }
    }
}
