// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// The documents of a build cache kept in a registry or an image layout: one OCI image manifest whose config
/// blob lists the entries by key and whose layers are every blob an entry names. See specs/cache.md,
/// "Remote cache", and the image spec's
/// [guidance for artifacts](https://github.com/opencontainers/image-spec/blob/main/manifest.md#guidelines-for-artifact-usage).
enum RemoteCacheFormat {
    /// The manifest's `artifactType`.
    static let artifactType: MediaType = "application/vnd.hoist.cache.v1+json"
    /// The config blob's media type.
    static let configMediaType: MediaType = "application/vnd.hoist.cache.config.v1+json"
    /// The largest config blob read (it holds one image configuration per entry).
    static let configLimit: Int64 = 64 << 20

    /// The config blob.
    struct Config: Codable, Hashable, Sendable {
        /// Entries by key (`sha256:…`, as in `ROOT/cache/entries`).
        var entries: [String: Entry]
    }

    /// The image state after a step: as a local entry, with every layer a blob.
    struct Entry: Codable, Hashable, Sendable {
        var configuration: ImageConfiguration
        var layers: [Layer]
    }

    /// A layer an entry names: the blob (as the manifest lists it) and its diffID.
    struct Layer: Codable, Hashable, Sendable {
        var descriptor: Descriptor
        var diffID: Digest
    }

    // MARK: - Writing

    /// The manifest for a config blob and every layer its entries name, sorted by digest so that the same
    /// entries always give the same bytes. A cache with no layer lists the empty blob `{}`, as the image spec
    /// asks of artifacts without layers (a manifest needs one).
    static func manifest(config: Descriptor, entries: Config) -> ImageManifest {
        var layers: [Digest: Descriptor] = [:]
        for entry in entries.entries.values {
            for layer in entry.layers { layers[layer.descriptor.digest] = layer.descriptor }
        }
        var sorted = layers.values.sorted { $0.digest.description < $1.digest.description }
        if sorted.isEmpty { sorted = [emptyDescriptor] }
        return ImageManifest(mediaType: .ociManifest, config: config, layers: sorted, artifactType: artifactType)
    }

    /// The bytes `{}`, for `emptyDescriptor`.
    static let emptyBlob: [UInt8] = Array("{}".utf8)
    static var emptyDescriptor: Descriptor {
        Descriptor(mediaType: .ociEmpty, digest: SHA256Hasher.digest(of: emptyBlob), size: Int64(emptyBlob.count))
    }

    // MARK: - Reading

    /// Checks that a manifest is a Hoist cache.
    /// - Throws: `RemoteCacheError.notACache`.
    static func check(_ manifest: ImageManifest, location: String) throws {
        guard manifest.schemaVersion == 2, manifest.config.mediaType == configMediaType else {
            throw RemoteCacheError.notACache(
                location: location,
                reason: "its config is \(manifest.config.mediaType), not \(configMediaType)")
        }
        guard manifest.config.size <= configLimit else {
            throw RemoteCacheError.notACache(
                location: location, reason: "its config blob is larger than \(configLimit) bytes")
        }
    }

    /// The usable entries of a config blob, by key. An entry is dropped when its key is not a digest, or a layer
    /// is not a layer media type or is not one of the manifest's layers (those the registry holds for it).
    /// - Throws: `RemoteCacheError.notACache` when the blob is not a cache config.
    static func entries(in bytes: [UInt8], manifest: ImageManifest, location: String) throws -> [Digest: Entry] {
        let config: Config
        do {
            config = try JSONDecoder().decode(Config.self, from: Data(bytes))
        } catch {
            throw RemoteCacheError.notACache(location: location, reason: "its config is not a cache config: \(error)")
        }
        let listed = Set(manifest.layers.map(plain))
        var result: [Digest: Entry] = [:]
        for (keyText, entry) in config.entries {
            guard let key = try? Digest(parsing: keyText),
                entry.layers.allSatisfy({
                    $0.descriptor.mediaType.isLayer && $0.descriptor.digest.algorithm == "sha256"
                        && $0.diffID.algorithm == "sha256" && listed.contains(plain($0.descriptor))
                })
            else { continue }
            result[key] = entry
        }
        return result
    }

    /// A descriptor as a manifest lists it, for comparison: media type, digest and size only.
    static func plain(_ descriptor: Descriptor) -> Descriptor {
        Descriptor(mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size)
    }
}
