// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Glibc
import LayerArchive
import OCIImage
import Sandbox

/// Carries out a ``CopyPlan`` against a root directory: blocking, one owner, run off the cooperative pool.
final class TreeCopier {
    struct Owner {
        var uid: UInt32
        var gid: UInt32
    }

    private struct InodeKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    let plan: CopyPlan
    let target: RootResolver
    let temporaryDirectory: String
    private let expansion: SourceExpansion?
    private let isContext: Bool
    private let owner: Owner?
    private let canReinclude: Bool
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    private var manifest = CopyManifest()
    private var hardlinks: [InodeKey: [String]] = [:]
    /// For `COPY --from` into a plain directory: the source stage's layers, whose files may be hard-linked.
    private let sharing: LayerFileSharing?
    /// The source inodes hard-linked so far: one linked again by a later source item is copied instead, so that
    /// the result is the same as copying (which links only within one item).
    private var shared: Set<InodeKey> = []

    init(plan: CopyPlan, root: String, temporaryDirectory: String) throws(CopyError) {
        self.plan = plan
        self.target = RootResolver(root: root)
        self.temporaryDirectory = temporaryDirectory
        switch plan.sourceTree {
        case .context(let directory, let ignore):
            expansion = SourceExpansion(tree: RootResolver(root: directory), ignore: ignore)
            isContext = true
        case .rootFilesystem(let directory):
            expansion = SourceExpansion(tree: RootResolver(root: directory), ignore: nil)
            isContext = false
        }
        owner = try plan.chown.map { spec throws(CopyError) in try Self.resolveOwner(spec, root: root) }
        canReinclude = (expansion?.ignore?.hasExclusions ?? false) || (plan.excludes?.hasExclusions ?? false)
        let sharing = LayerFileSharing(layers: plan.linkableLayers)
        self.sharing = sharing.isEmpty || isContext ? nil : sharing
    }

    deinit { buffer.deallocate() }

    // MARK: - Running

    func run(downloads: [DownloadedFile]) throws -> CopyResult {
        var items: [SourceItem] = []
        if let expansion {
            for source in plan.localSources { items.append(contentsOf: try expansion.expand(source)) }
        }
        let itemCount = items.count + downloads.count + plan.heredocs.count
        let intoDirectory = plan.destinationIsDirectory || itemCount > 1
        for item in items {
            hardlinks.removeAll()
            try copy(item, intoDirectory: intoDirectory)
        }
        for heredoc in plan.heredocs {
            let (parent, name) = try fileDestination(named: heredoc.name, kept: [], intoDirectory: intoDirectory)
            try writeContent(Array(heredoc.effectiveContent.utf8), to: parent + [name])
        }
        for download in downloads {
            let (parent, name) = try fileDestination(
                named: download.fileName ?? "", kept: [], intoDirectory: intoDirectory)
            guard !name.isEmpty else { throw CopyError.urlHasNoFileName(url: download.url) }
            try copyDownload(download, to: parent + [name])
        }
        return manifest.result()
    }

    // MARK: - Items

    private func copy(_ item: SourceItem, intoDirectory: Bool) throws {
        guard let expansion else { return }
        let sourceHost = expansion.tree.hostPath(item.resolved)
        guard let info = try HostFileSystem.lstat(sourceHost) else {
            throw CopyError.sourceNotFound(source: item.written)
        }
        let kept = plan.parents ? item.kept : []
        if HostFileSystem.isDirectory(info) {
            let directory = try ensureDirectory(components: RootResolver.split(plan.destination) + kept)
            _ = try copyContents(of: item.resolved, excludeBase: [], into: directory)
            return
        }
        if plan.excludes?.isExcluded(item.name) == true { return }
        if plan.isAdd && HostFileSystem.isRegular(info),
            let _ = ArchiveFileExtraction.tarCompression(ofFile: sourceHost)
        {
            let directory = try ensureDirectory(components: RootResolver.split(plan.destination) + kept.dropLast())
            try extract(sourceHost, written: item.written, into: directory)
            return
        }
        let (parent, name) = try fileDestination(named: item.name, kept: kept.dropLast(), intoDirectory: intoDirectory)
        try copyEntry(item.resolved, info: info, to: parent, name: name, excludePath: [item.name], lazy: false)
    }

    /// Where a file source goes: `dest/name` when the destination is a directory, otherwise `dest` itself.
    private func fileDestination(named name: String, kept: ArraySlice<String>, intoDirectory: Bool) throws
        -> (parent: [String], name: String)
    {
        let destination = RootResolver.split(plan.destination)
        if intoDirectory {
            return (try ensureDirectory(components: destination + kept), name)
        }
        let resolved = try target.resolve(components: destination, followFinal: true, display: plan.destination)
        if let last = resolved.last {
            if let info = try HostFileSystem.lstat(target.hostPath(resolved)), HostFileSystem.isDirectory(info) {
                return (resolved, name)
            }
            return (try ensureDirectory(components: Array(resolved.dropLast())), last)
        }
        return ([], name)
    }

    /// Creates the missing directories of a destination (mode 0755, owned by `--chown` or 0:0).
    /// - Returns: the resolved, symlink-free components of the directory.
    func ensureDirectory(components: [String]) throws -> [String] {
        let resolved = try target.resolve(
            components: components, followFinal: true, display: "/" + components.joined(separator: "/"))
        for count in 0...resolved.count {
            let prefix = Array(resolved.prefix(count))
            let host = target.hostPath(prefix)
            if let info = try HostFileSystem.lstat(host) {
                guard HostFileSystem.isDirectory(info) else {
                    throw CopyError.cannotOverwrite(
                        path: "/" + prefix.joined(separator: "/"), reason: "it exists and is not a directory")
                }
                continue
            }
            try HostFileSystem.makeDirectory(host)
            try HostFileSystem.setMetadata(
                host, uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, mode: 0o755, time: nil)
        }
        return resolved
    }

    // MARK: - Trees

    /// Copies the children of a source directory into a destination directory; returns how many were copied.
    private func copyContents(of source: [String], excludeBase: [String], into destination: [String]) throws -> Int {
        guard let expansion else { return 0 }
        var copied = 0
        for name in try HostFileSystem.sortedNames(expansion.tree.hostPath(source)) {
            let child = source + [name]
            guard let info = try HostFileSystem.lstat(expansion.tree.hostPath(child)) else { continue }
            let excludePath = excludeBase + [name]
            let hidden =
                expansion.isIgnored(child) || plan.excludes?.isExcluded(excludePath.joined(separator: "/")) == true
            if hidden && !(canReinclude && HostFileSystem.isDirectory(info)) { continue }
            if try copyEntry(child, info: info, to: destination, name: name, excludePath: excludePath, lazy: hidden) {
                copied += 1
            }
        }
        return copied
    }

    /// Copies one entry; a `lazy` directory (hidden, but maybe with re-included children) is kept only when
    /// something was copied into it.
    @discardableResult
    private func copyEntry(
        _ source: [String], info: stat, to parent: [String], name: String, excludePath: [String], lazy: Bool
    ) throws -> Bool {
        guard let expansion else { return false }
        let sourceHost = expansion.tree.hostPath(source)
        var destination = parent + [name]
        let existing = try HostFileSystem.lstat(target.hostPath(destination))
        let entryOwner = owner ?? (isContext ? Owner(uid: 0, gid: 0) : Owner(uid: info.st_uid, gid: info.st_gid))
        let mode = plan.chmod ?? (UInt32(info.st_mode) & (isContext ? 0o1777 : 0o7777))
        let display = "/" + destination.joined(separator: "/")
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            var created = false
            if let existing, HostFileSystem.isSymlink(existing) {
                destination = try target.resolve(components: destination, followFinal: true, display: display)
            }
            if let current = try HostFileSystem.lstat(target.hostPath(destination)) {
                guard HostFileSystem.isDirectory(current) else {
                    throw CopyError.cannotOverwrite(path: display, reason: "a directory cannot replace a file")
                }
            } else {
                try HostFileSystem.makeDirectory(target.hostPath(destination))
                created = true
            }
            let count = try copyContents(of: source, excludeBase: excludePath, into: destination)
            if lazy && count == 0 {
                if created { rmdir(target.hostPath(destination)) }
                return false
            }
            try HostFileSystem.setMetadata(
                target.hostPath(destination), uid: entryOwner.uid, gid: entryOwner.gid, mode: mode,
                time: info.st_mtim)
            manifest.add(path: destination, type: "directory", mode: mode, owner: entryOwner)
        case S_IFREG:
            try removeNonDirectory(existing, at: destination, display: display)
            let key = InodeKey(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if info.st_nlink > 1, let first = hardlinks[key] {
                guard link(target.hostPath(first), target.hostPath(destination)) == 0 else {
                    throw CopyError.io(operation: "link", path: display, errno: errno)
                }
                manifest.add(
                    path: destination, type: "hardlink", mode: mode, owner: entryOwner,
                    linkTarget: "/" + first.joined(separator: "/"))
                return true
            }
            if try share(source, info: info, key: key, to: destination, owner: entryOwner, mode: mode) {
                return true
            }
            let input = open(sourceHost, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard input >= 0 else { throw CopyError.io(operation: "open", path: sourceHost, errno: errno) }
            defer { close(input) }
            let (digest, size) = try writeFile(at: destination, owner: entryOwner, mode: mode, time: info.st_mtim) {
                buffer throws(CopyError) in
                while true {
                    let count = read(input, buffer.baseAddress, buffer.count)
                    if count >= 0 || errno != EINTR {
                        guard count >= 0 else { throw .io(operation: "read", path: sourceHost, errno: errno) }
                        return count
                    }
                }
            }
            if info.st_nlink > 1 { hardlinks[key] = destination }
            manifest.add(path: destination, type: "file", mode: mode, owner: entryOwner, content: digest, size: size)
        case S_IFLNK:
            try removeNonDirectory(existing, at: destination, display: display)
            let linkTarget = try HostFileSystem.readLink(sourceHost)
            guard symlink(linkTarget, target.hostPath(destination)) == 0 else {
                throw CopyError.io(operation: "symlink", path: display, errno: errno)
            }
            try HostFileSystem.setMetadata(
                target.hostPath(destination), uid: entryOwner.uid, gid: entryOwner.gid, mode: nil, time: info.st_mtim)
            manifest.add(path: destination, type: "symlink", mode: 0o777, owner: entryOwner, linkTarget: linkTarget)
        case S_IFIFO, S_IFCHR, S_IFBLK:
            try removeNonDirectory(existing, at: destination, display: display)
            guard mknod(target.hostPath(destination), (info.st_mode & S_IFMT) | 0o600, info.st_rdev) == 0 else {
                throw CopyError.io(operation: "mknod", path: display, errno: errno)
            }
            try HostFileSystem.setMetadata(
                target.hostPath(destination), uid: entryOwner.uid, gid: entryOwner.gid, mode: mode, time: info.st_mtim)
            manifest.add(
                path: destination, type: "node-\(info.st_mode & S_IFMT)-\(info.st_rdev)", mode: mode, owner: entryOwner)
        default:
            return false  // sockets are not copied
        }
        return true
    }

    /// Hard-links a regular file from the source stage's layers when a copy would give the very same file: same
    /// owner and mode, no extended attributes, one filesystem. - Returns: whether it did.
    private func share(
        _ source: [String], info: stat, key: InodeKey, to destination: [String], owner: Owner, mode: UInt32
    ) throws -> Bool {
        guard let sharing, owner.uid == info.st_uid, owner.gid == info.st_gid,
            mode == UInt32(info.st_mode) & 0o7777, !shared.contains(key),
            let backing = sharing.backingFile(of: source.joined(separator: "/"), shownAs: info),
            link(backing, target.hostPath(destination)) == 0
        else { return false }
        shared.insert(key)
        if info.st_nlink > 1 { hardlinks[key] = destination }
        var content: Digest? = nil
        if plan.hashesContent { content = try SHA256Hasher.digest(ofFileAt: backing) }
        manifest.add(
            path: destination, type: "file", mode: mode, owner: owner, content: content, size: Int64(info.st_size))
        return true
    }

    private func removeNonDirectory(_ existing: stat?, at destination: [String], display: String) throws {
        guard let existing else { return }
        if HostFileSystem.isDirectory(existing) {
            throw CopyError.cannotOverwrite(path: display, reason: "a file cannot replace a directory")
        }
        try HostFileSystem.unlinkFile(target.hostPath(destination))
    }

    // MARK: - Files

    /// Creates a regular file from a reader that fills the buffer (returning 0 at the end), hashing as it writes.
    func writeFile(
        at destination: [String], owner: Owner, mode: UInt32, time: timespec?,
        reader: (UnsafeMutableRawBufferPointer) throws(CopyError) -> Int
    ) throws -> (Digest?, Int64) {
        let host = target.hostPath(destination)
        let output = open(host, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard output >= 0 else { throw CopyError.io(operation: "create", path: host, errno: errno) }
        defer { close(output) }
        let hasher = plan.hashesContent ? SHA256Hasher() : nil
        var size: Int64 = 0
        while true {
            let count = try reader(buffer)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            hasher?.update(chunk)
            try HostFileSystem.writeAll(output, chunk, path: host)
            size += Int64(count)
        }
        guard fchown(output, owner.uid, owner.gid) == 0 else {
            throw CopyError.io(operation: "chown", path: host, errno: errno)
        }
        guard fchmod(output, mode_t(mode)) == 0 else {
            throw CopyError.io(operation: "chmod", path: host, errno: errno)
        }
        if let time {
            let times = [time, time]
            guard futimens(output, times) == 0 else {
                throw CopyError.io(operation: "utimens", path: host, errno: errno)
            }
        }
        return (hasher?.finalize(), size)
    }

    private func writeContent(_ bytes: [UInt8], to destination: [String]) throws {
        let existing = try HostFileSystem.lstat(target.hostPath(destination))
        try removeNonDirectory(existing, at: destination, display: "/" + destination.joined(separator: "/"))
        let entryOwner = owner ?? Owner(uid: 0, gid: 0)
        let mode = plan.chmod ?? 0o644
        var offset = 0
        let (digest, size) = try writeFile(at: destination, owner: entryOwner, mode: mode, time: nil) { buffer in
            let count = min(buffer.count, bytes.count - offset)
            bytes[offset..<offset + count].withUnsafeBytes { buffer.copyMemory(from: $0) }
            offset += count
            return count
        }
        manifest.add(path: destination, type: "file", mode: mode, owner: entryOwner, content: digest, size: size)
    }

    private func copyDownload(_ download: DownloadedFile, to destination: [String]) throws {
        let existing = try HostFileSystem.lstat(target.hostPath(destination))
        try removeNonDirectory(existing, at: destination, display: "/" + destination.joined(separator: "/"))
        let entryOwner = owner ?? Owner(uid: 0, gid: 0)
        let mode = plan.chmod ?? 0o600
        let input = open(download.path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw CopyError.io(operation: "open", path: download.path, errno: errno) }
        defer { close(input) }
        let (digest, size) = try writeFile(
            at: destination, owner: entryOwner, mode: mode, time: download.lastModified
        ) { buffer throws(CopyError) in
            let count = read(input, buffer.baseAddress, buffer.count)
            guard count >= 0 else { throw .io(operation: "read", path: download.path, errno: errno) }
            return count
        }
        manifest.add(path: destination, type: "file", mode: mode, owner: entryOwner, content: digest, size: size)
    }

    private func extract(_ archive: String, written: String, into directory: [String]) throws {
        let result: ArchiveFileExtraction.Result
        do {
            result = try ArchiveFileExtraction.extract(
                archive: archive, into: target.hostPath(directory), scratchDirectory: temporaryDirectory)
        } catch {
            throw CopyError.extractionFailed(source: written, underlying: error)
        }
        manifest.addArchive(
            path: directory, content: result.archiveDigest, entries: result.entryCount, size: result.uncompressedSize)
    }

    // MARK: - Owners

    static func resolveOwner(_ spec: String, root: String) throws(CopyError) -> Owner {
        do {
            let database = try UserDatabase.load(root: root)
            let resolved = try database.resolve(spec)
            // buildah (and Docker) use the uid as the gid for a numeric user given without a group.
            let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 1, let first = parts.first?.unicodeScalars.first, ("0"..."9").contains(first) {
                return Owner(uid: resolved.uid, gid: resolved.uid)
            }
            return Owner(uid: resolved.uid, gid: resolved.gid)
        } catch {
            throw .invalidOwner(spec: spec, underlying: error)
        }
    }
}
