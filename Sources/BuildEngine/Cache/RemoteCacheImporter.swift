// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage

/// The `--cache-from` caches of a build: their entries by key, read when the build starts (manifest and config
/// only), and the layers of an entry fetched when a step's key hits it. See specs/cache.md, "Remote cache".
///
/// Nothing here fails a build: a cache that can't be read is a warning, and an entry whose layers can't be
/// fetched or verified is a miss.
final class RemoteCacheImporter: Sendable {
    /// One `--cache-from` cache.
    struct Source: Sendable {
        let repository: any CacheRepository
        let entries: [Digest: RemoteCacheFormat.Entry]
    }

    /// The caches that could be read, in the order given: the first with a key wins.
    let sources: [Source]
    let store: any ContentStore
    private let layers = LayerFetches()

    init(sources: [Source], store: any ContentStore) {
        self.sources = sources
        self.store = store
    }

    /// Reads every cache's entry list. A cache that is missing or unreadable is reported as a warning and left
    /// out.
    /// - Returns: nil when no cache could be read.
    static func open(
        _ imports: [CacheImport], request: BuildRequest, store: any ContentStore, observer: BuildObserver
    ) async -> RemoteCacheImporter? {
        var sources: [Source] = []
        for item in imports {
            let repository: any CacheRepository
            do {
                repository = try makeCacheRepository(item.location, request: request)
            } catch {
                observer(.warning("--cache-from \(item.location): \(error); building without it"))
                continue
            }
            do {
                let entries = try await repository.fetchEntries(into: store)
                sources.append(Source(repository: repository, entries: entries))
            } catch {
                observer(.warning("--cache-from: \(error); building without it"))
                await repository.close()
            }
        }
        return sources.isEmpty ? nil : RemoteCacheImporter(sources: sources, store: store)
    }

    /// Whether some cache has an entry for `key`.
    func hasEntry(_ key: Digest) -> Bool { sources.contains { $0.entries[key] != nil } }

    /// Makes a local entry for `key` from the first cache whose entry is usable: every layer it names fetched
    /// into the store (unless already there), its digest verified as it streams and its diffID checked.
    /// - Parameters:
    ///   - key: the step's key.
    ///   - cache: the local cache the entry is saved in.
    /// - Returns: the cache's location, or nil when no cache has the key.
    /// - Throws: the last failure when caches have the key but none of their entries is usable.
    func importEntry(_ key: Digest, into cache: BuildCache) async throws -> String? {
        var failure: (any Error)?
        for source in sources {
            guard let entry = source.entries[key] else { continue }
            do {
                for layer in entry.layers {
                    try await layers.ensure(layer, from: source.repository, store: store)
                }
            } catch {
                failure = error
                continue
            }
            let local = BuildCache.Entry(
                configuration: entry.configuration,
                layers: entry.layers.map { .init(descriptor: $0.descriptor, diffID: $0.diffID, directory: nil) },
                written: Int64(Date().timeIntervalSince1970))
            try cache.save(local, for: key)
            return source.repository.location
        }
        if let failure { throw failure }
        return nil
    }

    /// Closes every cache's connections.
    func close() async {
        for source in sources { await source.repository.close() }
    }
}

/// The layers fetched and verified in this build, each once however many steps or stages ask for it.
private actor LayerFetches {
    private var fetches: [String: Task<Void, any Error>] = [:]

    func ensure(_ layer: RemoteCacheFormat.Layer, from repository: any CacheRepository, store: any ContentStore)
        async throws
    {
        let id = [repository.location, layer.descriptor.digest.description, layer.diffID.description].joined(
            separator: " ")
        if let running = fetches[id] { return try await running.value }
        let task = Task {
            try await repository.fetchBlob(layer.descriptor, into: store)
            // The digest names the bytes; the diffID is only the cache's claim, and the image's config would
            // carry it: check it against the bytes.
            let actual = try await LayerDigester(store: store).diffID(of: layer.descriptor.digest)
            guard actual == layer.diffID else {
                throw RemoteCacheError.diffIDMismatch(
                    layer: layer.descriptor.digest, claimed: layer.diffID, actual: actual)
            }
        }
        fetches[id] = task
        do {
            try await task.value
        } catch {
            // A failed fetch may be retried by a later step (a network blip).
            fetches[id] = nil
            throw error
        }
    }
}
