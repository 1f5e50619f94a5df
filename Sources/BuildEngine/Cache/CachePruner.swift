// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// `hoist prune`: removes what nothing needs from a Hoist root, and cache entries the options choose.
///
/// Under the store's collection lock (so no build runs meanwhile), in this order:
/// 1. cache entries whose blobs or kept trees are gone, and entries the options choose;
/// 2. blobs that no image name and no remaining cache entry reaches;
/// 3. layer trees under `ROOT/layers` that nothing needs: a `dir-<key>` no remaining entry names, an unpacked
///    `<diffID>` whose layer is no longer in the store.
///
/// See specs/cache.md, "Pruning".
public struct CachePruner: Sendable {
    /// The root to prune.
    public let root: HoistRoot

    /// - Parameter root: the Hoist root whose store, cache and layer trees are pruned.
    public init(root: HoistRoot) { self.root = root }

    /// What a prune removed and what the cache holds afterwards.
    public struct Report: Sendable, Equatable {
        /// Cache entries removed (stale ones and those the options chose).
        public var entriesRemoved = 0
        /// Cache entries left.
        public var entriesKept = 0
        /// Blobs removed from the store.
        public var blobsRemoved = 0
        /// Trees removed from `ROOT/layers`.
        public var treesRemoved = 0
        /// Bytes of the removed blobs, trees and entry files.
        public var bytesFreed: Int64 = 0
        /// With `--keep-storage`: the bytes that only the remaining cache entries keep (blobs no name reaches,
        /// their unpacked trees, kept `dir-` trees).
        public var cacheBytes: Int64?
    }

    /// Prunes the root.
    /// - Parameters:
    ///   - options: which working cache entries to remove as well.
    /// - Returns: what was removed.
    /// - Throws: `PruneError.buildRunning` (nothing removed) when a build runs on this root; `OCIImageError.storeBusy`
    ///   when another process writes to the store; `PruneError.removalFailed` or `OCIImageError` on I/O failures.
    public func prune(_ options: PruneOptions) throws -> Report {
        let store = try root.openStore()
        let lock: LayoutContentStore.CollectionLock
        do {
            lock = try store.lockForCollection()
        } catch OCIImageError.storeBusy(path: let path) {
            if let build = RunningBuilds.liveProcess(in: root) { throw PruneError.buildRunning(pid: build.pid) }
            throw OCIImageError.storeBusy(path: path)
        }
        // Every build holds that lock shared from its start, so none runs now. A workspace still locked would be a
        // build of a Hoist that does not; refuse all the same.
        if let build = RunningBuilds.lockedWorkspace(in: root) { throw PruneError.buildRunning(pid: build.pid) }

        var report = Report()
        let cache = CacheEntries(root: root, store: store)
        let entries = try cache.load()
        let (working, stale) = entries.partitioned(store: store, layersPath: root.layersPath)
        let named = try store.reachableBlobs()
        let namedDiffIDs = Self.diffIDs(ofImagesNamedIn: store)
        var chosen: [CacheEntries.Record] = []
        if options.removesWorkingEntries {
            let candidates = working.filter { record in
                options.unusedSince.map { record.lastUsed < $0 } ?? true
            }
            if let limit = options.keepStorage {
                var usage = CacheUsage(
                    entries: working, store: store, layersPath: root.layersPath, named: named,
                    namedDiffIDs: namedDiffIDs)
                chosen = usage.removeLeastRecentlyUsed(of: candidates, until: limit)
                report.cacheBytes = usage.total
            } else {
                chosen = candidates
            }
        }
        for record in stale + chosen {
            report.bytesFreed += try cache.remove(record)
            report.entriesRemoved += 1
        }
        let removedKeys = Set(chosen.map(\.key))
        let remaining = working.filter { !removedKeys.contains($0.key) }
        report.entriesKept = remaining.count

        let kept = Set(remaining.flatMap { $0.layers.compactMap(\.descriptor?.digest) })
        let collection = try store.collectGarbage(extraRoots: kept, holding: lock)
        report.blobsRemoved = collection.removed.count
        report.bytesFreed += collection.bytesFreed

        let trees = LayerTrees(path: root.layersPath)
        let neededDirectories = Set(remaining.flatMap { $0.layers.compactMap(\.directory) })
        let neededDiffIDs = namedDiffIDs.union(remaining.flatMap { $0.layers.compactMap(\.diffID) })
        for name in trees.names() where !trees.isNeeded(name, directories: neededDirectories, diffIDs: neededDiffIDs) {
            report.bytesFreed += try trees.remove(name)
            report.treesRemoved += 1
        }
        report.bytesFreed += trees.removeTrash()
        report.bytesFreed += Self.removeBlockIndexes(in: root.blockIndexesPath, store: store)
        withExtendedLifetime(lock) {}
        return report
    }

    /// Removes the compressed-block indexes (specs/layers.md, "Compressed blocks are reused") of blobs no longer in
    /// the store. - Returns: the bytes freed.
    static func removeBlockIndexes(in directory: String, store: LayoutContentStore) -> Int64 {
        var freed: Int64 = 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let path = directory + "/" + name
            if let blob = try? Digest(parsing: "sha256:" + name), (try? store.hasBlob(blob)) == true { continue }
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, unlink(path) == 0 else { continue }
            freed += Int64(info.st_size)
        }
        return freed
    }

    /// The diffIDs of every image a name in the store reaches (through indexes), from their configs.
    static func diffIDs(ofImagesNamedIn store: LayoutContentStore) -> Set<Digest> {
        var found = Set<Digest>()
        var seen = Set<Digest>()
        var pending = (try? store.readIndex().manifests) ?? []
        while let descriptor = pending.popLast() {
            guard seen.insert(descriptor.digest).inserted else { continue }
            if descriptor.mediaType.isIndex {
                if let index = try? store.readJSON(ImageIndex.self, digest: descriptor.digest) {
                    pending.append(contentsOf: index.manifests)
                }
            } else if descriptor.mediaType.isManifest,
                let manifest = try? store.readJSON(ImageManifest.self, digest: descriptor.digest),
                let configuration = try? store.readJSON(ImageConfiguration.self, digest: manifest.config.digest)
            {
                found.formUnion(configuration.rootfs.diff_ids)
            }
        }
        return found
    }
}

/// The entries of `ROOT/cache/entries` as prune sees them.
struct CacheEntries {
    let root: HoistRoot
    let store: LayoutContentStore

    /// One entry file.
    struct Record {
        var key: String
        var path: String
        /// The layers the entry names; empty when the file is not a readable entry.
        var layers: [BuildCache.Entry.Layer]
        /// When a build last used the entry (or wrote it): the file's modification time.
        var lastUsed: Date
        var isReadable: Bool
    }

    var entriesPath: String { root.cachePath + "/entries" }

    /// Every entry file (`<hex>.json`), readable or not, sorted by key.
    func load() throws -> [Record] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: entriesPath)) ?? []
        var records: [Record] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let key = String(name.dropLast(".json".count))
            guard (try? Digest(algorithm: "sha256", encoded: key)) != nil else { continue }
            let path = entriesPath + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let lastUsed = Date(
                timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
            let decoded = FileManager.default.contents(atPath: path).flatMap {
                try? JSONDecoder().decode(BuildCache.Entry.self, from: $0)
            }
            records.append(
                Record(
                    key: key, path: path, layers: decoded?.layers ?? [], lastUsed: lastUsed,
                    isReadable: decoded != nil))
        }
        return records
    }

    /// Removes an entry's file. - Returns: the bytes it took.
    func remove(_ record: Record) throws -> Int64 {
        var info = stat()
        let size = lstat(record.path, &info) == 0 ? Int64(info.st_size) : 0
        if unlink(record.path) != 0 && errno != ENOENT {
            throw PruneError.removalFailed(path: record.path, reason: systemErrorMessage(errno))
        }
        return size
    }
}

extension Array where Element == CacheEntries.Record {
    /// Splits entries into those a lookup would use and those it would not (unreadable, or naming a blob or kept
    /// tree that is gone), as `BuildCache.entry` decides.
    func partitioned(store: LayoutContentStore, layersPath: String) -> (
        working: [CacheEntries.Record], stale: [CacheEntries.Record]
    ) {
        var working: [CacheEntries.Record] = []
        var stale: [CacheEntries.Record] = []
        for record in self {
            let intact =
                record.isReadable && record.layers.allSatisfy { $0.isPresent(in: store, layersPath: layersPath) }
            if intact { working.append(record) } else { stale.append(record) }
        }
        return (working, stale)
    }
}
