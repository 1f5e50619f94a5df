// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CLayerSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One change to a filesystem between two snapshots.
///
/// Paths are relative to the diff's root (`usr/bin/tool`, no leading `/`). A path may appear both as
/// deleted and as added: it was deleted and then created again (possibly as another type), and the
/// layer writer makes the right whiteouts from that. Changes are not recursive: an added directory
/// stands for the directory itself, not its content.
public struct LayerChange: Sendable, Hashable {
    /// What happened to the path.
    public enum Kind: Sendable, Hashable {
        /// The path exists now and did not before; its current state is read from the diff's root.
        case added
        /// The path existed and exists now, with other content or metadata; read from the diff's root.
        case modified
        /// The path (and everything beneath it) no longer exists.
        case deleted
        /// The directory exists now, and nothing beneath it in lower layers shows through.
        case opaqueDirectory
    }

    /// The path, relative to the root.
    public var path: String
    /// What happened to it.
    public var kind: Kind

    /// - Parameters:
    ///   - path: relative to the root; a leading `/` or `./` is ignored.
    ///   - kind: what happened.
    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// An added path.
    public static func added(_ path: String) -> LayerChange { LayerChange(path: path, kind: .added) }
    /// A modified path.
    public static func modified(_ path: String) -> LayerChange { LayerChange(path: path, kind: .modified) }
    /// A deleted path.
    public static func deleted(_ path: String) -> LayerChange { LayerChange(path: path, kind: .deleted) }
    /// An opaque directory.
    public static func opaqueDirectory(_ path: String) -> LayerChange {
        LayerChange(path: path, kind: .opaqueDirectory)
    }
}

/// A set of changes and the directory holding the current state of every added or modified path.
///
/// Produced by the build engine from an overlay upper directory (`fromOverlayUpper(path:)`) or from a
/// snapshot comparison; turned into a layer by `LayerWriter.write(_:to:)`.
public struct FilesystemDiff: Sendable, Hashable {
    /// Where added and modified paths are read from (the new root filesystem, or an overlay upper dir).
    public var root: String
    /// The changes, in any order; the writer sorts them.
    public var changes: [LayerChange]

    /// - Parameters:
    ///   - root: the directory holding the current state of added and modified paths.
    ///   - changes: the changes.
    public init(root: String, changes: [LayerChange]) {
        self.root = root
        self.changes = changes
    }
}

// MARK: - Overlay upper directories

extension FilesystemDiff {
    /// The xattrs overlayfs uses to mark an opaque directory, as root (`trusted.`) and with the
    /// `userxattr` mount option (`user.`, unprivileged mounts).
    static let opaqueXattrNames = ["trusted.overlay.opaque", "user.overlay.opaque"]

    /// Reads an overlayfs upper directory as a change set.
    ///
    /// Every path in the upper directory is a change (`added`; overlayfs does not tell added from
    /// modified, and the layer is the same either way). A character device 0/0 is a whiteout and becomes
    /// a deletion; a directory with `trusted.overlay.opaque=y` (or `user.overlay.opaque=y`) becomes an
    /// opaque directory. The mount must not use `metacopy=on` or `redirect_dir=on`, whose upper entries
    /// do not hold the whole file.
    /// - Parameter path: the upper directory.
    /// - Returns: the diff, rooted at `path`.
    /// - Throws: `ArchiveError.io` when the directory cannot be read; `invalidChange` for a name that is
    ///   not valid UTF-8.
    public static func fromOverlayUpper(path: String) throws -> FilesystemDiff {
        let root = try OwnedDescriptor.open(
            at: AT_FDCWD, Array(path.utf8), flags: O_RDONLY | O_DIRECTORY, displayPath: path)
        var changes: [LayerChange] = []
        try collectOverlayChanges(in: root.rawValue, prefix: "", rootPath: path, into: &changes)
        return FilesystemDiff(root: path, changes: changes)
    }

    private static func collectOverlayChanges(
        in directory: Int32, prefix: String, rootPath: String, into changes: inout [LayerChange]
    ) throws {
        for nameBytes in try FileSystem.sortedNames(of: directory, displayPath: rootPath + "/" + prefix) {
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw ArchiveError.invalidChange(
                    path: prefix + String(decoding: nameBytes, as: UTF8.self), reason: "the name is not valid UTF-8")
            }
            let relative = prefix + name
            let display = rootPath + "/" + relative
            guard let info = try FileSystem.lstat(at: directory, nameBytes, displayPath: display) else { continue }
            let type = FileSystem.type(info.st_mode)
            if type == mode_t(S_IFCHR) && info.st_rdev == 0 {
                changes.append(.deleted(relative))
                continue
            }
            changes.append(.added(relative))
            guard type == mode_t(S_IFDIR) else { continue }
            let child = try OwnedDescriptor.open(
                at: directory, nameBytes, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, displayPath: display)
            if try isOpaque(child) { changes.append(.opaqueDirectory(relative)) }
            try collectOverlayChanges(in: child.rawValue, prefix: relative + "/", rootPath: rootPath, into: &changes)
        }
    }

    private static func isOpaque(_ directory: OwnedDescriptor) throws -> Bool {
        for name in opaqueXattrNames {
            var value = [UInt8](repeating: 0, count: 4)
            let count = value.withUnsafeMutableBytes { fgetxattr(directory.rawValue, name, $0.baseAddress, 4) }
            if count == 1 && value[0] == UInt8(ascii: "y") { return true }
        }
        return false
    }
}
