// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// The directory where Hoist keeps everything it owns (`--root`).
///
/// ```
/// store/    OCI image layout: images, tags, blobs
/// layers/   extracted layer directories, by diffID
/// cache/    build-cache entries
/// tmp/      work in progress
/// ```
public struct HoistRoot: Sendable {
    /// The root directory.
    public let path: String

    /// A root at an explicit path.
    public init(path: String) { self.path = path }

    /// The default root: `/var/lib/hoist` for root, else `$XDG_DATA_HOME/hoist`, else `~/.local/share/hoist`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if geteuid() == 0 { return "/var/lib/hoist" }
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/hoist" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/hoist"
    }

    /// The image store (an OCI image layout).
    public var storePath: String { path + "/store" }

    /// Work in progress (extractions, imports); removed when done.
    public var temporaryPath: String { path + "/tmp" }

    /// `ROOT/layers`: one extracted directory per layer diffID, the lower directories of overlay mounts.
    public var layersPath: String { path + "/layers" }

    /// `ROOT/cache`: the build cache's entries and slots (specs/cache.md).
    public var cachePath: String { path + "/cache" }

    /// `ROOT/cache/gzip-blocks`: where compressed blocks of earlier layers are indexed (specs/layers.md).
    public var blockIndexesPath: String { cachePath + "/gzip-blocks" }

    /// `ROOT/cache-mounts`: the directories behind `RUN --mount=type=cache`, one per cache id.
    public var cacheMountsPath: String { path + "/cache-mounts" }

    /// Opens the image store, creating it on first use.
    /// - Throws: `OCIImageError` when the store cannot be opened or created.
    public func openStore() throws -> LayoutContentStore {
        try LayoutContentStore(path: storePath)
    }
}
