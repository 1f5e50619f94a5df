// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Computes a layer blob's diffID (the SHA-256 of its uncompressed tar) without extracting it, to check
/// what another party claims about a blob, such as a remote build cache's entries.
public struct LayerDigester: Sendable {
    /// Where the layer blobs are.
    public let store: any ContentStore

    /// - Parameter store: where the layer blobs are.
    public init(store: any ContentStore) { self.store = store }

    /// Decompresses the blob (gzip, zstd or plain tar, by its magic bytes) and hashes the result, on a
    /// dedicated thread, with a fixed-size buffer. The blob's own digest is verified on the way.
    /// - Parameter layer: the layer blob's digest.
    /// - Returns: the diffID.
    /// - Throws: `ArchiveError` (`content` for a missing blob or a digest mismatch, `compression` for a corrupt
    ///   stream, `cancelled`).
    public func diffID(of layer: Digest) async throws -> Digest {
        let store = self.store
        return try await runOffPool { flag in
            let reader = try ArchiveError.wrapStore { try store.openBlob(layer) }
            let decoder = try LayerDecoder(reader: reader)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
            defer { buffer.deallocate() }
            while try decoder.read(into: buffer) > 0 { try flag.check() }
            return decoder.finalizeDiffID()
        }
    }
}
