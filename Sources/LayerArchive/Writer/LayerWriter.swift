// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// What writing a layer produced.
public struct LayerWriteResult: Sendable, Hashable {
    /// The compressed blob in the store: media type per compression, digest and size.
    public var descriptor: Descriptor
    /// The SHA-256 of the uncompressed tar stream, for the image configuration's `rootfs.diff_ids`.
    /// See [config.md](https://github.com/opencontainers/image-spec/blob/main/config.md#layer-diffid).
    public var diffID: Digest
    /// The size of the uncompressed tar stream.
    public var uncompressedSize: Int64
}

/// Turns a directory tree or a change set into a layer blob in a content store, in one streaming pass:
/// entries → libarchive pax tar → SHA-256 (diffID) → compressor → SHA-256 and size (digest) → store.
///
/// Memory is bounded by fixed buffers (about 1 MiB of file buffer, 64 KiB of tar blocks and
/// 2 × threads compression blocks), whatever the layer size. The bytes are reproducible: see
/// specs/layers.md. The calls block; run them off the cooperative pool, or use the `async` variants.
public struct LayerWriter: Sendable {
    /// How a layer is written.
    public struct Options: Sendable, Hashable {
        /// The compression, and so the media type. Default: gzip level 6 with zlib, whose bytes are the same on
        /// every machine (see specs/layers.md for why ISA-L is opt-in).
        public var compression: LayerCompression
        /// When set, every mtime later than this (seconds since the epoch) is clamped to it
        /// (`SOURCE_DATE_EPOCH`), and whiteout entries carry it.
        public var sourceDateEpoch: Int64?
        /// Compression threads. Does not change the output bytes.
        public var threads: Int
        /// Whether to archive extended attributes (`user.*`, `trusted.*` and `security.capability`;
        /// never overlayfs' own, SELinux labels or ACLs — see specs/layers.md).
        public var includesXattrs: Bool

        /// - Parameters:
        ///   - compression: default gzip level 6 (zlib).
        ///   - sourceDateEpoch: default none.
        ///   - threads: default the number of active processors.
        ///   - includesXattrs: default true.
        public init(
            compression: LayerCompression = .gzip(), sourceDateEpoch: Int64? = nil,
            threads: Int = ProcessInfo.processInfo.activeProcessorCount, includesXattrs: Bool = true
        ) {
            self.compression = compression
            self.sourceDateEpoch = sourceDateEpoch
            self.threads = threads
            self.includesXattrs = includesXattrs
        }
    }

    /// Where blobs go.
    public let store: any ContentStore
    /// How layers are written.
    public let options: Options
    /// Compressed blocks of earlier layers to reuse, and where this writer's are remembered. Never changes the
    /// bytes written. Default none.
    public var blockMemo: GzipBlockMemo?

    /// - Parameters:
    ///   - store: the content store that receives the layer blobs.
    ///   - options: compression, epoch, threads.
    public init(store: any ContentStore, options: Options = Options()) {
        self.store = store
        self.options = options
    }

    // MARK: - API

    /// Writes every entry beneath a directory (not the directory itself) as a layer.
    /// - Parameter directory: the root of the tree.
    /// - Returns: the stored blob's descriptor and the layer's diffID.
    /// - Throws: `ArchiveError` (`io`, `library`, `compression`, `unsupportedEntry`, `fileChanged`,
    ///   `content`, `cancelled`).
    public func write(directory: String) throws -> LayerWriteResult {
        try write(cancellation: nil) { builder in try builder.writeTree(at: directory) }
    }

    /// Writes a change set as a layer: added and modified paths with their current content, deletions
    /// as `.wh.NAME` entries, opaque directories as `.wh..wh..opq` entries.
    /// - Parameter diff: the changes and the root holding their content.
    /// - Returns: the stored blob's descriptor and the layer's diffID.
    /// - Throws: `ArchiveError` (as `write(directory:)`, plus `invalidChange`).
    public func write(_ diff: FilesystemDiff) throws -> LayerWriteResult {
        try write(cancellation: nil) { builder in try builder.writeChanges(diff) }
    }

    /// `write(directory:)` on a dedicated thread; cancelling the task stops it between entries.
    public func write(directory: String) async throws -> LayerWriteResult {
        try await runOffPool { flag in
            try write(cancellation: flag) { builder in try builder.writeTree(at: directory) }
        }
    }

    /// `write(_:)` on a dedicated thread; cancelling the task stops it between entries.
    public func write(_ diff: FilesystemDiff) async throws -> LayerWriteResult {
        try await runOffPool { flag in
            try write(cancellation: flag) { builder in try builder.writeChanges(diff) }
        }
    }

    // MARK: - Pipeline

    private func write(
        cancellation: CancellationFlag?, _ body: (LayerTarBuilder) throws -> Void
    ) throws -> LayerWriteResult {
        try options.compression.validate()
        guard options.threads >= 1 else { throw ArchiveError.invalidOption("threads must be at least 1") }
        let blobWriter = try ArchiveError.wrapStore { try store.makeBlobWriter() }
        let compressor = try makeCompressor(into: BlobSink(blobWriter))
        let counter = CountingSink(downstream: compressor)
        let tar = try TarStreamWriter(sink: counter)
        let builder = LayerTarBuilder(tar: tar, options: options, cancellation: cancellation)
        do {
            try body(builder)
            try tar.close()
        } catch {
            tar.abandon()
            blobWriter.abort()
            throw error
        }
        let (digest, size) = try ArchiveError.wrapStore { try blobWriter.commit() }
        guard let diffID = tar.diffID else {
            throw ArchiveError.library(operation: "close", code: -1, message: "tar stream was not finished")
        }
        if let blockMemo, let gzip = compressor as? ParallelGzipWriter {
            blockMemo.remember(blob: digest, size: size, records: gzip.blockRecords)
        }
        return LayerWriteResult(
            descriptor: Descriptor(mediaType: options.compression.mediaType, digest: digest, size: size),
            diffID: diffID, uncompressedSize: counter.count)
    }

    private func makeCompressor(into sink: BlobSink) throws -> ByteSink {
        switch options.compression {
        case .uncompressed: sink
        case .gzip(let level, let codec):
            try ParallelGzipWriter(
                downstream: sink, codec: codec, level: level, threads: options.threads, memo: blockMemo)
        case .zstd(let level): try ZstdWriter(downstream: sink, level: level, threads: options.threads)
        }
    }
}

/// Counts the bytes that pass through.
private final class CountingSink: ByteSink {
    let downstream: ByteSink
    var count: Int64 = 0

    init(downstream: ByteSink) { self.downstream = downstream }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        count += Int64(bytes.count)
        try downstream.write(bytes)
    }

    func finish() throws { try downstream.finish() }
}
