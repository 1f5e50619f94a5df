// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// A digest of a directory tree's content and metadata (never times), for cache keys of `RUN --mount=type=bind`
/// sources from the context: every path, its type, mode, owner, link target, and the SHA-256 of each file.
enum TreeDigest {
    static func of(_ path: String) throws -> Digest {
        let key = CacheKeyBuilder("hoist-tree-v1")
        try add(path, relative: ".", to: key)
        return key.finalize()
    }

    private static func add(_ path: String, relative: String, to key: CacheKeyBuilder) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw BuildError.invalidOption("cannot read \(path): \(systemErrorMessage(errno))")
        }
        key.add([relative, String(info.st_mode, radix: 8), String(info.st_uid), String(info.st_gid)])
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            for name in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
                try add(path + "/" + name, relative: relative + "/" + name, to: key)
            }
        case S_IFLNK:
            key.add(try FileManager.default.destinationOfSymbolicLink(atPath: path))
        case S_IFREG:
            key.add(try SHA256Hasher.digest(ofFileAt: path).description)
        default:
            key.add(String(info.st_rdev))
        }
    }
}
