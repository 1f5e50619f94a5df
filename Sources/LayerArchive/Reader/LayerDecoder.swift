// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CArchive
import OCIImage

/// Streams a layer blob's uncompressed tar bytes: gzip (ISA-L inflate), zstd (libzstd) or plain tar,
/// recognised by magic bytes, not by media type. Hashes the uncompressed bytes (the diffID) on the way.
/// The blob reader verifies the compressed bytes against their digest when it reaches the end.
/// Not `Sendable`: one task owns it.
final class LayerDecoder {
    enum Format: String { case plain, gzip, zstd }

    private static let inputSize = 256 * 1024

    private let reader: BlobReader
    private let input: UnsafeMutableRawBufferPointer
    private var inputStart = 0
    private var inputEnd = 0
    private var inputFinished = false
    private(set) var format: Format = .plain
    private let hasher = SHA256Hasher()
    private(set) var uncompressedSize: Int64 = 0
    private var inflater: UnsafeMutablePointer<inflate_state>?
    private var memberFinished = false
    private var zstd: OpaquePointer?
    private var zstdFrameDone = true

    init(reader: BlobReader) throws {
        self.reader = reader
        input = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.inputSize, alignment: 16)
        try refill()
        let head = UnsafeRawBufferPointer(rebasing: input[inputStart..<inputEnd])
        if head.count >= 2 && head[0] == 0x1f && head[1] == 0x8b {
            format = .gzip
            let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
            state.initialize(to: inflate_state())
            inflater = state
            startGzipMember()
        } else if head.count >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd {
            format = .zstd
            guard let context = ZSTD_createDCtx() else {
                throw ArchiveError.compression(codec: "zstd", code: -1, message: "cannot create a context")
            }
            zstd = context
        }
    }

    deinit {
        input.deallocate()
        inflater?.deallocate()
        if let zstd { ZSTD_freeDCtx(zstd) }
    }

    /// The SHA-256 of the uncompressed stream. Call once, after `read` returned 0.
    func finalizeDiffID() -> Digest { hasher.finalize() }

    /// Reads uncompressed bytes.
    /// - Returns: the count; 0 at the end of the blob, after its digest was verified.
    /// - Throws: `ArchiveError.compression` for a corrupt stream, `.content` for a digest mismatch.
    func read(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        let count: Int
        switch format {
        case .plain: count = try readPlain(into: output)
        case .gzip: count = try readGzip(into: output)
        case .zstd: count = try readZstd(into: output)
        }
        if count > 0 {
            hasher.update(UnsafeRawBufferPointer(rebasing: output[..<count]))
            uncompressedSize += Int64(count)
        }
        return count
    }

    /// Reads and hashes everything up to the end of the blob (a tar reader stops at the end-of-archive
    /// blocks; the padding after them still counts for the diffID and the digest).
    func drain(using buffer: UnsafeMutableRawBufferPointer) throws {
        while try read(into: buffer) > 0 {}
    }

    // MARK: - Formats

    private func readPlain(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        if inputStart == inputEnd { try refill() }
        let count = min(output.count, inputEnd - inputStart)
        guard count > 0, let base = output.baseAddress, let source = input.baseAddress else { return 0 }
        base.copyMemory(from: source + inputStart, byteCount: count)
        inputStart += count
        return count
    }

    private func startGzipMember() {
        guard let inflater else { return }
        isal_inflate_init(inflater)
        inflater.pointee.crc_flag = UInt32(ISAL_GZIP)
        memberFinished = false
    }

    private func readGzip(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let inflater, let outputBase = output.baseAddress, let inputBase = input.baseAddress else { return 0 }
        while true {
            if memberFinished {
                if inputStart == inputEnd { try refill() }
                if inputStart == inputEnd { return 0 }
                // Another member follows (concatenated gzip, RFC 1952 §2.2), or zero padding.
                if try skipZeroPadding() { return 0 }
                startGzipMember()
            }
            if inputStart == inputEnd { try refill() }
            inflater.pointee.next_in = (inputBase + inputStart).assumingMemoryBound(to: UInt8.self)
            inflater.pointee.avail_in = UInt32(inputEnd - inputStart)
            inflater.pointee.next_out = outputBase.assumingMemoryBound(to: UInt8.self)
            inflater.pointee.avail_out = UInt32(output.count)
            let code = isal_inflate(inflater)
            inputStart = inputEnd - Int(inflater.pointee.avail_in)
            guard code >= 0 else {
                throw ArchiveError.compression(codec: "gzip", code: code, message: Self.inflateMessage(code))
            }
            if inflater.pointee.block_state == ISAL_BLOCK_FINISH { memberFinished = true }
            let produced = output.count - Int(inflater.pointee.avail_out)
            if produced > 0 { return produced }
            if !memberFinished && inputStart == inputEnd && inputFinished {
                throw ArchiveError.compression(codec: "gzip", code: -1, message: "the stream is truncated")
            }
        }
    }

    /// After a member: true when only zero bytes remain (tolerated, as `gzip -d` does).
    private func skipZeroPadding() throws -> Bool {
        while true {
            while inputStart < inputEnd {
                if input[inputStart] != 0 { return false }
                inputStart += 1
            }
            try refill()
            if inputStart == inputEnd { return true }
        }
    }

    private func readZstd(into output: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let zstd, let inputBase = input.baseAddress else { return 0 }
        while true {
            if inputStart == inputEnd { try refill() }
            if inputStart == inputEnd && inputFinished && zstdFrameDone { return 0 }
            var source = ZSTD_inBuffer(src: inputBase + inputStart, size: inputEnd - inputStart, pos: 0)
            var destination = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let code = ZSTD_decompressStream(zstd, &destination, &source)
            if ZSTD_isError(code) != 0 {
                throw ArchiveError.compression(
                    codec: "zstd", code: Int32(truncatingIfNeeded: code),
                    message: String(cString: ZSTD_getErrorName(code)))
            }
            inputStart += source.pos
            zstdFrameDone = code == 0
            if destination.pos > 0 { return destination.pos }
            if !zstdFrameDone && inputStart == inputEnd && inputFinished {
                throw ArchiveError.compression(codec: "zstd", code: -1, message: "the stream is truncated")
            }
        }
    }

    private func refill() throws {
        if inputStart < inputEnd || inputFinished { return }
        inputStart = 0
        inputEnd = 0
        let count = try ArchiveError.wrapStore { try reader.read(into: input) }
        if count == 0 { inputFinished = true }
        inputEnd = count
    }

    private static func inflateMessage(_ code: Int32) -> String {
        switch code {
        case ISAL_INVALID_BLOCK: "invalid deflate block"
        case ISAL_INVALID_SYMBOL: "invalid deflate symbol"
        case ISAL_INVALID_LOOKBACK: "invalid deflate distance"
        case ISAL_INVALID_WRAPPER: "invalid gzip header"
        case ISAL_UNSUPPORTED_METHOD: "unsupported gzip method"
        case ISAL_INCORRECT_CHECKSUM: "CRC-32 or length does not match the data"
        default: "corrupt gzip stream"
        }
    }
}
