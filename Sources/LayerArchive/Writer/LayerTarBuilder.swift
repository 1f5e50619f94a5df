// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CLayerSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Turns files and changes into tar entries, in order. Not `Sendable`: one task owns it.
final class LayerTarBuilder {
    private struct FileKey: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    static let whiteoutPrefix: [UInt8] = Array(".wh.".utf8)
    static let opaqueMarker: [UInt8] = Array(".wh..wh..opq".utf8)
    private static let fileBufferSize = 1 << 20

    private let tar: TarStreamWriter
    private let options: LayerWriter.Options
    private let cancellation: CancellationFlag?
    private var hardlinks: [FileKey: [UInt8]] = [:]
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: fileBufferSize, alignment: 4096)

    init(tar: TarStreamWriter, options: LayerWriter.Options, cancellation: CancellationFlag?) {
        self.tar = tar
        self.options = options
        self.cancellation = cancellation
    }

    deinit { buffer.deallocate() }

    // MARK: - Directory trees

    /// Writes everything beneath `path`, depth first, each directory's names sorted bytewise.
    func writeTree(at path: String) throws {
        let root = try OwnedDescriptor.open(
            at: AT_FDCWD, Array(path.utf8), flags: O_RDONLY | O_DIRECTORY, displayPath: path)
        try writeDirectory(root.rawValue, prefix: [], displayRoot: path)
    }

    private func writeDirectory(_ directory: Int32, prefix: [UInt8], displayRoot: String) throws {
        for name in try FileSystem.sortedNames(of: directory, displayPath: displayRoot + "/" + display(prefix)) {
            try cancellation.check()
            let path = prefix + name
            guard let info = try FileSystem.lstat(at: directory, name, displayPath: display(path)) else { continue }
            try writeEntry(parent: directory, name: name, path: path, info: info)
            if FileSystem.type(info.st_mode) == mode_t(S_IFDIR) {
                let child = try OwnedDescriptor.open(
                    at: directory, name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, displayPath: display(path))
                try writeDirectory(child.rawValue, prefix: path + [UInt8(ascii: "/")], displayRoot: displayRoot)
            }
        }
    }

    // MARK: - Change sets

    /// Writes a change set: see `ChangePlan` for how whiteouts are decided.
    func writeChanges(_ diff: FilesystemDiff) throws {
        let root = try RootDirectory(path: diff.root)
        let plan = try ChangePlan(diff.changes)
        var emittedDirectories = Set<[UInt8]>()
        for item in plan.items {
            try cancellation.check()
            // Parents first: a directory that is not itself a change but holds one is written with its
            // current metadata, so readers do not invent one.
            for depth in 0..<(item.components.count - 1) {
                let ancestor = Array(item.components[...depth].joined(separator: [UInt8(ascii: "/")]))
                guard emittedDirectories.insert(ancestor).inserted else { continue }
                let entry = display(ancestor)
                guard let parent = try root.openDirectory(item.components[..<depth], create: false, entry: entry),
                    let info = try FileSystem.lstat(at: parent.rawValue, item.components[depth], displayPath: entry),
                    FileSystem.type(info.st_mode) == mode_t(S_IFDIR)
                else { continue }
                try writeEntry(parent: parent.rawValue, name: item.components[depth], path: ancestor, info: info)
            }
            let path = Array(item.components.joined(separator: [UInt8(ascii: "/")]))
            let name = item.components[item.components.count - 1]
            switch item.kind {
            case .entry(let needsOpaque, let isExplicitlyOpaque):
                guard emittedDirectories.insert(path).inserted else { continue }
                let entry = display(path)
                guard let parent = try root.openDirectory(item.components.dropLast(), create: false, entry: entry),
                    let info = try FileSystem.lstat(at: parent.rawValue, name, displayPath: entry)
                else {
                    throw ArchiveError.invalidChange(path: entry, reason: "it does not exist in \(diff.root)")
                }
                let isDirectory = FileSystem.type(info.st_mode) == mode_t(S_IFDIR)
                if isExplicitlyOpaque && !isDirectory {
                    throw ArchiveError.invalidChange(path: entry, reason: "an opaque path must be a directory")
                }
                try writeEntry(parent: parent.rawValue, name: name, path: path, info: info)
                if needsOpaque && isDirectory {
                    try writeMarker(path + [UInt8(ascii: "/")] + Self.opaqueMarker)
                }
            case .whiteout:
                let parent = item.components.dropLast().map { $0 + [UInt8(ascii: "/")] }.joined()
                try writeMarker(Array(parent) + Self.whiteoutPrefix + name)
            }
        }
    }

    // MARK: - Entries

    private func writeEntry(parent: Int32, name: [UInt8], path: [UInt8], info: stat) throws {
        if name.starts(with: Self.whiteoutPrefix) {
            throw ArchiveError.unsupportedEntry(
                entry: display(path), type: "a name starting with .wh. (reserved for whiteouts)")
        }
        var header = TarHeader(
            path: path, kind: .regular, mode: UInt32(info.st_mode) & 0o7777, uid: Int64(info.st_uid),
            gid: Int64(info.st_gid), mtime: clampedTime(Int64(info.st_mtim.tv_sec)))
        let type = FileSystem.type(info.st_mode)
        switch type {
        case mode_t(S_IFREG): header.size = Int64(info.st_size)
        case mode_t(S_IFDIR): header.kind = .directory
        case mode_t(S_IFLNK):
            header.kind = .symlink
            header.linkName = try FileSystem.readLink(at: parent, name, displayPath: display(path))
        case mode_t(S_IFCHR), mode_t(S_IFBLK):
            header.kind = type == mode_t(S_IFCHR) ? .characterDevice : .blockDevice
            header.devmajor = hoist_major(UInt64(info.st_rdev))
            header.devminor = hoist_minor(UInt64(info.st_rdev))
        case mode_t(S_IFIFO): header.kind = .fifo
        default:
            return  // Sockets cannot be archived; like Docker and GNU tar, skip them.
        }
        if type != mode_t(S_IFDIR) && info.st_nlink > 1 {
            let key = FileKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if let first = hardlinks[key] {
                header.kind = .hardlink
                header.linkName = first
                header.size = 0
            } else {
                hardlinks[key] = path
            }
        }
        if options.includesXattrs && header.kind != .hardlink {
            let procPath = Array("/proc/self/fd/\(parent)/".utf8) + name
            header.xattrs = try FileSystem.xattrs(ofPath: procPath).filter { Self.isArchivedXattr($0.name) }
        }
        try tar.writeHeader(header)
        if header.kind == .regular && header.size > 0 {
            try copyFile(parent: parent, name: name, path: path, size: header.size)
        }
    }

    private func writeMarker(_ path: [UInt8]) throws {
        try tar.writeHeader(
            TarHeader(path: path, kind: .regular, mode: 0o644, uid: 0, gid: 0, mtime: options.sourceDateEpoch ?? 0))
    }

    private func copyFile(parent: Int32, name: [UInt8], path: [UInt8], size: Int64) throws {
        let file = try OwnedDescriptor.open(at: parent, name, flags: O_RDONLY | O_NOFOLLOW, displayPath: display(path))
        posix_fadvise(file.rawValue, 0, 0, POSIX_FADV_SEQUENTIAL)
        var remaining = size
        while remaining > 0 {
            let wanted = Int(min(Int64(buffer.count), remaining))
            let count = read(file.rawValue, buffer.baseAddress, wanted)
            if count < 0 {
                if errno == EINTR { continue }
                throw ArchiveError.io(operation: "read", path: display(path), errno: errno)
            }
            if count == 0 { throw ArchiveError.fileChanged(path: display(path)) }
            try tar.writeData(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            remaining -= Int64(count)
        }
        var probe: UInt8 = 0
        if read(file.rawValue, &probe, 1) > 0 { throw ArchiveError.fileChanged(path: display(path)) }
    }

    private func clampedTime(_ seconds: Int64) -> Int64 {
        guard let epoch = options.sourceDateEpoch else { return seconds }
        return min(seconds, epoch)
    }

    /// Which extended attributes go into layers: user data and file capabilities, not overlayfs'
    /// bookkeeping, not host-specific labels (`security.selinux`, `security.ima`) and not ACLs (`system.*`).
    static func isArchivedXattr(_ name: String) -> Bool {
        if name.hasPrefix("trusted.overlay.") || name.hasPrefix("user.overlay.") { return false }
        return name == "security.capability" || name.hasPrefix("user.") || name.hasPrefix("trusted.")
    }

    private func display(_ path: [UInt8]) -> String { String(decoding: path, as: UTF8.self) }
}
