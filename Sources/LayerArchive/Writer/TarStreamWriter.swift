// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CArchive
import OCIImage

/// One tar entry as Hoist writes it. Field names follow POSIX pax/ustar.
struct TarHeader {
    enum Kind {
        case regular, directory, symlink, hardlink, characterDevice, blockDevice, fifo
    }

    /// Relative path bytes, no leading `/` or `./`, no trailing `/`.
    var path: [UInt8]
    var kind: Kind
    /// Permission bits including setuid, setgid and sticky (`07777`).
    var mode: UInt32
    var uid: Int64
    var gid: Int64
    /// Whole seconds; Hoist never writes sub-second times, atime or ctime.
    var mtime: Int64
    var size: Int64 = 0
    /// The symlink target, or the path a hard link points to.
    var linkName: [UInt8]?
    var devmajor: UInt32 = 0
    var devminor: UInt32 = 0
    /// Extended attributes, sorted by name, written as `SCHILY.xattr.<name>` pax records.
    var xattrs: [(name: String, value: [UInt8])] = []

    var isUTF8: Bool {
        String(validating: path, as: UTF8.self) != nil
            && (linkName.map { String(validating: $0, as: UTF8.self) != nil } ?? true)
    }
}

/// Writes a pax tar stream through libarchive into a `ByteSink`, hashing it (the diffID) on the way.
///
/// Not `Sendable`: one task owns it; frees libarchive's handles in `deinit`.
final class TarStreamWriter {
    private let archive: OpaquePointer
    private let entry: OpaquePointer
    private let output: TarOutput
    private var isClosed = false

    init(sink: ByteSink) throws {
        guard let archive = archive_write_new(), let entry = archive_entry_new() else {
            throw ArchiveError.library(operation: "archive_write_new", code: ARCHIVE_FATAL, message: "out of memory")
        }
        self.archive = archive
        self.entry = entry
        self.output = TarOutput(sink: sink)
        // pax "restricted": plain ustar headers, plus a pax extended header only for an entry that needs
        // one (long or non-ASCII names, large ids, xattrs) — what GNU tar and Go's archive/tar also read.
        try check(archive_write_set_format_pax_restricted(archive), "set_format_pax_restricted")
        // SCHILY.xattr.* only: the key GNU tar, Go's archive/tar (containerd, Docker) and umoci read.
        try check(archive_write_set_format_option(archive, "pax", "xattrheader", "SCHILY"), "xattrheader")
        // 64 KiB writes downstream, and no padding after the two end-of-archive blocks.
        try check(archive_write_set_bytes_per_block(archive, 64 * 1024), "set_bytes_per_block")
        try check(archive_write_set_bytes_in_last_block(archive, 1), "set_bytes_in_last_block")
        let client = Unmanaged.passUnretained(output).toOpaque()
        try check(archive_write_open2(archive, client, nil, tarWriteCallback, nil, nil), "open")
    }

    deinit {
        archive_entry_free(entry)
        archive_write_free(archive)
    }

    /// The SHA-256 of the whole tar stream; set by `close`.
    var diffID: Digest? { output.diffID }

    /// Writes an entry header. For a regular file, exactly `header.size` bytes must follow through `writeData`.
    func writeHeader(_ header: TarHeader) throws {
        archive_entry_clear(entry)
        withCString(header.path) { archive_entry_copy_pathname(entry, $0) }
        archive_entry_set_uid(entry, header.uid)
        archive_entry_set_gid(entry, header.gid)
        archive_entry_set_mtime(entry, time_t(header.mtime), 0)
        let permissions = mode_t(header.mode & 0o7777)
        switch header.kind {
        case .regular:
            archive_entry_set_filetype(entry, fileTypeRegular)
            archive_entry_set_size(entry, header.size)
        case .directory:
            archive_entry_set_filetype(entry, fileTypeDirectory)
        case .symlink:
            archive_entry_set_filetype(entry, fileTypeSymlink)
            withCString(header.linkName ?? []) { archive_entry_copy_symlink(entry, $0) }
        case .hardlink:
            archive_entry_set_filetype(entry, fileTypeRegular)
            withCString(header.linkName ?? []) { archive_entry_copy_hardlink(entry, $0) }
            archive_entry_set_size(entry, 0)
        case .characterDevice, .blockDevice:
            archive_entry_set_filetype(entry, header.kind == .characterDevice ? fileTypeCharacter : fileTypeBlock)
            archive_entry_set_rdevmajor(entry, dev_t(header.devmajor))
            archive_entry_set_rdevminor(entry, dev_t(header.devminor))
        case .fifo:
            archive_entry_set_filetype(entry, fileTypeFIFO)
        }
        archive_entry_set_perm(entry, permissions)
        for xattr in header.xattrs {
            xattr.value.withUnsafeBytes { value in
                archive_entry_xattr_add_entry(entry, xattr.name, value.baseAddress, value.count)
            }
        }
        try output.rethrowPending()
        let code = withUTF8Locale { archive_write_header(archive, entry) }
        try output.rethrowPending()
        // ARCHIVE_WARN: a name that is not valid UTF-8, written as raw bytes with hdrcharset=BINARY.
        guard code == ARCHIVE_OK || (code == ARCHIVE_WARN && !header.isUTF8) else {
            throw ArchiveError.library(
                operation: "write header for '\(String(decoding: header.path, as: UTF8.self))'", code: code,
                message: errorMessage)
        }
    }

    /// Writes file data after a regular file's header.
    func writeData(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var offset = 0
        while offset < bytes.count {
            let written = archive_write_data(archive, base + offset, bytes.count - offset)
            try output.rethrowPending()
            guard written > 0 else {
                throw ArchiveError.library(operation: "write data", code: Int32(written), message: errorMessage)
            }
            offset += written
        }
    }

    /// Makes every later write callback fail without touching the sink: called when the pipeline is
    /// abandoned, so libarchive's final flush in `deinit` does not reach a closed blob writer.
    func abandon() {
        if output.pendingError == nil { output.pendingError = ArchiveError.cancelled }
    }

    /// Writes the end-of-archive blocks, flushes the sink chain and fixes the diffID.
    func close() throws {
        guard !isClosed else { return }
        isClosed = true
        let code = archive_write_close(archive)
        try output.rethrowPending()
        try check(code, "close")
        output.diffID = output.hasher.finalize()
        try output.sink.finish()
    }

    // MARK: - Private helpers

    private var errorMessage: String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    }

    private func check(_ code: Int32, _ operation: String) throws {
        guard code == ARCHIVE_OK else {
            throw ArchiveError.library(operation: operation, code: code, message: errorMessage)
        }
    }
}

/// Where libarchive's write callback delivers bytes: hash them, pass them on, keep any error.
private final class TarOutput {
    let sink: ByteSink
    let hasher = SHA256Hasher()
    var diffID: Digest?
    var pendingError: (any Error)?

    init(sink: ByteSink) { self.sink = sink }

    func accept(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard pendingError == nil else { return -1 }
        hasher.update(bytes)
        do {
            try sink.write(bytes)
            return bytes.count
        } catch {
            pendingError = error
            return -1
        }
    }

    func rethrowPending() throws {
        if let pendingError { throw pendingError }
    }
}

private func tarWriteCallback(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?, _ length: Int
) -> Int {
    guard let client, let buffer else { return -1 }
    let output = Unmanaged<TarOutput>.fromOpaque(client).takeUnretainedValue()
    return output.accept(UnsafeRawBufferPointer(start: buffer, count: length))
}

// libarchive's AE_IF* constants are casts in C, which Swift does not import; the values are POSIX's.
let fileTypeRegular: UInt32 = 0o100000
let fileTypeDirectory: UInt32 = 0o040000
let fileTypeSymlink: UInt32 = 0o120000
let fileTypeCharacter: UInt32 = 0o020000
let fileTypeBlock: UInt32 = 0o060000
let fileTypeFIFO: UInt32 = 0o010000

/// Calls `body` with a NUL-terminated copy of `bytes`.
func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
    var terminated = bytes
    terminated.append(0)
    return try terminated.withUnsafeBufferPointer { buffer in
        try buffer.withMemoryRebound(to: CChar.self) { chars in
            // A non-empty buffer always has a base address.
            guard let base = chars.baseAddress else { preconditionFailure("empty C string buffer") }
            return try body(base)
        }
    }
}
