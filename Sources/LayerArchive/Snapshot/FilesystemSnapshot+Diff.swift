// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension FilesystemSnapshot {
    func diff(against root: String, cancellation: CancellationFlag?) throws -> FilesystemDiff {
        let directory = try OwnedDescriptor.open(
            at: AT_FDCWD, Array(root.utf8), flags: O_RDONLY | O_DIRECTORY, displayPath: root)
        var info = stat()
        guard fstat(directory.rawValue, &info) == 0 else {
            throw ArchiveError.io(operation: "stat", path: root, errno: errno)
        }
        var comparer = SnapshotComparer(
            snapshot: self, rootDevice: UInt64(info.st_dev), displayRoot: root, cancellation: cancellation)
        try comparer.compare(directory.rawValue, prefix: [], old: entries.isEmpty ? nil : 0)
        try comparer.completeHardLinkGroups()
        return FilesystemDiff(root: root, changes: comparer.changes)
    }
}

/// The second walk: a merge of each directory's sorted names with the snapshot's sorted children.
private struct SnapshotComparer {
    private struct FileKey: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    let snapshot: FilesystemSnapshot
    let rootDevice: UInt64
    let displayRoot: String
    let cancellation: CancellationFlag?
    let digester = ContentDigester()
    var changes: [LayerChange] = []
    /// Paths of the current tree that share an inode with another path, by inode.
    private var hardLinks: [FileKey: [[UInt8]]] = [:]
    /// Paths reported as added or modified.
    private var presentChanges = Set<[UInt8]>()

    init(snapshot: FilesystemSnapshot, rootDevice: UInt64, displayRoot: String, cancellation: CancellationFlag?) {
        self.snapshot = snapshot
        self.rootDevice = rootDevice
        self.displayRoot = displayRoot
        self.cancellation = cancellation
    }

    /// Compares one current directory with its snapshot entry (`old`, an index), or reports everything
    /// in it as added when there is none.
    mutating func compare(_ directory: Int32, prefix: [UInt8], old: Int?) throws {
        let names = try FileSystem.sortedNames(
            of: directory, displayPath: displayRoot + "/" + String(decoding: prefix, as: UTF8.self))
        let oldChildren = old.map(children(of:)) ?? []
        var new = 0
        var previous = 0
        while new < names.count || previous < oldChildren.count {
            try cancellation.check()
            let oldName = previous < oldChildren.count ? snapshot.entries[oldChildren[previous]].name : nil
            let newName = new < names.count ? names[new] : nil
            if let oldName, newName.map({ oldName.lexicographicallyPrecedes($0) }) ?? true {
                try record(.deleted, prefix + oldName)
                previous += 1
            } else if let newName, oldName.map({ newName.lexicographicallyPrecedes($0) }) ?? true {
                try compareEntry(in: directory, name: newName, prefix: prefix, old: nil)
                new += 1
            } else {
                try compareEntry(in: directory, name: names[new], prefix: prefix, old: oldChildren[previous])
                new += 1
                previous += 1
            }
        }
    }

    private mutating func compareEntry(in directory: Int32, name: [UInt8], prefix: [UInt8], old: Int?) throws {
        let path = prefix + name
        let display = displayRoot + "/" + String(decoding: path, as: UTF8.self)
        guard let info = try FileSystem.lstat(at: directory, name, displayPath: display) else {
            // Removed since the directory was read.
            if old != nil { try record(.deleted, path) }
            return
        }
        let current = try SnapshotEntry(name: name, info: info, parent: directory, displayPath: display)
        var descendInto = old
        if let old {
            switch try verdict(snapshot.entries[old], current, parent: directory, display: display) {
            case .unchanged: break
            case .modified, .onlyChangeTimeDiffers: try record(.modified, path)
            case .replaced:
                try record(.deleted, path)
                try record(.added, path)
                descendInto = nil
            }
        } else {
            try record(.added, path)
        }
        if !current.isDirectory && current.linkCount > 1 {
            hardLinks[FileKey(device: current.device, inode: current.inode), default: []].append(path)
        }
        guard current.isDirectory, snapshot.options.crossesMountPoints || current.device == rootDevice else { return }
        let child = try OwnedDescriptor.open(
            at: directory, name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, displayPath: display)
        try compare(child.rawValue, prefix: path + [UInt8(ascii: "/")], old: descendInto)
    }

    /// `SnapshotEntry.verdict(comparedWith:)`, with a ctime-only change settled: unchanged when the
    /// content still hashes to the recorded digest, modified otherwise (or when there is no digest).
    private func verdict(_ old: SnapshotEntry, _ current: SnapshotEntry, parent: Int32, display: String) throws
        -> SnapshotVerdict
    {
        let verdict = old.verdict(comparedWith: current, horizon: snapshot.changeTimeHorizon)
        guard verdict == .onlyChangeTimeDiffers else { return verdict }
        guard let recorded = old.contentDigest,
            let digest = try digester.digest(parent: parent, entry: current, displayPath: display)
        else { return .modified }
        return digest == recorded ? .unchanged : .modified
    }

    /// The indexes of a snapshot directory's direct children, in name order.
    private func children(of index: Int) -> [Int] {
        var result: [Int] = []
        var child = index + 1
        while child < snapshot.entries[index].subtreeEnd {
            result.append(child)
            child = snapshot.entries[child].subtreeEnd
        }
        return result
    }

    private mutating func record(_ kind: LayerChange.Kind, _ path: [UInt8]) throws {
        guard let text = String(validating: path, as: UTF8.self) else {
            throw ArchiveError.invalidChange(
                path: String(decoding: path, as: UTF8.self), reason: "the name is not valid UTF-8")
        }
        if kind != .deleted { presentChanges.insert(path) }
        changes.append(LayerChange(path: text, kind: kind))
    }

    /// Reports every path of a hard-link group when one of them is reported. The layer writer links a
    /// group's later paths to its first; a path left out would be written as a separate file, and
    /// applying the layer would split it from the rest of the group.
    mutating func completeHardLinkGroups() throws {
        for paths in hardLinks.values where paths.contains(where: presentChanges.contains) {
            for path in paths where !presentChanges.contains(path) {
                try record(.modified, path)
            }
        }
    }
}
