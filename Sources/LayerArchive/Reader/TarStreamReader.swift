// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CArchive

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One tar entry as read, with raw path bytes (no charset conversion is trusted).
struct ReadEntry {
    enum Kind { case regular, directory, symlink, hardlink, characterDevice, blockDevice, fifo, other(UInt32) }
    var path: [UInt8]
    var kind: Kind
    var linkName: [UInt8]
    var mode: UInt32
    var uid: Int64
    var gid: Int64
    var mtime: Int64
    var mtimeNanoseconds: Int
    var size: Int64
    var devmajor: UInt32
    var devminor: UInt32
    var xattrs: [(name: String, value: [UInt8])]

    var displayPath: String { String(decoding: path, as: UTF8.self) }
}

/// Reads tar entries through libarchive from a `LayerDecoder`. Not `Sendable`: one task owns it.
final class TarStreamReader {
    private let archive: OpaquePointer
    private let source: TarInput

    init(decoder: LayerDecoder) throws {
        guard let archive = archive_read_new() else {
            throw ArchiveError.library(operation: "archive_read_new", code: ARCHIVE_FATAL, message: "out of memory")
        }
        self.archive = archive
        self.source = TarInput(decoder: decoder)
        archive_read_support_format_tar(archive)
        archive_read_support_format_gnutar(archive)
        archive_read_support_format_empty(archive)
        let client = Unmanaged.passUnretained(source).toOpaque()
        let code = archive_read_open(archive, client, nil, tarReadCallback, nil)
        try source.rethrowPending()
        guard code == ARCHIVE_OK else {
            throw ArchiveError.library(operation: "open", code: code, message: Self.message(archive))
        }
    }

    deinit { archive_read_free(archive) }

    /// The next entry, or `nil` at the end of the archive.
    func next() throws -> ReadEntry? {
        var entryPointer: OpaquePointer?
        let code = withUTF8Locale { archive_read_next_header(archive, &entryPointer) }
        try source.rethrowPending()
        if code == ARCHIVE_EOF { return nil }
        guard code == ARCHIVE_OK || code == ARCHIVE_WARN, let entry = entryPointer else {
            throw ArchiveError.library(operation: "read header", code: code, message: Self.message(archive))
        }
        // Under a UTF-8 locale, libarchive's multibyte names are UTF-8 from pax records and raw bytes
        // from plain ustar or GNU headers.
        let hardlink = withUTF8Locale {
            Self.bytes(archive_entry_hardlink(entry) ?? archive_entry_hardlink_utf8(entry))
        }
        let fileType = UInt32(archive_entry_filetype(entry))
        let kind: ReadEntry.Kind
        if hardlink != nil {
            kind = .hardlink
        } else {
            switch fileType {
            case fileTypeRegular: kind = .regular
            case fileTypeDirectory: kind = .directory
            case fileTypeSymlink: kind = .symlink
            case fileTypeCharacter: kind = .characterDevice
            case fileTypeBlock: kind = .blockDevice
            case fileTypeFIFO: kind = .fifo
            default: kind = .other(fileType)
            }
        }
        var xattrs: [(name: String, value: [UInt8])] = []
        if archive_entry_xattr_reset(entry) > 0 {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while archive_entry_xattr_next(entry, &name, &value, &size) == ARCHIVE_OK {
                guard let name else { continue }
                let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                xattrs.append((String(cString: name), bytes))
            }
        }
        return ReadEntry(
            path: withUTF8Locale { Self.bytes(archive_entry_pathname(entry) ?? archive_entry_pathname_utf8(entry)) }
                ?? [],
            kind: kind,
            linkName: hardlink
                ?? withUTF8Locale { Self.bytes(archive_entry_symlink(entry) ?? archive_entry_symlink_utf8(entry)) }
                ?? [],
            mode: UInt32(archive_entry_perm(entry)) & 0o7777,
            uid: archive_entry_uid(entry), gid: archive_entry_gid(entry),
            mtime: Int64(archive_entry_mtime(entry)), mtimeNanoseconds: archive_entry_mtime_nsec(entry),
            size: archive_entry_size(entry),
            devmajor: UInt32(truncatingIfNeeded: archive_entry_rdevmajor(entry)),
            devminor: UInt32(truncatingIfNeeded: archive_entry_rdevminor(entry)), xattrs: xattrs)
    }

    /// Calls `body` with each data block of the current entry and its offset (holes are skipped).
    func readData(_ body: (UnsafeRawBufferPointer, Int64) throws -> Void) throws {
        while true {
            var buffer: UnsafeRawPointer?
            var size = 0
            var offset: la_int64_t = 0
            let code = archive_read_data_block(archive, &buffer, &size, &offset)
            try source.rethrowPending()
            if code == ARCHIVE_EOF { return }
            guard code == ARCHIVE_OK || code == ARCHIVE_WARN else {
                throw ArchiveError.library(operation: "read data", code: code, message: Self.message(archive))
            }
            if let buffer, size > 0 { try body(UnsafeRawBufferPointer(start: buffer, count: size), offset) }
        }
    }

    /// After the last entry: reads the rest of the stream (padding after the end-of-archive blocks), so
    /// the diffID covers every byte and the blob reader reaches the end and verifies the digest.
    func drainRemainingInput() throws {
        try source.rethrowPending()
        try source.decoder.drain(using: source.buffer)
    }

    // MARK: - Private helpers

    private static func bytes(_ pointer: UnsafePointer<CChar>?) -> [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
    }

    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    }
}

/// Where libarchive's read callback gets bytes: the decoder, through a fixed 1 MiB buffer.
private final class TarInput {
    let decoder: LayerDecoder
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    var pendingError: (any Error)?

    init(decoder: LayerDecoder) { self.decoder = decoder }

    deinit { buffer.deallocate() }

    func rethrowPending() throws {
        if let pendingError { throw pendingError }
    }
}

private func tarReadCallback(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?,
    _ output: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> Int {
    guard let client, let output else { return -1 }
    let input = Unmanaged<TarInput>.fromOpaque(client).takeUnretainedValue()
    guard input.pendingError == nil else { return -1 }
    do {
        let count = try input.decoder.read(into: input.buffer)
        output.pointee = UnsafeRawPointer(input.buffer.baseAddress)
        return count
    } catch {
        input.pendingError = error
        return -1
    }
}
