// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Registry

/// What a base reference names right now, for one platform.
public struct BaseResolution: Sendable, Equatable {
    /// Where the answer came from.
    public enum Source: String, Sendable, Equatable {
        /// The local store had the name (or the digest).
        case localStore = "local store"
        /// The reference's registry.
        case registry
    }

    /// The platform's image manifest digest.
    public var manifest: Digest
    /// The image index the reference named, if it named one.
    public var index: Digest?
    /// Where the answer came from.
    public var source: Source
}

/// Finds the digest a base reference resolves to, in the order a build looks bases up (specs/build.md, "Base
/// images"): the local store first, by name or digest (unless `pullAlways`), else a `HEAD`/`GET` of the
/// manifest at the reference's registry. Nothing is downloaded but manifests, and nothing is stored.
struct BaseResolver: Sendable {
    let store: any ContentStore
    let registryOptions: RegistryOptions
    let credentials: CredentialResolver
    let pullAlways: Bool

    /// Resolves a reference for a platform.
    /// - Parameters:
    ///   - reference: the parsed reference.
    ///   - platform: the platform to choose from an index.
    /// - Returns: the manifest digest (and the index digest, when the reference names an index).
    /// - Throws: `BuildError` or `RegistryError` when the store or the registry can't answer.
    func resolve(_ reference: ImageReference, platform: Platform) async throws -> BaseResolution {
        if let local = try localImage(reference) {
            return try choose(local.descriptor, platform: platform, name: local.name ?? reference.description) {
                try self.store.readBlob($0.digest, limit: 4 << 20)
            }.with(source: .localStore)
        }
        return try await RegistryClient.withClient(
            registry: reference.registry, options: registryOptions, credentials: credentials
        ) { client in
            let top = try await client.resolve(reference)
            var indexBytes: [UInt8] = []
            if top.mediaType.isIndex {
                indexBytes = try await client.fetchManifest(reference.repository, reference: top.digest.description).1
            }
            return try choose(top, platform: platform, name: reference.description) { _ in indexBytes }
                .with(source: .registry)
        }
    }

    /// The store's image for a reference, looked up as `BuildSession` looks up bases.
    private func localImage(_ reference: ImageReference) throws -> LocalImages.Image? {
        let local = LocalImages(store: store)
        if !pullAlways, let found = try? local.resolve(LocalImages.storedName(for: reference)) { return found }
        // A pinned digest names content: the store's copy is the same bytes whatever --pull says.
        if let digest = reference.digest, let found = try? local.resolve(digest.description) { return found }
        return nil
    }

    /// The platform's manifest of `top`: `top` itself when it is a manifest, else its index's matching entry.
    private func choose(
        _ top: Descriptor, platform: Platform, name: String, indexBytes: (Descriptor) throws -> [UInt8]
    ) throws -> BaseResolution {
        guard top.mediaType.isIndex else { return BaseResolution(manifest: top.digest, index: nil, source: .registry) }
        let index = try JSONDecoder().decode(ImageIndex.self, from: Data(try indexBytes(top)))
        guard let chosen = index.manifests(matching: platform).first else {
            throw BuildError.noMatchingPlatform(name, platform: platform)
        }
        return BaseResolution(manifest: chosen.digest, index: top.digest, source: .registry)
    }
}

extension BaseResolution {
    fileprivate func with(source: Source) -> BaseResolution {
        var copy = self
        copy.source = source
        return copy
    }
}
