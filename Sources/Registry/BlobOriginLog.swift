// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// Remembers which repositories of which registries hold each blob, so a push can ask the registry to
/// mount a blob from another repository instead of uploading it again.
///
/// A hint only: a wrong entry costs one declined mount. The file is JSON, `{"sha256:…": ["host/repo", …]}`,
/// rewritten atomically; concurrent writers in different processes may drop each other's additions.
public final class BlobOriginLog: @unchecked Sendable {
    // @unchecked: `lock` guards `entries` and every file access.
    private let lock = NSLock()
    private var entries: [String: [String]]
    /// The file.
    public let path: String
    /// The most repositories remembered per blob.
    static let maximumPerBlob = 8

    /// Opens (or starts) a log.
    /// - Parameter path: the JSON file; created on the first `record`.
    public init(path: String) {
        self.path = path
        let data = FileManager.default.contents(atPath: path) ?? Data()
        entries = (try? JSONDecoder().decode([String: [String]].self, from: data)) ?? [:]
    }

    /// Records that `registry/repository` holds the blobs.
    /// - Throws: `RegistryError.credentials` never; file errors are ignored because the log is a hint.
    public func record(_ digests: [Digest], registry: String, repository: String) {
        let name = "\(registry)/\(repository)"
        lock.lock()
        defer { lock.unlock() }
        var changed = false
        for digest in digests {
            var names = entries[digest.description] ?? []
            guard names.first != name else { continue }
            names.removeAll { $0 == name }
            names.insert(name, at: 0)
            entries[digest.description] = Array(names.prefix(Self.maximumPerBlob))
            changed = true
        }
        guard changed, let data = try? JSONEncoder().encode(entries) else { return }
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The repositories of `registry` known to hold a blob, most recent first.
    public func repositories(holding digest: Digest, on registry: String) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        let prefix = registry + "/"
        return (entries[digest.description] ?? []).filter { $0.hasPrefix(prefix) }.map {
            String($0.dropFirst(prefix.count))
        }
    }
}
