// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage
import Registry
import Synchronization

/// The cache keys a build used, hit or written, with the stage of each: what `--cache-to` exports.
final class CacheKeyLog: Sendable {
    private let keys = Mutex<[(stage: Int, key: Digest)]>([])

    /// Notes that stage `stage` has (or will have, once written) the local entry `key`.
    func record(stage: Int, key: Digest) {
        keys.withLock { $0.append((stage, key)) }
    }

    /// The keys in the order they were used.
    var all: [(stage: Int, key: Digest)] { keys.withLock { $0 } }
}

/// Writes a finished build's cache entries to each `--cache-to` location. See specs/cache.md, "Remote cache".
///
/// Runs after the build committed its image and wrote its local entries, from those entries: every layer they
/// name becomes a blob (a tree kept for a stage the image doesn't carry is compressed now, once), the config
/// blob lists the entries, and the manifest lists the config and every layer. The documents are put in the
/// local store, then published: blobs first, the manifest last.
struct RemoteCacheExporter {
    let session: BuildSession

    /// Exports to every destination of the request.
    /// - Parameter image: the built image, for the error message.
    /// - Throws: `RemoteCacheError.exportFailed` for the first destination that fails.
    func export(image: Digest) async throws {
        guard let cache = session.cache else { return }
        var compressed: [String: LayerBlob] = [:]
        for destination in session.request.cacheTo {
            do {
                let (manifest, entries, layers) = try await write(
                    mode: destination.mode, cache: cache, compressed: &compressed)
                let repository = try makeCacheRepository(
                    destination.location, request: session.request,
                    origins: BlobOriginLog(path: session.root.path + "/registry/blob-origins.json"))
                do {
                    try await repository.publish(manifest, from: session.store)
                    await repository.close()
                } catch {
                    await repository.close()
                    throw error
                }
                session.observer(
                    .cacheExported(
                        destination: destination.location.description, entries: entries, layers: layers,
                        manifest: manifest.digest))
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw RemoteCacheError.exportFailed(
                    destination: destination.location.description, image: image, underlying: error)
            }
        }
    }

    /// Writes the cache documents for `mode` into the local store.
    /// - Returns: the manifest's descriptor, and how many entries and layers it has.
    private func write(mode: CacheExportMode, cache: BuildCache, compressed: inout [String: LayerBlob])
        async throws -> (Descriptor, entries: Int, layers: Int)
    {
        var entries: [String: RemoteCacheFormat.Entry] = [:]
        for (stage, key) in session.cacheKeys.all where entries[key.description] == nil {
            guard mode == .max || session.exportedStages.contains(stage) else { continue }
            // An entry gone since (pruned by another process) is left out.
            guard let entry = cache.entry(key).0 else { continue }
            var layers: [RemoteCacheFormat.Layer] = []
            for layer in entry.layers {
                if let descriptor = layer.descriptor, let diffID = layer.diffID {
                    layers.append(.init(descriptor: RemoteCacheFormat.plain(descriptor), diffID: diffID))
                } else if let directory = layer.directory {
                    let blob = try await compress(directory, cache: cache, memo: &compressed)
                    layers.append(.init(descriptor: RemoteCacheFormat.plain(blob.descriptor), diffID: blob.diffID))
                }
            }
            entries[key.description] = RemoteCacheFormat.Entry(configuration: entry.configuration, layers: layers)
        }
        let store = session.store
        let contents = RemoteCacheFormat.Config(entries: entries)
        let config = try store.writeJSON(contents, mediaType: RemoteCacheFormat.configMediaType)
        let manifest = RemoteCacheFormat.manifest(config: config, entries: contents)
        if manifest.layers == [RemoteCacheFormat.emptyDescriptor] { try store.writeBlob(RemoteCacheFormat.emptyBlob) }
        try manifest.validate()
        let descriptor = try store.writeJSON(manifest, mediaType: .ociManifest)
        return (descriptor, entries.count, manifest.layers.count)
    }

    /// The blob of a layer kept only as a tree (`ROOT/layers/dir-…`), written now, once per export.
    private func compress(_ directory: String, cache: BuildCache, memo: inout [String: LayerBlob]) async throws
        -> LayerBlob
    {
        if let known = memo[directory] { return known }
        let result = try await session.layerWriter.write(
            try FilesystemDiff.fromOverlayUpper(path: cache.layersPath + "/" + directory))
        let blob = LayerBlob(descriptor: result.descriptor, diffID: result.diffID)
        memo[directory] = blob
        return blob
    }
}
