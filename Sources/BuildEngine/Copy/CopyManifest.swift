// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// The canonical description of what a copy wrote, hashed into ``CopyResult/sourceDigest``.
///
/// One record per entry with seven fields, each followed by a NUL byte (no field can hold one): the path in the
/// root, the type, the octal mode, uid, gid, the link target and the content digest. Records are sorted by path
/// bytes. Times are never part of it, so a cache key does not change when only mtimes do.
struct CopyManifest {
    private var records: [(path: [UInt8], bytes: [UInt8])] = []
    private var entryCount = 0
    private var byteCount: Int64 = 0

    mutating func add(
        path: [String], type: String, mode: UInt32, owner: TreeCopier.Owner, linkTarget: String = "",
        content: Digest? = nil, size: Int64 = 0
    ) {
        let joined = "/" + path.joined(separator: "/")
        let fields = [
            joined, type, String(mode, radix: 8), String(owner.uid), String(owner.gid), linkTarget,
            content?.description ?? "",
        ]
        var bytes: [UInt8] = []
        for field in fields {
            bytes.append(contentsOf: field.utf8)
            bytes.append(0)
        }
        records.append((Array(joined.utf8), bytes))
        entryCount += 1
        byteCount += size
    }

    /// An extracted archive: recorded once, by the digest of the archive file, with its entries counted.
    mutating func addArchive(path: [String], content: Digest, entries: Int, size: Int64) {
        add(path: path, type: "archive", mode: 0, owner: TreeCopier.Owner(uid: 0, gid: 0), content: content)
        entryCount += entries - 1
        byteCount += size
    }

    func result() -> CopyResult {
        let hasher = SHA256Hasher()
        var entries: [String: String] = [:]
        for record in records.sorted(by: { $0.path.lexicographicallyPrecedes($1.path) }) {
            hasher.update(record.bytes)
            entries[String(decoding: record.path, as: UTF8.self)] = String(
                SHA256Hasher.digest(of: record.bytes).encoded.prefix(16))
        }
        return CopyResult(
            entryCount: entryCount, byteCount: byteCount, sourceDigest: hasher.finalize(), entries: entries)
    }
}
