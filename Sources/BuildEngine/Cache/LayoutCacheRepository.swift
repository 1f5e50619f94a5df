// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// A build cache in an OCI image layout directory (`type=local,dest=DIR` / `src=DIR`): `index.json` names the
/// cache manifest; blobs are under `blobs/sha256/`.
///
/// Reading never writes into the directory (it may be read-only, or shared). Writing puts every blob first
/// (each under a temporary name, renamed when complete) and replaces `index.json` last, atomically: a reader
/// sees the old cache or the new one, never a part.
struct LayoutCacheRepository: CacheRepository {
    let directory: String

    var location: String { directory }

    func fetchManifest() async throws -> ImageManifest {
        let indexPath = directory + "/index.json"
        guard let data = FileManager.default.contents(atPath: indexPath) else {
            throw RemoteCacheError.notFound(location: location, reason: "no readable index.json")
        }
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: data) else {
            throw RemoteCacheError.notACache(location: location, reason: "index.json is not an image index")
        }
        let manifests = index.manifests.filter { $0.mediaType == .ociManifest && $0.digest.algorithm == "sha256" }
        guard
            let chosen = manifests.last(where: { $0.artifactType == RemoteCacheFormat.artifactType })
                ?? manifests.last
        else {
            throw RemoteCacheError.notACache(location: location, reason: "index.json names no image manifest")
        }
        guard chosen.size <= 4 << 20 else {
            throw RemoteCacheError.notACache(location: location, reason: "its manifest is over 4 MiB")
        }
        let bytes: [UInt8]
        do {
            let reader = try openBlob(chosen)
            bytes = try reader.readToEnd()
        } catch let error as RemoteCacheError {
            throw error
        } catch {
            throw RemoteCacheError.transfer(location: location, underlying: error)
        }
        return try decodeManifest(bytes)
    }

    func fetchBlob(_ descriptor: Descriptor, into store: any ContentStore) async throws {
        do {
            if try store.hasBlob(descriptor.digest) { return }
            try await runBlocking { try Self.copy(try openBlob(descriptor), into: store, expecting: descriptor) }
        } catch let error as RemoteCacheError {
            throw error
        } catch {
            throw RemoteCacheError.transfer(location: location, underlying: error)
        }
    }

    func publish(_ manifest: Descriptor, from store: any ContentStore) async throws {
        do {
            let layout = try LayoutContentStore(path: directory, create: true)
            let document = try store.readJSON(ImageManifest.self, digest: manifest.digest)
            for blob in document.layers + [document.config, manifest] where try !layout.hasBlob(blob.digest) {
                try await runBlocking { try Self.copy(try store.openBlob(blob.digest), into: layout, expecting: blob) }
            }
            var named = manifest
            named.artifactType = RemoteCacheFormat.artifactType
            // The cache at DIR is this build's: index.json names its manifest and nothing else.
            try layout.updateIndex { index in index = ImageIndex(manifests: [named]) }
        } catch {
            throw RemoteCacheError.transfer(location: location, underlying: error)
        }
    }

    func close() async {}

    // MARK: - Private helpers

    /// Opens a blob of the layout, checking its size; the reader verifies the digest at the end.
    private func openBlob(_ descriptor: Descriptor) throws -> BlobReader {
        let reader = try BlobReader(
            path: "\(directory)/blobs/sha256/\(descriptor.digest.encoded)", digest: descriptor.digest, offset: 0)
        guard reader.size == descriptor.size else {
            throw RemoteCacheError.transfer(
                location: location,
                underlying: OCIImageError.sizeMismatch(
                    digest: descriptor.digest, expected: descriptor.size, actual: reader.size))
        }
        return reader
    }

    /// Streams a blob into a store with a fixed buffer (blocking: run it with `runBlocking`); the store publishes
    /// it only when digest and size match.
    private static func copy(_ reader: BlobReader, into store: any ContentStore, expecting descriptor: Descriptor)
        throws
    {
        let writer = try store.makeBlobWriter()
        defer { writer.abort() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { break }
            try writer.write(buffer[..<count])
        }
        _ = try writer.commit(expectedDigest: descriptor.digest, expectedSize: descriptor.size)
    }
}
