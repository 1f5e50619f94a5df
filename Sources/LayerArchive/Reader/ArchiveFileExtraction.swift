// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CArchive
import OCIImage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Extracts local tar archive files (not store blobs), as `ADD` does with a local archive source.
///
/// The compression is recognised by content, never by name: plain tar, gzip, bzip2, xz or zstd. Entries are
/// applied with the same safety rules as layers (see ``LayerApplier``): nothing is written outside the target
/// directory, whatever the archive says. The calls block; run them off the cooperative pool.
public enum ArchiveFileExtraction {
    /// The compression around a tar archive.
    public enum Compression: String, Sendable, Hashable {
        case none, gzip, bzip2, xz, zstd
    }

    /// What extracting an archive file did.
    public struct Result: Sendable, Hashable {
        /// The compression that was found.
        public var compression: Compression
        /// The SHA-256 of the archive file's bytes, as stored (compressed).
        public var archiveDigest: Digest
        /// How many tar entries were applied.
        public var entryCount: Int
        /// The size of the uncompressed tar stream.
        public var uncompressedSize: Int64
    }

    // MARK: - API

    /// Tells whether a file is a tar archive, plain or compressed with gzip, bzip2, xz or zstd.
    ///
    /// The file counts as an archive only when its first tar header can be read after decompression, as
    /// Docker's `ADD` decides; an empty file or a compressed file that holds no tar is not one.
    /// - Parameter path: the file's host path.
    /// - Returns: the compression when the file is a tar archive, otherwise `nil`.
    public static func tarCompression(ofFile path: String) -> Compression? {
        guard let archive = archive_read_new() else { return nil }
        defer { archive_read_free(archive) }
        archive_read_support_filter_all(archive)
        archive_read_support_format_tar(archive)
        archive_read_support_format_gnutar(archive)
        guard archive_read_open_filename(archive, path, 64 * 1024) == ARCHIVE_OK else { return nil }
        var entry: OpaquePointer?
        let code = archive_read_next_header(archive, &entry)
        guard code == ARCHIVE_OK || code == ARCHIVE_WARN else { return nil }
        switch archive_filter_code(archive, 0) {
        case ARCHIVE_FILTER_NONE: return Compression.none
        case ARCHIVE_FILTER_GZIP: return .gzip
        case ARCHIVE_FILTER_BZIP2: return .bzip2
        case ARCHIVE_FILTER_XZ: return .xz
        case ARCHIVE_FILTER_ZSTD: return .zstd
        default: return nil
        }
    }

    /// Extracts a tar archive file into a directory, which is created (mode 0755) when missing.
    ///
    /// Owners are applied from the archive when running as root. Symbolic links in entry parents resolve
    /// inside `directory` (``ParentResolution/resolveInRoot``). When this throws, the directory may hold part
    /// of the archive.
    /// - Parameters:
    ///   - path: the archive file's host path.
    ///   - directory: the host path of the directory to extract into.
    ///   - scratchDirectory: where a bzip2 or xz archive is decompressed to a temporary file first.
    /// - Returns: the compression, the archive's digest and counts.
    /// - Throws: `ArchiveError.invalidOption` when the file is not a tar archive, and the errors of
    ///   ``LayerApplier/apply(_:onto:)`` (`unsafePath`, `escapesRoot`, `library`, `compression`, `io`…).
    public static func extract(archive path: String, into directory: String, scratchDirectory: String) throws
        -> Result
    {
        guard let compression = tarCompression(ofFile: path) else {
            throw ArchiveError.invalidOption("\(path) is not a tar archive")
        }
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw ArchiveError.io(operation: "mkdir", path: directory, errno: errno)
        }
        let archiveDigest = try digestOfFile(path)
        switch compression {
        case .none, .gzip, .zstd:
            // LayerDecoder reads these directly.
            let applied = try apply(tarFile: path, digest: archiveDigest, into: directory)
            return Result(
                compression: compression, archiveDigest: archiveDigest, entryCount: applied.count,
                uncompressedSize: applied.size)
        case .bzip2, .xz:
            let temporary = "\(scratchDirectory)/hoist-archive-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tar"
            defer { unlink(temporary) }
            let tarDigest = try decompress(path, to: temporary)
            let applied = try apply(tarFile: temporary, digest: tarDigest, into: directory)
            return Result(
                compression: compression, archiveDigest: archiveDigest, entryCount: applied.count,
                uncompressedSize: applied.size)
        }
    }

    // MARK: - Private helpers

    private static func apply(tarFile: String, digest: Digest, into directory: String) throws -> (
        count: Int, size: Int64
    ) {
        let reader = try ArchiveError.wrapStore { try BlobReader(path: tarFile, digest: digest, offset: 0) }
        let decoder = try LayerDecoder(reader: reader)
        let tar = try TarStreamReader(decoder: decoder)
        let options = LayerApplier.Options(parentResolution: .resolveInRoot)
        let applier = EntryApplier(
            root: try RootDirectory(path: directory, resolution: .resolveInRoot), options: options)
        var count = 0
        while let entry = try tar.next() {
            if Task.isCancelled { throw ArchiveError.cancelled }
            count += 1
            try applier.apply(entry, data: tar)
        }
        try tar.drainRemainingInput()
        try applier.finish()
        return (count, decoder.uncompressedSize)
    }

    private static func digestOfFile(_ path: String) throws -> Digest {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw ArchiveError.io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return hasher.finalize()
    }

    /// Decompresses with libarchive's filters into a plain tar file and returns that file's digest.
    private static func decompress(_ path: String, to output: String) throws -> Digest {
        guard let archive = archive_read_new() else {
            throw ArchiveError.library(operation: "archive_read_new", code: ARCHIVE_FATAL, message: "out of memory")
        }
        defer { archive_read_free(archive) }
        archive_read_support_filter_all(archive)
        archive_read_support_format_raw(archive)
        var entry: OpaquePointer?
        guard archive_read_open_filename(archive, path, 64 * 1024) == ARCHIVE_OK,
            archive_read_next_header(archive, &entry) == ARCHIVE_OK
        else {
            throw ArchiveError.library(operation: "open", code: ARCHIVE_FATAL, message: message(archive))
        }
        let fd = open(output, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveError.io(operation: "open", path: output, errno: errno) }
        defer { close(fd) }
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = archive_read_data(archive, buffer.baseAddress, buffer.count)
            guard count >= 0 else {
                throw ArchiveError.library(operation: "read data", code: Int32(count), message: message(archive))
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            hasher.update(chunk)
            try writeAll(fd, chunk, path: output)
        }
        return hasher.finalize()
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw ArchiveError.io(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
    }

    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    }
}
