// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// The storage the build cache holds: the bytes that only cache entries keep alive. That is each blob an entry
/// names that no image name reaches, the unpacked tree of such a blob's layer (unless a named image has that
/// layer too), and each kept `dir-` tree. A blob or tree several entries share counts once, and stays until the
/// last of them is removed.
struct CacheUsage {
    /// What one entry keeps alive.
    private enum Resource: Hashable {
        case blob(Digest)
        case tree(String)
    }

    private var sizes: [Resource: Int64] = [:]
    private var references: [Resource: Int] = [:]
    private var resourcesOfEntry: [String: Set<Resource>] = [:]
    /// The bytes the cache holds now.
    private(set) var total: Int64 = 0

    /// - Parameters:
    ///   - entries: the working cache entries.
    ///   - store: the image store.
    ///   - layersPath: `ROOT/layers`.
    ///   - named: the blobs image names reach.
    ///   - namedDiffIDs: the layers of named images, by diffID.
    init(
        entries: [CacheEntries.Record], store: LayoutContentStore, layersPath: String, named: Set<Digest>,
        namedDiffIDs: Set<Digest>
    ) {
        for record in entries {
            var resources = Set<Resource>()
            for layer in record.layers {
                if let descriptor = layer.descriptor, !named.contains(descriptor.digest) {
                    resources.insert(.blob(descriptor.digest))
                    if let diffID = layer.diffID, !namedDiffIDs.contains(diffID),
                        FileManager.default.fileExists(atPath: layersPath + "/" + diffID.encoded)
                    {
                        resources.insert(.tree(diffID.encoded))
                    }
                } else if let directory = layer.directory {
                    resources.insert(.tree(directory))
                }
            }
            resourcesOfEntry[record.key] = resources
            for resource in resources {
                references[resource, default: 0] += 1
                if sizes[resource] == nil {
                    let size: Int64
                    switch resource {
                    case .blob(let digest): size = (try? store.blobSize(digest)) ?? 0
                    case .tree(let name): size = LayerTrees.diskUsage(layersPath + "/" + name)
                    }
                    sizes[resource] = size
                    total += size
                }
            }
        }
    }

    /// Removes `candidates` from the count, least recently used first (ties by key), until the cache holds at
    /// most `limit` bytes or no candidate is left.
    /// - Returns: the entries to remove.
    mutating func removeLeastRecentlyUsed(of candidates: [CacheEntries.Record], until limit: Int64)
        -> [CacheEntries.Record]
    {
        var chosen: [CacheEntries.Record] = []
        let ordered = candidates.sorted { ($0.lastUsed, $0.key) < ($1.lastUsed, $1.key) }
        for record in ordered {
            guard total > limit else { break }
            chosen.append(record)
            for resource in resourcesOfEntry[record.key] ?? [] {
                references[resource, default: 1] -= 1
                if references[resource] == 0 { total -= sizes[resource] ?? 0 }
            }
        }
        return chosen
    }
}
