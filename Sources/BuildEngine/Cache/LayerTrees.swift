// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// The trees under `ROOT/layers`, as prune sees them:
///
/// ```
/// <diffID hex>    a layer unpacked for use as an overlay lower directory (made again from its blob when needed)
/// dir-<key hex>   the tree of a layer that was never compressed, named by a cache entry
/// .empty          an empty directory builds mount; never removed
/// .trash-*        a tree being removed (left by an interrupted prune)
/// <diffID hex>.partial-PID-N   a layer being unpacked (left by a killed process when PID is gone)
/// ```
/// Other names are left alone.
struct LayerTrees {
    let path: String

    /// Names of the trees prune may remove, sorted.
    func names() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { Self.isDiffIDName($0) || Self.isKeptTreeName($0) }.sorted()
    }

    /// Whether a tree is still needed: a kept tree a cache entry names, or an unpacked layer whose diffID a
    /// named image or a remaining cache entry lists.
    func isNeeded(_ name: String, directories: Set<String>, diffIDs: Set<Digest>) -> Bool {
        if Self.isKeptTreeName(name) { return directories.contains(name) }
        guard let diffID = try? Digest(algorithm: "sha256", encoded: name) else { return true }
        return diffIDs.contains(diffID)
    }

    /// `<diffID hex>.partial-PID-N` (see `LayerApplier.extract`) whose process no longer runs.
    static func isAbandonedExtraction(_ name: String) -> Bool {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, isDiffIDName(parts[0]), parts[1].hasPrefix("partial-") else { return false }
        let fields = parts[1].split(separator: "-")
        guard fields.count == 3, let pid = Int32(fields[1]), pid > 0 else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    static func isKeptTreeName(_ name: String) -> Bool {
        name.hasPrefix("dir-") && isDiffIDName(String(name.dropFirst(4)))
    }

    static func isDiffIDName(_ name: String) -> Bool {
        name.utf8.count == 64 && name.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Removes a tree: first renamed out of the way (so no build ever sees it half removed), then deleted.
    /// - Returns: the bytes it took on disk.
    func remove(_ name: String) throws -> Int64 {
        let trash = path + "/.trash-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        guard rename(path + "/" + name, trash) == 0 else {
            if errno == ENOENT { return 0 }
            throw PruneError.removalFailed(path: path + "/" + name, reason: systemErrorMessage(errno))
        }
        let size = Self.diskUsage(trash)
        try Self.delete(trash)
        return size
    }

    /// Deletes what an interrupted prune left, and layers a killed process was unpacking. - Returns: the bytes
    /// freed.
    func removeTrash() -> Int64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var freed: Int64 = 0
        for name in names where name.hasPrefix(".trash-") || Self.isAbandonedExtraction(name) {
            let size = Self.diskUsage(path + "/" + name)
            if (try? Self.delete(path + "/" + name)) != nil { freed += size }
        }
        return freed
    }

    /// The bytes a tree takes on disk (allocated blocks; each inode once).
    static func diskUsage(_ root: String) -> Int64 {
        var seen = Set<[UInt64]>()
        var total: Int64 = 0
        var pending = [root]
        while let current = pending.popLast() {
            var info = stat()
            guard lstat(current, &info) == 0 else { continue }
            if info.st_nlink <= 1 || seen.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted {
                total += Int64(info.st_blocks) * 512
            }
            guard info.st_mode & S_IFMT == S_IFDIR,
                let children = try? FileManager.default.contentsOfDirectory(atPath: current)
            else { continue }
            pending.append(contentsOf: children.map { current + "/" + $0 })
        }
        return total
    }

    /// Deletes a tree. Directories without write permission (as images may have) are opened up first when a
    /// plain removal fails.
    private static func delete(_ tree: String) throws {
        if (try? FileManager.default.removeItem(atPath: tree)) != nil { return }
        var pending = [tree]
        while let current = pending.popLast() {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { continue }
            _ = chmod(current, 0o700)
            let children = (try? FileManager.default.contentsOfDirectory(atPath: current)) ?? []
            pending.append(contentsOf: children.map { current + "/" + $0 })
        }
        do {
            try FileManager.default.removeItem(atPath: tree)
        } catch {
            throw PruneError.removalFailed(path: tree, reason: "\(error)")
        }
    }
}
