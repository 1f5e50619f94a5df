// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Compares two layer blobs entry by entry, in tar order, streaming both: what `hoist build
/// --verify-reproducible` names when two builds of one Dockerfile disagree.
public enum LayerComparison {
    /// What a comparison found.
    public enum Result: Sendable, Hashable {
        /// Both uncompressed tar streams are the same bytes.
        case identical
        /// The first entry (in tar order) that differs.
        case entry(LayerEntryDifference)
        /// Every entry matches in every compared field, yet the tar streams differ: in header fields not
        /// compared (user and group names, pax records) or in padding.
        case encoding
    }

    /// Compares two stored layers.
    /// - Parameters:
    ///   - first: the first layer blob's digest.
    ///   - firstStore: where it is stored.
    ///   - second: the second layer blob's digest.
    ///   - secondStore: where it is stored.
    /// - Returns: whether the tar streams match and, when not, the first entry that differs.
    /// - Throws: `ArchiveError` for a missing, corrupt or unverifiable blob; `.cancelled`.
    public static func compare(
        _ first: Digest, in firstStore: any ContentStore, with second: Digest, in secondStore: any ContentStore
    ) async throws -> Result {
        try await runOffPool { flag in
            try compare(first, in: firstStore, with: second, in: secondStore, cancellation: flag)
        }
    }

    // MARK: - Private helpers

    private static func compare(
        _ first: Digest, in firstStore: any ContentStore, with second: Digest, in secondStore: any ContentStore,
        cancellation: CancellationFlag
    ) throws -> Result {
        let left = try LayerEntryReader(layer: first, in: firstStore)
        let right = try LayerEntryReader(layer: second, in: secondStore)
        var position = 0
        while true {
            try cancellation.check()
            let a = try left.next()
            let b = try right.next()
            switch (a, b) {
            case (nil, nil):
                return left.diffID() == right.diffID() ? .identical : .encoding
            case (let a?, nil):
                return .entry(LayerEntryDifference(path: a.path, position: position, fields: [.onlyInFirst]))
            case (nil, let b?):
                return .entry(LayerEntryDifference(path: b.path, position: position, fields: [.onlyInSecond]))
            case (let a?, let b?):
                let fields = differences(a, b)
                if !fields.isEmpty {
                    return .entry(LayerEntryDifference(path: a.path, position: position, fields: fields))
                }
            }
            position += 1
        }
    }

    /// The fields in which two entries at the same place differ, in the order a reader cares about.
    static func differences(_ a: LayerEntry, _ b: LayerEntry) -> [LayerEntryDifference.Field] {
        if a.path != b.path { return [.path(other: LayerEntryDifference.displayPath(b.path))] }
        var fields: [LayerEntryDifference.Field] = []
        if a.kind != b.kind { fields.append(.type(a.kind, b.kind)) }
        if a.mode != b.mode { fields.append(.mode(a.mode, b.mode)) }
        if a.uid != b.uid || a.gid != b.gid { fields.append(.owner("\(a.uid):\(a.gid)", "\(b.uid):\(b.gid)")) }
        if a.linkTarget != b.linkTarget { fields.append(.linkTarget(a.linkTarget, b.linkTarget)) }
        if a.size != b.size { fields.append(.size(a.size, b.size)) }
        if a.mtime != b.mtime || a.mtimeNanoseconds != b.mtimeNanoseconds {
            fields.append(.mtime(a.mtime, b.mtime))
        }
        if a.contentDigest != b.contentDigest { fields.append(.content) }
        if a.deviceMajor != b.deviceMajor || a.deviceMinor != b.deviceMinor {
            fields.append(.device("\(a.deviceMajor):\(a.deviceMinor)", "\(b.deviceMajor):\(b.deviceMinor)"))
        }
        if a.xattrs != b.xattrs {
            let names = Set(a.xattrs.keys).union(b.xattrs.keys).filter { a.xattrs[$0] != b.xattrs[$0] }
            fields.append(.xattrs(names.sorted()))
        }
        return fields
    }
}

/// The first entry in which two layers differ, and how.
public struct LayerEntryDifference: Sendable, Hashable, CustomStringConvertible {
    /// One way in which two entries differ; where values are given, the first layer's comes first.
    public enum Field: Sendable, Hashable, CustomStringConvertible {
        /// The second layer has another path at this place in the tar.
        case path(other: String)
        /// The second layer's entries ended before this one.
        case onlyInFirst
        /// The first layer's entries ended before this one.
        case onlyInSecond
        case type(LayerEntry.Kind, LayerEntry.Kind)
        case mode(UInt32, UInt32)
        /// `uid:gid` of each.
        case owner(String, String)
        case linkTarget(String, String)
        case size(Int64, Int64)
        /// Seconds since 1970 (the fractions may differ too).
        case mtime(Int64, Int64)
        case content
        /// `major:minor` of each.
        case device(String, String)
        /// The names of the extended attributes that differ.
        case xattrs([String])

        public var description: String {
            switch self {
            case .path(let other): "the second layer has \(other) in its place"
            case .onlyInFirst: "only in the first layer"
            case .onlyInSecond: "only in the second layer"
            case .type(let a, let b): "type differs (\(a) vs \(b))"
            case .mode(let a, let b): "mode differs (\(Self.octal(a)) vs \(Self.octal(b)))"
            case .owner(let a, let b): "owner differs (\(a) vs \(b))"
            case .linkTarget(let a, let b): "link target differs (\(a) vs \(b))"
            case .size(let a, let b): "size differs (\(a) vs \(b) bytes)"
            case .mtime(let a, let b): "mtime differs (\(a) vs \(b))"
            case .content: "content differs"
            case .device(let a, let b): "device numbers differ (\(a) vs \(b))"
            case .xattrs(let names): "extended attributes differ (\(names.joined(separator: ", ")))"
            }
        }

        private static func octal(_ mode: UInt32) -> String {
            let digits = String(mode, radix: 8)
            return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
    }

    /// The entry's path as an absolute path in the image (`/etc/motd`).
    public var path: String
    /// The entry's place in the tar stream, from 0.
    public var position: Int
    /// How it differs; never empty.
    public var fields: [Field]

    /// - Parameters:
    ///   - path: the path as the archive writes it (`etc/motd`, `./etc/`).
    ///   - position: the entry's place in the stream.
    ///   - fields: how it differs.
    public init(path: String, position: Int, fields: [Field]) {
        self.path = Self.displayPath(path)
        self.position = position
        self.fields = fields
    }

    /// `/stamp: content differs`.
    public var description: String {
        path + ": " + fields.map(\.description).joined(separator: ", ")
    }

    /// An archive path as a path in the image: `./etc/` → `/etc`.
    static func displayPath(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.hasPrefix("./") { trimmed = trimmed.dropFirst(2) }
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed == "." || trimmed.isEmpty ? "/" : "/" + trimmed
    }
}
