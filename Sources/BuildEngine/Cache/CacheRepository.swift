// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Registry

/// Where a remote build cache lives (a registry tag or an image layout): the cache manifest, and its blobs.
/// See specs/cache.md, "Remote cache".
protocol CacheRepository: Sendable {
    /// The location, as messages name it.
    var location: String { get }

    /// Fetches the cache manifest, verified against its digest.
    /// - Returns: the manifest.
    /// - Throws: `RemoteCacheError.notFound` when there is none, `.notACache`, `.transfer`.
    func fetchManifest() async throws -> ImageManifest

    /// Copies a blob into `store`, streaming and verifying its digest and size; nothing when the store has it.
    /// - Throws: `RemoteCacheError.transfer`.
    func fetchBlob(_ descriptor: Descriptor, into store: any ContentStore) async throws

    /// Publishes a cache: the blobs `manifest` names (from `store`), then the manifest, in that order, so a
    /// reader never finds a manifest whose blobs aren't there yet.
    /// - Throws: `RemoteCacheError.transfer`.
    func publish(_ manifest: Descriptor, from store: any ContentStore) async throws

    /// Releases connections.
    func close() async
}

extension CacheRepository {
    /// The cache manifest in `bytes`. - Throws: `RemoteCacheError.notACache` when they are not one.
    func decodeManifest(_ bytes: [UInt8]) throws -> ImageManifest {
        do {
            return try JSONDecoder().decode(ImageManifest.self, from: Data(bytes))
        } catch {
            throw RemoteCacheError.notACache(location: location, reason: "its manifest does not decode: \(error)")
        }
    }

    /// The cache's entries by key: the manifest and the config blob (no layer is fetched).
    /// - Parameter store: where the config blob is put.
    /// - Throws: `RemoteCacheError`.
    func fetchEntries(into store: any ContentStore) async throws -> [Digest: RemoteCacheFormat.Entry] {
        let manifest = try await fetchManifest()
        try RemoteCacheFormat.check(manifest, location: location)
        try await fetchBlob(manifest.config, into: store)
        let bytes: [UInt8]
        do {
            bytes = try store.readBlob(manifest.config.digest, limit: RemoteCacheFormat.configLimit)
        } catch {
            throw RemoteCacheError.transfer(location: location, underlying: error)
        }
        return try RemoteCacheFormat.entries(in: bytes, manifest: manifest, location: location)
    }
}

/// Opens the repository for a location.
/// - Parameters:
///   - location: the registry tag or the layout directory.
///   - request: the build's registry options and credentials.
///   - origins: where blobs are known to live in registries, so a push can mount them.
/// - Returns: the repository; call `close()` when done.
/// - Throws: `RemoteCacheError.transfer` when a registry client can't be made (a bad certs.d file).
func makeCacheRepository(_ location: CacheLocation, request: BuildRequest, origins: BlobOriginLog? = nil) throws
    -> any CacheRepository
{
    switch location {
    case .registry(let reference):
        return try RegistryCacheRepository(
            reference: reference, options: request.registryOptions, credentials: request.credentials,
            origins: origins)
    case .local(let directory):
        return LayoutCacheRepository(directory: URL(fileURLWithPath: directory).standardizedFileURL.path)
    }
}
