// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What applying a layer did.
public struct LayerApplyResult: Sendable, Hashable {
    /// The SHA-256 of the uncompressed tar stream.
    public var diffID: Digest
    /// The size of the uncompressed tar stream.
    public var uncompressedSize: Int64
    /// How many tar entries were read (whiteouts included).
    public var entryCount: Int
    /// Device nodes not created because the process is not root.
    public var skippedDevices: Int
}

/// Applies layer blobs (gzip, zstd or plain tar, recognised by magic bytes) to directories, safely.
///
/// Nothing is ever written outside the target directory, whatever the archive says: absolute paths,
/// `..` components, symbolic links in parent paths (unless `ParentResolution.resolveInRoot`), hard links
/// to targets outside, and whiteouts naming paths outside are refused with an error naming the entry.
/// Parent directories are resolved with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` (or
/// `RESOLVE_IN_ROOT`), and every leaf operation uses `*at` calls that do not follow a final symlink.
/// See specs/layers.md. The calls block; run them off the cooperative pool, or use the `async` variants.
public struct LayerApplier: Sendable {
    /// What to do with whiteout entries.
    public enum WhiteoutHandling: Sendable, Hashable {
        /// Delete what they name (`.wh.NAME`) or empty the directory (`.wh..wh..opq`), leaving entries of
        /// the same layer alone: applying a layer onto the accumulated root filesystem.
        case apply
        /// Turn them into overlayfs whiteouts (a 0/0 character device; the `trusted.overlay.opaque=y`
        /// xattr, `user.overlay.opaque` when not root): extracting a layer as an overlay lower directory.
        case overlay
    }

    /// How layers are applied.
    public struct Options: Sendable, Hashable {
        /// Whiteout handling. Default `.apply`.
        public var whiteouts: WhiteoutHandling
        /// How parent paths are resolved. Default `.refuseSymlinks`.
        public var parentResolution: ParentResolution
        /// When set, the uncompressed stream must hash to it (the image configuration's diffID).
        public var expectedDiffID: Digest?
        /// Whether to apply the archive's uid and gid. Default: when running as root.
        public var preservesOwnership: Bool

        /// - Parameters:
        ///   - whiteouts: default `.apply`.
        ///   - parentResolution: default `.refuseSymlinks`.
        ///   - expectedDiffID: default none.
        ///   - preservesOwnership: default `geteuid() == 0`.
        public init(
            whiteouts: WhiteoutHandling = .apply, parentResolution: ParentResolution = .refuseSymlinks,
            expectedDiffID: Digest? = nil, preservesOwnership: Bool = geteuid() == 0
        ) {
            self.whiteouts = whiteouts
            self.parentResolution = parentResolution
            self.expectedDiffID = expectedDiffID
            self.preservesOwnership = preservesOwnership
        }
    }

    /// Where layer blobs are read from (verified).
    public let store: any ContentStore
    /// How layers are applied.
    public let options: Options

    /// - Parameters:
    ///   - store: the content store holding the layer blobs.
    ///   - options: whiteouts, parent resolution, expected diffID, ownership.
    public init(store: any ContentStore, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    // MARK: - API

    /// Applies a layer onto an existing root directory.
    ///
    /// The blob's digest is verified as it is read, but only at its end: when this throws (a digest
    /// mismatch, a refused entry, a full disk), the root has been partly changed and must be discarded
    /// by the caller. Use `extract(_:into:)` for a directory that must appear whole or not at all.
    /// - Parameters:
    ///   - layer: the layer blob's digest.
    ///   - root: the directory to change.
    /// - Returns: the diffID and counts.
    /// - Throws: `ArchiveError` (`unsafePath`, `symlinkInPath`, `escapesRoot`, `hardlinkTargetMissing`,
    ///   `notADirectory`, `content(.digestMismatch)`, `diffIDMismatch`, `compression`, `library`, `io`).
    public func apply(_ layer: Digest, onto root: String) throws -> LayerApplyResult {
        try apply(layer, onto: root, cancellation: nil)
    }

    /// Extracts a layer into a new directory (such as `layers/<diffID>/`), atomically.
    ///
    /// The layer is applied into a sibling staging directory, which is renamed to `directory` only
    /// when every entry was applied and the digest (and diffID, if expected) verified; on any failure
    /// the staging directory is removed. When `directory` already exists (another process extracted the
    /// same layer first), the existing directory wins and the staging copy is removed.
    /// - Parameters:
    ///   - layer: the layer blob's digest.
    ///   - directory: the directory to create; its parent must exist.
    /// - Returns: the diffID and counts.
    /// - Throws: as `apply(_:onto:)`; nothing is left behind.
    public func extract(_ layer: Digest, into directory: String) throws -> LayerApplyResult {
        try extract(layer, into: directory, cancellation: nil)
    }

    /// `apply(_:onto:)` on a dedicated thread; cancelling the task stops it between entries.
    public func apply(_ layer: Digest, onto root: String) async throws -> LayerApplyResult {
        try await runOffPool { flag in try apply(layer, onto: root, cancellation: flag) }
    }

    /// `extract(_:into:)` on a dedicated thread; cancelling the task stops it between entries.
    public func extract(_ layer: Digest, into directory: String) async throws -> LayerApplyResult {
        try await runOffPool { flag in try extract(layer, into: directory, cancellation: flag) }
    }

    // MARK: - Private helpers

    private func apply(_ layer: Digest, onto root: String, cancellation: CancellationFlag?) throws
        -> LayerApplyResult
    {
        let reader = try ArchiveError.wrapStore { try store.openBlob(layer) }
        let decoder = try LayerDecoder(reader: reader)
        let tar = try TarStreamReader(decoder: decoder)
        let target = try RootDirectory(path: root, resolution: options.parentResolution)
        let applier = EntryApplier(root: target, options: options)
        var count = 0
        while let entry = try tar.next() {
            try cancellation.check()
            count += 1
            try applier.apply(entry, data: tar)
        }
        try tar.drainRemainingInput()
        try applier.finish()
        let diffID = decoder.finalizeDiffID()
        if let expected = options.expectedDiffID, expected != diffID {
            throw ArchiveError.diffIDMismatch(expected: expected, actual: diffID)
        }
        return LayerApplyResult(
            diffID: diffID, uncompressedSize: decoder.uncompressedSize, entryCount: count,
            skippedDevices: applier.skippedDevices)
    }

    private func extract(_ layer: Digest, into directory: String, cancellation: CancellationFlag?) throws
        -> LayerApplyResult
    {
        let staging = "\(directory).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(staging, 0o755) == 0 else { throw ArchiveError.io(operation: "mkdir", path: staging, errno: errno) }
        let result: LayerApplyResult
        do {
            result = try apply(layer, onto: staging, cancellation: cancellation)
        } catch {
            Self.removeDirectory(staging)
            throw error
        }
        if rename(staging, directory) != 0 {
            let code = errno
            Self.removeDirectory(staging)
            guard code == EEXIST || code == ENOTEMPTY else {
                throw ArchiveError.io(operation: "rename", path: directory, errno: code)
            }
        }
        return result
    }

    private static func removeDirectory(_ path: String) {
        let parent = (path as NSString).deletingLastPathComponent
        let name = Array((path as NSString).lastPathComponent.utf8)
        guard
            let directory = try? OwnedDescriptor.open(
                at: AT_FDCWD, Array(parent.utf8), flags: O_RDONLY | O_DIRECTORY, displayPath: parent)
        else { return }
        try? FileSystem.removeTree(at: directory.rawValue, name, displayPath: path)
    }
}
