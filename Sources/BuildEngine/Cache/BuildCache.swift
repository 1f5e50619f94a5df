// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// The local build cache under `ROOT/cache`: what a step produced, by the key of everything it depended on,
/// and per step of a Dockerfile the inputs it last ran with, to explain a miss. See specs/cache.md.
///
/// Entries are written only after a step has fully succeeded (its layer is in the store), each atomically.
struct BuildCache: Sendable {
    let path: String
    let store: any ContentStore
    /// `ROOT/layers`, where directory-only layers are kept.
    let layersPath: String

    init(path: String, store: any ContentStore, layersPath: String) throws {
        self.path = path
        self.store = store
        self.layersPath = layersPath
        for directory in [entriesPath, slotsPath] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    var entriesPath: String { path + "/entries" }
    var slotsPath: String { path + "/slots" }

    /// What a cached step produced: the image state after it.
    struct Entry: Codable, Sendable {
        var configuration: ImageConfiguration
        var layers: [Layer]
        /// When the entry was written (seconds since 1970), for pruning by age.
        var written: Int64

        /// A layer: its blob, or (for a stage the image didn't carry) the directory under `ROOT/layers` that
        /// keeps its tree.
        struct Layer: Codable, Sendable {
            var descriptor: Descriptor?
            var diffID: Digest?
            var directory: String?
        }
    }

    /// The inputs a step of a Dockerfile last ran with.
    struct Inputs: Codable, Sendable, Equatable {
        /// The key the step had.
        var key: Digest
        /// The key of the step before it (or of the base).
        var parent: Digest
        /// The base image's name and manifest digest, when the stage starts from an image.
        var baseName: String?
        var baseDigest: Digest?
        /// The instruction as it ran (after expansion).
        var instruction: String
        /// The ARG and ENV values the step could see.
        var variables: [String: String]
        /// For COPY and ADD: each copied path and a fingerprint of its content and metadata.
        var sources: [String: String]?
        /// What the step reads besides (stages, images, mounted context trees) and their digests.
        var reads: [String: String]? = nil
        /// The fixed image time (seconds since 1970), when there is one.
        var imageTime: Int64? = nil
    }

    // MARK: - Entries

    /// The file that holds the entry for `key`. Its modification time is when the entry was last used.
    func entryPath(_ key: Digest) -> String { entriesPath + "/" + key.encoded + ".json" }

    /// The entry for `key`, when there is one and every blob it names is still in the store.
    func entry(_ key: Digest) -> (Entry?, missingBlob: Bool) {
        let file = entryPath(key)
        guard let data = FileManager.default.contents(atPath: file),
            let entry = try? JSONDecoder().decode(Entry.self, from: data)
        else { return (nil, false) }
        guard entry.layers.allSatisfy({ $0.isPresent(in: store, layersPath: layersPath) }) else { return (nil, true) }
        return (entry, false)
    }

    func save(_ entry: Entry, for key: Digest) throws {
        try write(entry, to: entryPath(key))
    }

    /// Records that the entry for `key` was just used: its file's modification time becomes now. `hoist prune`
    /// removes entries by this time (`--filter until=`, `--keep-storage`).
    func markUsed(_ key: Digest) {
        _ = utimes(entryPath(key), nil)
    }

    // MARK: - Slots (for explanations)

    func inputs(slot: Digest) -> Inputs? {
        guard let data = FileManager.default.contents(atPath: slotsPath + "/" + slot.encoded + ".json") else {
            return nil
        }
        return try? JSONDecoder().decode(Inputs.self, from: data)
    }

    func record(_ inputs: Inputs, slot: Digest) throws {
        try write(inputs, to: slotsPath + "/" + slot.encoded + ".json")
    }

    private func write(_ value: some Encodable, to file: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // `.atomic` writes a temporary file beside it and renames it into place.
        try encoder.encode(value).write(to: URL(fileURLWithPath: file), options: .atomic)
    }

    // MARK: - Explanations

    /// Why `current` missed, compared with what the same step last ran with.
    static func explain(_ current: Inputs, previous: Inputs?, missingBlob: Bool) -> String {
        if missingBlob { return "the cached layer is no longer in the store (pruned)" }
        guard let previous else { return "no cache entry for this step yet" }
        if previous.baseDigest != current.baseDigest, let name = current.baseName {
            return "base image \(name) moved: \(previous.baseDigest?.description ?? "none") → "
                + (current.baseDigest?.description ?? "none")
        }
        if previous.imageTime != current.imageTime {
            let describe = { (time: Int64?) in time.map { "\($0)" } ?? "now" }
            return "the image time (SOURCE_DATE_EPOCH) changed: \(describe(previous.imageTime)) → "
                + describe(current.imageTime)
        }
        if previous.instruction != current.instruction { return "the instruction changed" }
        let names = Set(previous.variables.keys).union(current.variables.keys).sorted()
        for name in names where previous.variables[name] != current.variables[name] {
            if previous.variables[name] == nil { return "\(name) is new" }
            if current.variables[name] == nil { return "\(name) is no longer set" }
            return "the value of \(name) changed"
        }
        if let old = previous.reads, let new = current.reads {
            for what in Set(old.keys).union(new.keys).sorted() where old[what] != new[what] {
                return old[what] == nil || new[what] == nil ? "it reads \(what) now" : "\(what) changed"
            }
        }
        if let old = previous.sources, let new = current.sources {
            for path in Set(old.keys).union(new.keys).sorted() where old[path] != new[path] {
                if old[path] == nil { return "source \(path) is new" }
                if new[path] == nil { return "source \(path) is gone" }
                return "source \(path) changed"
            }
        }
        if previous.parent != current.parent { return "an earlier step changed" }
        // The step last ran with exactly these inputs and wrote its entry; only `hoist prune` removes entries.
        if previous.key == current.key { return "the cache entry was pruned" }
        return "no cache entry for these inputs"
    }
}

extension BuildCache.Entry.Layer {
    /// Whether what the layer names is still there: its blob in `store`, or its kept tree under `layersPath`.
    func isPresent(in store: any ContentStore, layersPath: String) -> Bool {
        if let descriptor { return (try? store.hasBlob(descriptor.digest)) == true }
        if let directory { return FileManager.default.fileExists(atPath: layersPath + "/" + directory) }
        return false
    }
}

/// Builds cache keys: SHA-256 over length-prefixed fields, so no two field lists collide.
struct CacheKeyBuilder {
    private let hasher = SHA256Hasher()

    init(_ kind: String) { add(kind) }

    func add(_ field: String) {
        let bytes = Array(field.utf8)
        var length = UInt64(bytes.count).bigEndian
        withUnsafeBytes(of: &length) { hasher.update(Array($0)) }
        hasher.update(bytes)
    }

    func add(_ fields: [String]) {
        add(String(fields.count))
        for field in fields { add(field) }
    }

    func finalize() -> Digest { hasher.finalize() }
}
