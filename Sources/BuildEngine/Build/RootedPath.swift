// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// Paths inside a root filesystem, resolved the way a process chrooted into it would see them: symbolic links
/// are followed relative to the root, and `..` never climbs above it.
enum RootedPath {
    /// The host path of `path` inside `root`, with every symbolic link of every component resolved inside the
    /// root (by the copier's ``RootResolver``); a missing tail is appended as is.
    static func resolve(_ path: String, in root: String) throws -> String {
        let resolver = RootResolver(root: root)
        return resolver.hostPath(try resolver.resolve(path, followFinal: true))
    }

    /// Creates `path` inside `root` and any missing parents (mode 0755, owned by `uid`:`gid`).
    /// - Returns: whether anything was created.
    @discardableResult
    static func makeDirectories(_ path: String, in root: String, uid: uid_t = 0, gid: gid_t = 0) throws -> Bool {
        var created = false
        var prefix = ""
        for name in components(path) {
            prefix += "/" + name
            let host = try resolve(prefix, in: root)
            var info = stat()
            if lstat(host, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw BuildError.invalidOption("\(prefix) exists in the image and is not a directory")
                }
                continue
            }
            guard mkdir(host, 0o755) == 0 || errno == EEXIST else {
                throw BuildError.invalidOption("cannot create \(prefix): \(systemErrorMessage(errno))")
            }
            _ = chmod(host, 0o755)
            _ = lchown(host, uid, gid)
            created = true
        }
        return created
    }

    /// The non-empty, non-`.` components of `path`.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." }
    }

    /// `path` made absolute against `directory` and cleaned (`..` resolved lexically, no trailing slash).
    static func absolute(_ path: String, from directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        var parts: [String] = []
        for name in components(joined) {
            if name == ".." { _ = parts.popLast() } else { parts.append(name) }
        }
        return "/" + parts.joined(separator: "/")
    }
}
