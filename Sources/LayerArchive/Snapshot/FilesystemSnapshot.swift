// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The metadata of every path in a directory tree at one moment, to find later what changed there
/// without overlayfs.
///
/// `capture(root:options:)` walks the tree with `lstat` (never following symbolic links) and keeps, per
/// path: inode, device, type and mode, uid, gid, size, mtime and ctime (nanoseconds), link count,
/// symbolic link target, device number, and every extended attribute; optionally a SHA-256 of each
/// regular file. `diff(against:)` walks a tree again and returns what a layer must hold to turn the
/// captured tree into the current one.
///
/// ## When a path counts as changed
///
/// A snapshot cannot keep old file content, so a path is judged by its metadata:
/// - another type (a file that became a directory, …): deleted, then added;
/// - a different mode, uid, gid, mtime (to the nanosecond) or xattr: modified;
/// - a regular file with a different inode (replaced by a rename), size or link count: modified;
///   a symbolic link with another target, or a device with another number: modified;
/// - a regular file whose only difference is its ctime: modified, unless the snapshot recorded its
///   digest (`Options.recordsContentDigests`) and the content still hashes to it. Rewriting a file and
///   restoring its mtime with `utimensat` leaves size and mtime alone but always moves the ctime (which
///   no system call sets), so treating ctime as a change is what rules out missed content changes. Without
///   a digest, a `chmod` to the same mode or a `touch` back to the same mtime is reported too: a
///   needless layer entry, never a wrong layer.
/// - a directory, symbolic link, device or FIFO whose only difference is its ctime: unchanged, since
///   everything of it the layer carries is compared directly.
///
/// Inode times come from the kernel's coarse clock, which advances once per tick, so a file changed
/// twice within one tick keeps its ctime. The capture therefore waits until the clock has passed every
/// ctime it recorded (a few milliseconds at most); a file whose ctime is still not in the past (clock
/// skew) counts as changed at the next diff. This assumes a file system with nanosecond timestamps
/// (ext4, xfs, btrfs, tmpfs): on one that keeps whole seconds, a rewrite within the same second as the
/// capture could go unseen.
///
/// Untouched paths keep every compared field, so they are never reported. A directory whose mtime moved
/// because a child was added or removed is reported as modified, as Docker's archive differ does.
///
/// ## Shape of the diff
///
/// - A deleted path is reported once: a deleted directory is one `.deleted` change, not one per
///   descendant (the layer writer hides the whole tree with one whiteout).
/// - An added directory is reported with every path beneath it, since changes are not recursive.
/// - Every path of a hard-link group is reported when any of them is, so the layer writer can link them
///   to one another instead of splitting the group into separate files.
///
/// ## Mount points
///
/// Unless `Options.crossesMountPoints` is set, a directory on another device than the root is recorded
/// but not entered, and its content is neither recorded nor compared. Mount the same file systems at
/// capture and at diff time: a mount that appears or disappears in between changes its directory.
public struct FilesystemSnapshot: Sendable {
    /// What a snapshot records.
    public struct Options: Sendable, Hashable {
        /// Whether to hash every regular file at capture time. Costs a full read of the tree, and lets
        /// `diff(against:)` tell a ctime-only change (same mode set again, …) from a content rewrite with
        /// a restored mtime by hashing just those files. Default false: such files count as modified.
        public var recordsContentDigests: Bool
        /// Whether to enter directories on other devices (mount points) than the root. Default false.
        public var crossesMountPoints: Bool

        /// - Parameters:
        ///   - recordsContentDigests: default false.
        ///   - crossesMountPoints: default false.
        public init(recordsContentDigests: Bool = false, crossesMountPoints: Bool = false) {
            self.recordsContentDigests = recordsContentDigests
            self.crossesMountPoints = crossesMountPoints
        }
    }

    /// The directory that was captured.
    public let root: String
    /// What was recorded.
    public let options: Options
    /// The root (index 0) and every path beneath it, depth first, each directory's names sorted bytewise.
    let entries: [SnapshotEntry]
    /// The coarse clock once the capture ended: a change made later gets a ctime at or after it.
    let changeTimeHorizon: SnapshotTime

    /// How many paths beneath the root were recorded (the root itself not counted).
    public var count: Int { entries.count - 1 }

    // MARK: - API

    /// Records the metadata of every path beneath a directory.
    /// - Parameters:
    ///   - root: the directory to walk.
    ///   - options: whether to hash file content and to cross mount points.
    /// - Returns: the snapshot.
    /// - Throws: `ArchiveError.io` when a directory, link or xattr cannot be read.
    public static func capture(root: String, options: Options = Options()) throws -> FilesystemSnapshot {
        try capture(root: root, options: options, cancellation: nil)
    }

    /// `capture(root:options:)` on a dedicated thread; cancelling the task stops it between entries.
    public static func capture(root: String, options: Options = Options()) async throws -> FilesystemSnapshot {
        try await runOffPool { flag in try capture(root: root, options: options, cancellation: flag) }
    }

    /// Walks a directory again and reports what changed since the snapshot (see the type's documentation).
    /// - Parameter root: the current tree: usually the captured root, or a tree derived from it on the
    ///   same file system (inodes are compared).
    /// - Returns: the changes, rooted at `root`, ready for `LayerWriter.write(_:)`.
    /// - Throws: `ArchiveError.io` when the tree cannot be read; `invalidChange` for a changed path whose
    ///   name is not valid UTF-8.
    public func diff(against root: String) throws -> FilesystemDiff {
        try diff(against: root, cancellation: nil)
    }

    /// `diff(against:)` on a dedicated thread; cancelling the task stops it between entries.
    public func diff(against root: String) async throws -> FilesystemDiff {
        try await runOffPool { flag in try diff(against: root, cancellation: flag) }
    }

    // MARK: - Capture

    private static func capture(root: String, options: Options, cancellation: CancellationFlag?) throws
        -> FilesystemSnapshot
    {
        let directory = try OwnedDescriptor.open(
            at: AT_FDCWD, Array(root.utf8), flags: O_RDONLY | O_DIRECTORY, displayPath: root)
        var info = stat()
        guard fstat(directory.rawValue, &info) == 0 else {
            throw ArchiveError.io(operation: "stat", path: root, errno: errno)
        }
        var recorder = SnapshotRecorder(
            options: options, rootDevice: UInt64(info.st_dev), displayRoot: root, cancellation: cancellation)
        var rootEntry = try SnapshotEntry(name: [], info: info, parent: directory.rawValue, displayPath: root)
        rootEntry.subtreeEnd = 1
        recorder.entries.append(rootEntry)
        try recorder.record(directory.rawValue, prefix: [])
        recorder.entries[0].subtreeEnd = recorder.entries.count
        let horizon = settleClock(after: recorder.entries.lazy.map(\.ctime).max())
        return FilesystemSnapshot(
            root: root, options: options, entries: recorder.entries, changeTimeHorizon: horizon)
    }

    /// Waits (a few milliseconds at most) until the coarse clock is past the latest ctime recorded.
    ///
    /// Inode times come from a clock that advances once per tick (1 to 10 ms), so a file changed before
    /// the capture and changed again just after it, within the same tick, keeps its ctime. Once the
    /// clock has moved past every recorded ctime, a later change always gets a later ctime; entries
    /// still not before the horizon (a ctime in the future) are judged as possibly changed.
    /// - Returns: the coarse clock after waiting.
    private static func settleClock(after latest: SnapshotTime?) -> SnapshotTime {
        var now = SnapshotTime.coarseNow()
        guard let latest else { return now }
        var waited = 0
        while now <= latest && waited < 100 {
            usleep(1000)
            waited += 1
            now = SnapshotTime.coarseNow()
        }
        return now
    }

    private init(root: String, options: Options, entries: [SnapshotEntry], changeTimeHorizon: SnapshotTime) {
        self.root = root
        self.options = options
        self.entries = entries
        self.changeTimeHorizon = changeTimeHorizon
    }
}

/// The depth-first walk of `FilesystemSnapshot.capture`.
private struct SnapshotRecorder {
    let options: FilesystemSnapshot.Options
    let rootDevice: UInt64
    let displayRoot: String
    let cancellation: CancellationFlag?
    let digester = ContentDigester()
    var entries: [SnapshotEntry] = []

    init(
        options: FilesystemSnapshot.Options, rootDevice: UInt64, displayRoot: String, cancellation: CancellationFlag?
    ) {
        self.options = options
        self.rootDevice = rootDevice
        self.displayRoot = displayRoot
        self.cancellation = cancellation
    }

    mutating func record(_ directory: Int32, prefix: [UInt8]) throws {
        let displayDirectory = displayRoot + "/" + String(decoding: prefix, as: UTF8.self)
        for name in try FileSystem.sortedNames(of: directory, displayPath: displayDirectory) {
            try cancellation.check()
            let path = prefix + name
            let display = displayRoot + "/" + String(decoding: path, as: UTF8.self)
            // Gone since the directory was read: it was never there, as far as this snapshot knows.
            guard let info = try FileSystem.lstat(at: directory, name, displayPath: display) else { continue }
            var entry = try SnapshotEntry(name: name, info: info, parent: directory, displayPath: display)
            if options.recordsContentDigests && entry.isRegularFile {
                entry.contentDigest = try digester.digest(parent: directory, entry: entry, displayPath: display)
            }
            let index = entries.count
            entry.subtreeEnd = index + 1
            entries.append(entry)
            guard entry.isDirectory, options.crossesMountPoints || entry.device == rootDevice else { continue }
            let child = try OwnedDescriptor.open(
                at: directory, name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, displayPath: display)
            try record(child.rawValue, prefix: path + [UInt8(ascii: "/")])
            entries[index].subtreeEnd = entries.count
        }
    }
}
