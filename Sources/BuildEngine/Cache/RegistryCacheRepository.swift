// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Registry

/// A build cache under a tag in a registry (`type=registry,ref=REPO:TAG`): the cache manifest by tag, its
/// blobs in the same repository.
struct RegistryCacheRepository: CacheRepository {
    let reference: ImageReference
    let client: RegistryClient
    /// Where blobs are known to live, so a push can mount them from another repository.
    let origins: BlobOriginLog?

    init(
        reference: ImageReference, options: RegistryOptions, credentials: CredentialResolver,
        origins: BlobOriginLog? = nil
    ) throws {
        self.reference = reference
        self.origins = origins
        do {
            client = try RegistryClient(registry: reference.registry, options: options, credentials: credentials)
        } catch {
            throw RemoteCacheError.transfer(location: reference.description, underlying: error)
        }
    }

    var location: String { reference.description }

    func fetchManifest() async throws -> ImageManifest {
        let descriptor: Descriptor
        let bytes: [UInt8]
        do {
            (descriptor, bytes) = try await client.fetchManifest(
                reference.repository, reference: reference.manifestReference)
        } catch RegistryError.unexpectedStatus(_, _, 404, let errors) {
            throw RemoteCacheError.notFound(
                location: location,
                reason: errors.first.map(\.description) ?? "the registry has no manifest under this name")
        } catch {
            throw RemoteCacheError.transfer(location: location, underlying: error)
        }
        guard descriptor.mediaType == .ociManifest else {
            throw RemoteCacheError.notACache(location: location, reason: "it is a \(descriptor.mediaType)")
        }
        return try decodeManifest(bytes)
    }

    func fetchBlob(_ descriptor: Descriptor, into store: any ContentStore) async throws {
        do {
            try await client.fetchBlob(descriptor, repository: reference.repository, into: store)
        } catch {
            throw RemoteCacheError.transfer(location: location, underlying: error)
        }
    }

    func publish(_ manifest: Descriptor, from store: any ContentStore) async throws {
        do {
            try await client.push(manifest, from: store, to: reference, origins: origins)
        } catch {
            throw RemoteCacheError.transfer(location: location, underlying: error)
        }
    }

    func close() async { try? await client.shutdown() }
}
