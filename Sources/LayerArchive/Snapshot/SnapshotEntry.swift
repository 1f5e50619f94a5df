// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A point in time as `stat` reports it. Kept as seconds and nanoseconds: a single nanosecond count
/// would overflow for mtimes past 2262, which a file may well carry.
struct SnapshotTime: Hashable, Sendable, Comparable {
    var seconds: Int64
    var nanoseconds: Int64

    init(_ time: timespec) {
        seconds = Int64(time.tv_sec)
        nanoseconds = Int64(time.tv_nsec)
    }

    /// The clock Linux stamps inodes with (`ktime_get_coarse_real_ts64`): it advances once per tick.
    static func coarseNow() -> SnapshotTime {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        return SnapshotTime(now)
    }

    static func < (lhs: SnapshotTime, rhs: SnapshotTime) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }
}

/// One extended attribute, name and raw value.
struct SnapshotXattr: Hashable, Sendable {
    var name: String
    var value: [UInt8]
}

/// What `lstat` and friends said about one path at one moment.
///
/// Entries live in `FilesystemSnapshot.entries` in depth-first order, each directory's names sorted
/// bytewise; a directory's descendants are the entries from its index + 1 up to `subtreeEnd`.
struct SnapshotEntry: Sendable {
    /// The last path component (empty for the root).
    var name: [UInt8]
    var inode: UInt64
    var device: UInt64
    /// Type and permission bits (`st_mode`).
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var size: Int64
    var mtime: SnapshotTime
    var ctime: SnapshotTime
    var linkCount: UInt64
    /// `st_rdev`, for character and block devices; 0 otherwise.
    var deviceNumber: UInt64
    /// A symbolic link's target; `nil` for other types.
    var linkTarget: [UInt8]?
    /// Every extended attribute, sorted by name.
    var xattrs: [SnapshotXattr]
    /// SHA-256 of a regular file's content, when the snapshot records digests and the file held still
    /// while it was read.
    var contentDigest: Digest?
    /// Index one past this entry's last descendant (index + 1 for anything but a directory).
    var subtreeEnd: Int

    /// Reads a path's metadata: `info` from `lstat`, plus its link target and xattrs.
    /// - Parameters:
    ///   - parent: the directory holding `name` (for the root, the root itself with an empty name).
    ///   - displayPath: the path named in errors.
    init(name: [UInt8], info: stat, parent: Int32, displayPath: String) throws {
        self.name = name
        inode = UInt64(info.st_ino)
        device = UInt64(info.st_dev)
        mode = UInt32(info.st_mode)
        uid = UInt32(info.st_uid)
        gid = UInt32(info.st_gid)
        size = Int64(info.st_size)
        mtime = SnapshotTime(info.st_mtim)
        ctime = SnapshotTime(info.st_ctim)
        linkCount = UInt64(info.st_nlink)
        let type = FileSystem.type(info.st_mode)
        deviceNumber = type == mode_t(S_IFCHR) || type == mode_t(S_IFBLK) ? UInt64(info.st_rdev) : 0
        linkTarget = type == mode_t(S_IFLNK) ? try FileSystem.readLink(at: parent, name, displayPath: displayPath) : nil
        // Through /proc/self/fd, as the layer writer does: the xattr calls take paths, not (fd, name).
        // The root has no name in its parent: `fd/.` is the directory itself (a bare `fd` would be the
        // magic link, which the l* calls do not follow).
        let procPath = Array("/proc/self/fd/\(parent)/".utf8) + (name.isEmpty ? [UInt8(ascii: ".")] : name)
        xattrs = try FileSystem.xattrs(ofPath: procPath).map { SnapshotXattr(name: $0.name, value: $0.value) }
        contentDigest = nil
        subtreeEnd = 0
    }

    var type: mode_t { mode_t(mode) & mode_t(S_IFMT) }
    var isDirectory: Bool { type == mode_t(S_IFDIR) }
    var isRegularFile: Bool { type == mode_t(S_IFREG) }
}

// MARK: - The comparison rule

/// How a path's current entry relates to its snapshot entry.
enum SnapshotVerdict: Equatable {
    /// Nothing the layer could carry has changed.
    case unchanged
    /// The path is still the same type; its content or metadata changed.
    case modified
    /// The path is now another type: the old one is deleted and the new one added.
    case replaced
    /// A regular file whose only change is its ctime. Its content may have been rewritten with the
    /// mtime restored, so only a digest recorded in the snapshot can tell whether it really changed.
    case onlyChangeTimeDiffers
}

extension SnapshotEntry {
    /// Compares a snapshot entry (`self`) with the same path's current entry.
    ///
    /// The rule, per type (see `FilesystemSnapshot` for why it is safe):
    /// - another file type → `replaced`;
    /// - mode, uid, gid, mtime or xattrs differ → `modified` (all of them go into the layer);
    /// - regular files: inode, device, size or link count differ → `modified` (another inode is another
    ///   file; link count is hard-link membership, which the layer records); if nothing but the ctime
    ///   differs → `onlyChangeTimeDiffers`;
    /// - symbolic links: the target differs → `modified`; devices: the device number differs → `modified`;
    /// - otherwise `unchanged`. For anything but a regular file the ctime is ignored: every part of such
    ///   a path the layer carries is compared above, so a ctime-only change (`chmod` to the same mode,
    ///   a new child's link count on a directory) cannot hide a difference. A directory's inode, size and
    ///   link count are not compared: its children are compared by name instead.
    ///
    /// A regular file whose snapshot ctime is not before `horizon` (the coarse clock when the capture
    /// ended) may have been changed again within the same clock tick, which leaves the ctime as it was;
    /// its ctime proves nothing, so it is `onlyChangeTimeDiffers` even when equal (git's "racy clean").
    func verdict(comparedWith current: SnapshotEntry, horizon: SnapshotTime) -> SnapshotVerdict {
        if type != current.type { return .replaced }
        if mode != current.mode || uid != current.uid || gid != current.gid || mtime != current.mtime
            || xattrs != current.xattrs
        {
            return .modified
        }
        switch type {
        case mode_t(S_IFREG):
            if inode != current.inode || device != current.device || size != current.size
                || linkCount != current.linkCount
            {
                return .modified
            }
            return ctime == current.ctime && ctime < horizon ? .unchanged : .onlyChangeTimeDiffers
        case mode_t(S_IFLNK):
            return linkTarget == current.linkTarget && inode == current.inode ? .unchanged : .modified
        case mode_t(S_IFCHR), mode_t(S_IFBLK):
            return deviceNumber == current.deviceNumber ? .unchanged : .modified
        default:
            return .unchanged
        }
    }
}
