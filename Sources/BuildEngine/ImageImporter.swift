// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage

/// Makes a one-layer image from a root filesystem: a directory, or a tar archive (plain, gzip or zstd).
///
/// This is how bases made with debootstrap, or from a static binary, enter Hoist (`hoist import`).
/// The layer is written the way every Hoist layer is (sorted entries, numeric ownership, mtimes
/// clamped to the source date epoch when there is one), so the same tree and epoch give the same
/// image digest.
public struct ImageImporter: Sendable {
    /// What goes into the image besides the files.
    public struct Options: Sendable {
        /// The platform the image declares. Default: this machine's.
        public var platform: Platform
        /// Seconds since the epoch for `created`, the history and the clamping of mtimes
        /// (`SOURCE_DATE_EPOCH`). `nil` uses the current time and keeps mtimes as they are.
        public var sourceDateEpoch: Int64?
        /// The container defaults (Cmd, Entrypoint, Env, WorkingDir, User, Labels…).
        public var config: ContainerConfig
        /// The history entry's comment.
        public var comment: String?
        /// Layer compression. Default gzip level 6.
        public var compression: LayerCompression

        public init(
            platform: Platform = .host, sourceDateEpoch: Int64? = nil, config: ContainerConfig = ContainerConfig(),
            comment: String? = nil, compression: LayerCompression = .gzip()
        ) {
            self.platform = platform
            self.sourceDateEpoch = sourceDateEpoch
            self.config = config
            self.comment = comment
            self.compression = compression
        }
    }

    /// Where the image goes.
    public let store: any ContentStore
    /// Where temporary extractions go; must be on the store's filesystem or any writable one.
    public let temporaryDirectory: String
    public let options: Options

    public init(store: any ContentStore, temporaryDirectory: String, options: Options = Options()) {
        self.store = store
        self.temporaryDirectory = temporaryDirectory
        self.options = options
    }

    /// Imports a directory or a tar archive.
    /// - Parameter source: the path of a directory (its contents become `/`) or of a tar file.
    /// - Returns: the descriptor of the new image manifest (not yet tagged).
    /// - Throws: `BuildError.importSourceMissing`, `ArchiveError` for unreadable or unsafe archives,
    ///   `OCIImageError` for store failures.
    public func importRootFilesystem(from source: String) async throws -> Descriptor {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw BuildError.importSourceMissing(source)
        }
        if isDirectory.boolValue { return try await importDirectory(source) }
        return try await importArchive(source)
    }

    // MARK: - Private helpers

    private func importDirectory(_ directory: String) async throws -> Descriptor {
        let writer = LayerWriter(
            store: store,
            options: .init(compression: options.compression, sourceDateEpoch: options.sourceDateEpoch))
        let layer = try await writer.write(directory: directory)
        return try commitImage(layer: layer, createdBy: "hoist import")
    }

    /// An archive is stored as a blob, extracted safely (nothing outside the extraction directory,
    /// whatever the archive says) and written again as a Hoist layer, so its bytes are normalised.
    /// The archive's blob is removed afterwards only if this import added it: when its bytes were
    /// already in the store (a layer taken out of it), an image may be using them.
    private func importArchive(_ path: String) async throws -> Descriptor {
        let digest = try SHA256Hasher.digest(ofFileAt: path)
        let wasStored = try store.hasBlob(digest)
        if !wasStored { try copyIntoStore(path, expecting: digest) }
        let work = temporaryDirectory + "/import-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: temporaryDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        _ = try await LayerApplier(store: store).extract(digest, into: work)
        if !wasStored { try store.deleteBlob(digest) }
        return try await importDirectory(work)
    }

    private func copyIntoStore(_ path: String, expecting digest: Digest) throws {
        let writer = try store.makeBlobWriter()
        try readChunks(of: path) { try writer.write($0) }
        // The file changing between the two reads is caught here rather than stored under a wrong name.
        try writer.commit(expectedDigest: digest)
    }

    private func readChunks(of path: String, _ body: (Data) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BuildError.importSourceMissing(path) }
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { try body(chunk) }
    }

    private func commitImage(layer: LayerWriteResult, createdBy: String) throws -> Descriptor {
        let created = Timestamp.rfc3339(epochSeconds: options.sourceDateEpoch ?? Int64(Date().timeIntervalSince1970))
        var config = options.config
        if config.Env == nil { config.Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] }
        let image = ImageConfiguration(
            platform: options.platform, created: created, config: config,
            rootfs: .init(diff_ids: [layer.diffID]),
            history: [.init(created: created, created_by: createdBy, comment: options.comment)])
        let configDescriptor = try store.writeJSON(image, mediaType: .ociConfig)
        let manifest = ImageManifest(config: configDescriptor, layers: [layer.descriptor])
        return try store.writeJSON(manifest, mediaType: .ociManifest)
    }
}

/// RFC 3339 timestamps as images carry them.
public enum Timestamp {
    /// `2024-01-02T03:04:05Z` for a count of seconds since the epoch (UTC, no fraction).
    public static func rfc3339(epochSeconds: Int64) -> String {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// The source date epoch from the environment (`SOURCE_DATE_EPOCH`), if set and valid.
    /// - Throws: `BuildError.invalidSourceDateEpoch` when it is set but not a whole number of seconds.
    public static func sourceDateEpoch(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Int64? {
        guard let text = environment["SOURCE_DATE_EPOCH"], !text.isEmpty else { return nil }
        guard let value = Int64(text), value >= 0 else { throw BuildError.invalidSourceDateEpoch(text) }
        return value
    }
}
