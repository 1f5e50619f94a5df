// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CLayerSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Applies tar entries beneath a root, one at a time. Not `Sendable`: one task owns it.
final class EntryApplier {
    private struct PendingDirectory {
        var components: [[UInt8]]
        var mode: UInt32
        var mtime: timespec
        var display: String
    }

    private let root: RootDirectory
    private let options: LayerApplier.Options
    private let isRoot = geteuid() == 0
    /// Every path this layer wrote: whiteouts only hide lower layers (image-spec layer.md, "Whiteouts").
    private var layerPaths = Set<[UInt8]>()
    private var directories: [PendingDirectory] = []
    private(set) var skippedDevices = 0

    init(root: RootDirectory, options: LayerApplier.Options) {
        self.root = root
        self.options = options
    }

    // MARK: - Entries

    func apply(_ entry: ReadEntry, data: TarStreamReader) throws {
        let display = entry.displayPath
        let components = try Self.components(of: entry.path, entry: display, reason: "its path")
        guard let name = components.last else { return }  // "./": the root itself is left as it is
        let parentComponents = components.dropLast()
        if name == LayerTarBuilder.opaqueMarker {
            try applyOpaque(parentComponents, entry: display)
        } else if name.starts(with: LayerTarBuilder.whiteoutPrefix) {
            let target = Array(name.dropFirst(LayerTarBuilder.whiteoutPrefix.count))
            guard !target.isEmpty, target != [0x2e], target != [0x2e, 0x2e] else {
                throw ArchiveError.unsafePath(entry: display, reason: "the whiteout names no file below its directory")
            }
            try applyWhiteout(parentComponents, target, entry: display)
        } else {
            try applyFile(entry, components: components, data: data)
        }
    }

    /// Sets the deferred modes and mtimes of directories (children change a directory's mtime).
    func finish() throws {
        for directory in directories {
            guard let name = directory.components.last,
                let parent = try root.openDirectory(
                    directory.components.dropLast(), create: false, entry: directory.display),
                let info = try FileSystem.lstat(at: parent.rawValue, name, displayPath: directory.display),
                FileSystem.type(info.st_mode) == mode_t(S_IFDIR)
            else { continue }
            try withCString(name) { cName in
                if fchmodat(parent.rawValue, cName, mode_t(directory.mode), 0) != 0 {
                    throw ArchiveError.io(operation: "chmod", path: directory.display, errno: errno)
                }
                var times = [directory.mtime, directory.mtime]
                if utimensat(parent.rawValue, cName, &times, AT_SYMLINK_NOFOLLOW) != 0 {
                    throw ArchiveError.io(operation: "utimensat", path: directory.display, errno: errno)
                }
            }
        }
        directories.removeAll()
    }

    // MARK: - Whiteouts

    private func applyOpaque(_ directory: ArraySlice<[UInt8]>, entry: String) throws {
        guard let parent = try root.openDirectory(directory, create: true, entry: entry) else { return }
        switch options.whiteouts {
        case .apply:
            let prefix = Array(directory.joined(separator: [0x2f]))
            let readable = try OwnedDescriptor.open(
                at: parent.rawValue, [0x2e], flags: O_RDONLY | O_DIRECTORY, displayPath: entry)
            try FileSystem.removeContents(of: readable.rawValue, displayPath: entry) { name in
                layerPaths.contains(prefix.isEmpty ? name : prefix + [0x2f] + name)
            }
            root.invalidate()
        case .overlay:
            let name = isRoot ? "trusted.overlay.opaque" : "user.overlay.opaque"
            let value: [UInt8] = [UInt8(ascii: "y")]
            let done = value.withUnsafeBytes { setxattr(parent.procPath, name, $0.baseAddress, 1, 0) }
            if done != 0 { throw ArchiveError.io(operation: "setxattr \(name)", path: entry, errno: errno) }
        }
    }

    private func applyWhiteout(_ directory: ArraySlice<[UInt8]>, _ target: [UInt8], entry: String) throws {
        let targetPath = Array((directory + [target]).joined(separator: [0x2f]))
        if layerPaths.contains(targetPath) { return }
        switch options.whiteouts {
        case .apply:
            guard let parent = try root.openDirectory(directory, create: false, entry: entry) else { return }
            try FileSystem.removeTree(at: parent.rawValue, target, displayPath: entry)
            root.invalidate()
        case .overlay:
            guard let parent = try root.openDirectory(directory, create: true, entry: entry) else { return }
            if try FileSystem.lstat(at: parent.rawValue, target, displayPath: entry) != nil {
                try FileSystem.removeTree(at: parent.rawValue, target, displayPath: entry)
                root.invalidate()
            }
            let made = withCString(target) { mknodat(parent.rawValue, $0, mode_t(S_IFCHR), 0) }
            if made != 0 { throw ArchiveError.io(operation: "mknod whiteout", path: entry, errno: errno) }
        }
    }

    // MARK: - Files

    private func applyFile(_ entry: ReadEntry, components: [[UInt8]], data: TarStreamReader) throws {
        let display = entry.displayPath
        let name = components[components.count - 1]
        let path = Array(components.joined(separator: [0x2f]))
        var hardlinkSource: (parent: OwnedDescriptor, name: [UInt8])?
        if case .hardlink = entry.kind {
            hardlinkSource = try resolveHardlinkTarget(entry)
        }
        guard let parent = try root.openDirectory(components.dropLast()[...], create: true, entry: display) else {
            return
        }
        let parentFD = parent.rawValue
        let isDirectory: Bool
        if case .directory = entry.kind { isDirectory = true } else { isDirectory = false }
        if let existing = try FileSystem.lstat(at: parentFD, name, displayPath: display) {
            let existingIsDirectory = FileSystem.type(existing.st_mode) == mode_t(S_IFDIR)
            if !(existingIsDirectory && isDirectory) {
                if let source = hardlinkSource, source.parent.rawValue == parentFD, source.name == name { return }
                try FileSystem.removeTree(at: parentFD, name, displayPath: display)
                if existingIsDirectory { root.invalidate() }
            }
        }
        layerPaths.insert(path)
        try withCString(name) { cName in
            switch entry.kind {
            case .directory:
                if mkdirat(parentFD, cName, 0o700) != 0 && errno != EEXIST {
                    throw ArchiveError.io(operation: "mkdir", path: display, errno: errno)
                }
                try setOwnerAndXattrs(parentFD, cName, entry)
                directories.append(
                    PendingDirectory(
                        components: components, mode: entry.mode,
                        mtime: timespec(tv_sec: Int(entry.mtime), tv_nsec: entry.mtimeNanoseconds), display: display))
            case .regular:
                try writeRegularFile(parentFD, cName, entry, data: data)
            case .symlink:
                if withCString(entry.linkName, { symlinkat($0, parentFD, cName) }) != 0 {
                    throw ArchiveError.io(operation: "symlink", path: display, errno: errno)
                }
                try setOwnerAndXattrs(parentFD, cName, entry)
                try setTimes(parentFD, cName, entry)
            case .hardlink:
                guard let source = hardlinkSource else { return }
                let linked = withCString(source.name) { linkat(source.parent.rawValue, $0, parentFD, cName, 0) }
                if linked != 0 {
                    if errno == ENOENT {
                        throw ArchiveError.hardlinkTargetMissing(
                            entry: display, target: String(decoding: entry.linkName, as: UTF8.self))
                    }
                    throw ArchiveError.io(operation: "link", path: display, errno: errno)
                }
            case .characterDevice, .blockDevice, .fifo:
                try makeNode(parentFD, cName, entry)
            case .other(let type):
                throw ArchiveError.unsupportedEntry(entry: display, type: "tar file type \(String(type, radix: 8))")
            }
        }
    }

    private func writeRegularFile(
        _ parent: Int32, _ name: UnsafePointer<CChar>, _ entry: ReadEntry, data: TarStreamReader
    ) throws {
        let display = entry.displayPath
        let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveError.io(operation: "create", path: display, errno: errno) }
        let file = OwnedDescriptor(fd)
        try data.readData { bytes, offset in
            var written = 0
            while written < bytes.count {
                guard let base = bytes.baseAddress else { return }
                let count = pwrite(file.rawValue, base + written, bytes.count - written, off_t(offset) + off_t(written))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw ArchiveError.io(operation: "write", path: display, errno: errno)
                }
                written += count
            }
        }
        // A sparse entry may end in a hole.
        if ftruncate(file.rawValue, off_t(entry.size)) != 0 {
            throw ArchiveError.io(operation: "truncate", path: display, errno: errno)
        }
        if options.preservesOwnership && fchown(file.rawValue, uid_t(entry.uid), gid_t(entry.gid)) != 0 {
            throw ArchiveError.io(operation: "chown", path: display, errno: errno)
        }
        // After chown, which clears setuid and setgid bits.
        if fchmod(file.rawValue, mode_t(entry.mode)) != 0 {
            throw ArchiveError.io(operation: "chmod", path: display, errno: errno)
        }
        try setXattrs(entry) { name, value in fsetxattr(file.rawValue, name, value.baseAddress, value.count, 0) }
        var times = [timespec(tv_sec: Int(entry.mtime), tv_nsec: entry.mtimeNanoseconds)]
        times.append(times[0])
        if futimens(file.rawValue, &times) != 0 {
            throw ArchiveError.io(operation: "utimensat", path: display, errno: errno)
        }
    }

    private func makeNode(_ parent: Int32, _ name: UnsafePointer<CChar>, _ entry: ReadEntry) throws {
        let type: mode_t
        switch entry.kind {
        case .characterDevice: type = mode_t(S_IFCHR)
        case .blockDevice: type = mode_t(S_IFBLK)
        default: type = mode_t(S_IFIFO)
        }
        if type != mode_t(S_IFIFO) && !isRoot {
            skippedDevices += 1
            return
        }
        let device = type == mode_t(S_IFIFO) ? 0 : dev_t(hoist_makedev(entry.devmajor, entry.devminor))
        if mknodat(parent, name, type | mode_t(entry.mode), device) != 0 {
            // Root in a user namespace may not create devices; skip them as rootless Docker does.
            if errno == EPERM && type != mode_t(S_IFIFO) {
                skippedDevices += 1
                return
            }
            throw ArchiveError.io(operation: "mknod", path: entry.displayPath, errno: errno)
        }
        try setOwnerAndXattrs(parent, name, entry)
        if fchmodat(parent, name, mode_t(entry.mode), 0) != 0 {
            throw ArchiveError.io(operation: "chmod", path: entry.displayPath, errno: errno)
        }
        try setTimes(parent, name, entry)
    }

    // MARK: - Metadata

    private func setOwnerAndXattrs(_ parent: Int32, _ name: UnsafePointer<CChar>, _ entry: ReadEntry) throws {
        if options.preservesOwnership
            && fchownat(parent, name, uid_t(entry.uid), gid_t(entry.gid), AT_SYMLINK_NOFOLLOW) != 0
        {
            throw ArchiveError.io(operation: "chown", path: entry.displayPath, errno: errno)
        }
        if !entry.xattrs.isEmpty {
            // Bytes, not String: a name need not be UTF-8.
            let path =
                Array("/proc/self/fd/\(parent)/".utf8) + Array(UnsafeRawBufferPointer(start: name, count: strlen(name)))
            try withCString(path) { cPath in
                try setXattrs(entry) { xattr, value in lsetxattr(cPath, xattr, value.baseAddress, value.count, 0) }
            }
        }
    }

    private func setXattrs(_ entry: ReadEntry, _ set: (String, UnsafeRawBufferPointer) -> Int32) throws {
        for xattr in entry.xattrs {
            // An archive must not smuggle in overlayfs' own metadata (opaque, redirect, origin…).
            if xattr.name.hasPrefix("trusted.overlay.") || xattr.name.hasPrefix("user.overlay.") { continue }
            let done = xattr.value.withUnsafeBytes { set(xattr.name, $0) }
            if done != 0 {
                // Unprivileged, trusted.* and security.* cannot be set; user.* never on symlinks; and not
                // every file system has xattrs.
                var isSymlink = false
                if case .symlink = entry.kind { isSymlink = true }
                if (!isRoot || isSymlink) && (errno == EPERM || errno == ENOTSUP) { continue }
                throw ArchiveError.io(operation: "setxattr \(xattr.name)", path: entry.displayPath, errno: errno)
            }
        }
    }

    private func setTimes(_ parent: Int32, _ name: UnsafePointer<CChar>, _ entry: ReadEntry) throws {
        var times = [timespec(tv_sec: Int(entry.mtime), tv_nsec: entry.mtimeNanoseconds)]
        times.append(times[0])
        if utimensat(parent, name, &times, AT_SYMLINK_NOFOLLOW) != 0 {
            throw ArchiveError.io(operation: "utimensat", path: entry.displayPath, errno: errno)
        }
    }

    // MARK: - Paths

    private func resolveHardlinkTarget(_ entry: ReadEntry) throws -> (parent: OwnedDescriptor, name: [UInt8]) {
        let display = entry.displayPath
        let targetDisplay = String(decoding: entry.linkName, as: UTF8.self)
        let components: [[UInt8]]
        do {
            components = try Self.components(of: entry.linkName, entry: display, reason: "its hard link target")
        } catch {
            throw ArchiveError.escapesRoot(entry: display, target: targetDisplay)
        }
        guard let name = components.last else {
            throw ArchiveError.escapesRoot(entry: display, target: targetDisplay)
        }
        guard let parent = try root.openDirectory(components.dropLast()[...], create: false, entry: display) else {
            throw ArchiveError.hardlinkTargetMissing(entry: display, target: targetDisplay)
        }
        guard let info = try FileSystem.lstat(at: parent.rawValue, name, displayPath: targetDisplay) else {
            throw ArchiveError.hardlinkTargetMissing(entry: display, target: targetDisplay)
        }
        if FileSystem.type(info.st_mode) == mode_t(S_IFDIR) {
            throw ArchiveError.unsupportedEntry(entry: display, type: "a hard link to a directory")
        }
        return (parent, name)
    }

    /// Splits an archive path into components: `.` and empty components are dropped; an absolute path
    /// or a `..` component is refused.
    static func components(of path: [UInt8], entry: String, reason: String) throws -> [[UInt8]] {
        if path.first == 0x2f {
            throw ArchiveError.unsafePath(entry: entry, reason: "\(reason) is absolute")
        }
        var result: [[UInt8]] = []
        for part in path.split(separator: 0x2f, omittingEmptySubsequences: true) {
            if part.elementsEqual([0x2e]) { continue }
            if part.elementsEqual([0x2e, 0x2e]) {
                throw ArchiveError.unsafePath(entry: entry, reason: "\(reason) has a '..' component")
            }
            result.append(Array(part))
        }
        return result
    }
}
