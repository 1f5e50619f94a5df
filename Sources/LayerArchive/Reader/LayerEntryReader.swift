// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// One entry of a layer's tar stream: its header fields, and the SHA-256 of its content for regular files.
public struct LayerEntry: Sendable, Hashable {
    /// What an entry is, as the tar header says.
    public enum Kind: Sendable, Hashable, CustomStringConvertible {
        case regular, directory, symlink, hardlink, characterDevice, blockDevice, fifo
        /// Any other tar type flag (libarchive's file type bits).
        case other(UInt32)

        public var description: String {
            switch self {
            case .regular: "file"
            case .directory: "directory"
            case .symlink: "symbolic link"
            case .hardlink: "hard link"
            case .characterDevice: "character device"
            case .blockDevice: "block device"
            case .fifo: "fifo"
            case .other(let type): "type \(String(type, radix: 8))"
            }
        }
    }

    /// The path as written in the archive (relative, as layers carry it).
    public var path: String
    /// The entry's type.
    public var kind: Kind
    /// Permission bits, set-id and sticky bits included.
    public var mode: UInt32
    /// The owner's numeric user id.
    public var uid: Int64
    /// The owner's numeric group id.
    public var gid: Int64
    /// The target of a symbolic or hard link; empty otherwise.
    public var linkTarget: String
    /// The size the header declares (0 for everything but regular files).
    public var size: Int64
    /// The modification time, seconds since 1970.
    public var mtime: Int64
    /// The fraction of the modification time, when the header carries one.
    public var mtimeNanoseconds: Int
    /// The major device number.
    public var deviceMajor: UInt32
    /// The minor device number.
    public var deviceMinor: UInt32
    /// Extended attributes (pax `SCHILY.xattr.*` records), by name.
    public var xattrs: [String: [UInt8]]
    /// The SHA-256 of the entry's data; nil for entries without data.
    public var contentDigest: Digest?
}

/// Reads a stored layer blob (gzip, zstd or plain tar) entry by entry, hashing each file's data as it passes,
/// so a layer of any size is read with fixed buffers, never whole. Not `Sendable`: one task owns it.
/// The calls block; run them off the cooperative pool.
public final class LayerEntryReader {
    private let decoder: LayerDecoder
    private let tar: TarStreamReader
    private var finished = false

    /// Opens a layer blob.
    /// - Parameters:
    ///   - layer: the blob's digest.
    ///   - store: the store holding it (its reads are verified against the digest at the end).
    /// - Throws: `ArchiveError.content` when the blob is missing; `ArchiveError.compression` or `.library`
    ///   when it is not a layer.
    public init(layer: Digest, in store: any ContentStore) throws {
        let reader = try ArchiveError.wrapStore { try store.openBlob(layer) }
        decoder = try LayerDecoder(reader: reader)
        tar = try TarStreamReader(decoder: decoder)
    }

    /// The next entry, its data read and hashed; nil after the last one, once the whole blob was read and its
    /// digest verified.
    /// - Throws: `ArchiveError` for a corrupt stream or a blob that does not match its digest.
    public func next() throws -> LayerEntry? {
        if finished { return nil }
        guard let entry = try tar.next() else {
            try tar.drainRemainingInput()
            finished = true
            return nil
        }
        var digest: Digest? = nil
        if case .regular = entry.kind {
            let hasher = SHA256Hasher()
            var expectedOffset: Int64 = 0
            try tar.readData { bytes, offset in
                // Sparse entries skip holes: hash them as the zeros they read as.
                if offset > expectedOffset { Self.hashZeros(offset - expectedOffset, into: hasher) }
                hasher.update(bytes)
                expectedOffset = offset + Int64(bytes.count)
            }
            if entry.size > expectedOffset { Self.hashZeros(entry.size - expectedOffset, into: hasher) }
            digest = hasher.finalize()
        }
        return LayerEntry(
            path: entry.displayPath, kind: Self.kind(entry.kind), mode: entry.mode, uid: entry.uid, gid: entry.gid,
            linkTarget: String(decoding: entry.linkName, as: UTF8.self), size: entry.size, mtime: entry.mtime,
            mtimeNanoseconds: entry.mtimeNanoseconds, deviceMajor: entry.devmajor, deviceMinor: entry.devminor,
            xattrs: Dictionary(entry.xattrs.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
            contentDigest: digest)
    }

    /// The SHA-256 of the uncompressed stream (the diffID). Call after `next()` returned nil.
    public func diffID() -> Digest { decoder.finalizeDiffID() }

    // MARK: - Private helpers

    private static let zeros = [UInt8](repeating: 0, count: 64 * 1024)

    private static func hashZeros(_ count: Int64, into hasher: SHA256Hasher) {
        var remaining = count
        while remaining > 0 {
            let chunk = Int(min(remaining, Int64(zeros.count)))
            hasher.update(zeros[..<chunk])
            remaining -= Int64(chunk)
        }
    }

    private static func kind(_ kind: ReadEntry.Kind) -> LayerEntry.Kind {
        switch kind {
        case .regular: .regular
        case .directory: .directory
        case .symlink: .symlink
        case .hardlink: .hardlink
        case .characterDevice: .characterDevice
        case .blockDevice: .blockDevice
        case .fifo: .fifo
        case .other(let type): .other(type)
        }
    }
}
