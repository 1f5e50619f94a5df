// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CArchive
import CLayerSupport

/// Compresses one block of a pigz-style parallel gzip stream into raw deflate.
///
/// Each block is compressed independently, primed with the 32 KiB of input before it as a preset
/// dictionary. Every block but the last ends with a sync flush (an empty stored block, so the next
/// block starts on a byte boundary); the last ends with a final block. The concatenation is one valid
/// deflate stream, and since each block's bytes depend only on (dictionary, input, isLast, codec, level),
/// the whole stream is the same whatever the number of threads. Not `Sendable`: one worker owns it.
final class DeflateBlockCompressor {
    private enum Engine {
        case zlib(UnsafeMutablePointer<z_stream>)
        case isal(UnsafeMutablePointer<isal_zstream>, levelBuffer: UnsafeMutableRawPointer, levelBufferSize: UInt32)
    }

    private let engine: Engine
    private let isalLevel: UInt32
    /// The zlib level asked for, and the level the stream is set to now (0 for a stored block).
    private let level: Int32
    private var currentZlibLevel: Int32

    /// - Throws: `ArchiveError.compression` when the codec cannot be initialised.
    init(codec: GzipCodec, level: Int) throws {
        self.level = Int32(level)
        self.currentZlibLevel = Int32(level)
        switch codec {
        case .zlib:
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            // windowBits -15: raw deflate, we write the gzip header and trailer ourselves.
            let code = deflateInit2_(
                stream, Int32(level), Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
                Int32(MemoryLayout<z_stream>.size))
            guard code == Z_OK else {
                stream.deallocate()
                throw ArchiveError.compression(codec: "zlib deflateInit2", code: code, message: "cannot initialise")
            }
            engine = .zlib(stream)
            isalLevel = 0
        case .isal:
            let level = GzipCodec.isalLevel(forGzipLevel: level)
            let size = hoist_isal_level_buffer_size(level)
            let stream = UnsafeMutablePointer<isal_zstream>.allocate(capacity: 1)
            stream.initialize(to: isal_zstream())
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: Int(max(size, 1)), alignment: 64)
            engine = .isal(stream, levelBuffer: buffer, levelBufferSize: size)
            isalLevel = UInt32(level)
        }
    }

    deinit {
        switch engine {
        case .zlib(let stream):
            deflateEnd(stream)
            stream.deallocate()
        case .isal(let stream, let buffer, _):
            stream.deallocate()
            buffer.deallocate()
        }
    }

    /// Compresses `input` and appends the raw deflate bytes to `output`.
    /// - Throws: `ArchiveError.compression` on a codec failure.
    func compress(
        dictionary: UnsafeRawBufferPointer, input: UnsafeRawBufferPointer, isLast: Bool, into output: ByteBuffer
    ) throws {
        switch engine {
        case .zlib(let stream):
            try compressZlib(stream, dictionary: dictionary, input: input, isLast: isLast, into: output)
        case .isal(let stream, let buffer, let size):
            try compressIsal(
                stream, levelBuffer: buffer, levelBufferSize: size, dictionary: dictionary, input: input,
                isLast: isLast, into: output)
        }
    }

    // MARK: - zlib

    private func compressZlib(
        _ stream: UnsafeMutablePointer<z_stream>, dictionary: UnsafeRawBufferPointer, input: UnsafeRawBufferPointer,
        isLast: Bool, into output: ByteBuffer
    ) throws {
        var code = deflateReset(stream)
        // Blocks that are already incompressible (compressed files, random data) are stored rather than
        // searched for matches that are not there: the same output size within 0.01 %, at a fraction of the
        // time. The decision depends only on the block's bytes, so the stream is still the same everywhere.
        let blockLevel = IncompressibleBlock.isLikely(input) ? 0 : level
        if code == Z_OK, blockLevel != currentZlibLevel {
            code = deflateParams(stream, blockLevel, Z_DEFAULT_STRATEGY)
            currentZlibLevel = blockLevel
        }
        if code == Z_OK, let dictionaryBase = dictionary.baseAddress, dictionary.count > 0 {
            code = deflateSetDictionary(
                stream, dictionaryBase.assumingMemoryBound(to: UInt8.self), UInt32(dictionary.count))
        }
        guard code == Z_OK else {
            throw ArchiveError.compression(codec: "zlib deflate", code: code, message: "cannot reset stream")
        }
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        let flush = isLast ? Z_FINISH : Z_SYNC_FLUSH
        while true {
            output.reserve(extra: max(input.count / 2, 16 * 1024))
            let room = output.freeSpace
            stream.pointee.next_out = output.end.assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_out = UInt32(room)
            code = deflate(stream, flush)
            output.count += room - Int(stream.pointee.avail_out)
            if code == Z_STREAM_END { return }
            guard code == Z_OK || code == Z_BUF_ERROR else {
                throw ArchiveError.compression(codec: "zlib deflate", code: code, message: "compression failed")
            }
            if !isLast && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return }
        }
    }

    // MARK: - ISA-L

    private func compressIsal(
        _ stream: UnsafeMutablePointer<isal_zstream>, levelBuffer: UnsafeMutableRawPointer, levelBufferSize: UInt32,
        dictionary: UnsafeRawBufferPointer, input: UnsafeRawBufferPointer, isLast: Bool, into output: ByteBuffer
    ) throws {
        isal_deflate_init(stream)
        stream.pointee.level = isalLevel
        stream.pointee.level_buf = levelBuffer.assumingMemoryBound(to: UInt8.self)
        stream.pointee.level_buf_size = levelBufferSize
        stream.pointee.gzip_flag = UInt16(IGZIP_DEFLATE)
        stream.pointee.end_of_stream = isLast ? 1 : 0
        stream.pointee.flush = UInt16(isLast ? NO_FLUSH : SYNC_FLUSH)
        if let dictionaryBase = dictionary.baseAddress, dictionary.count > 0 {
            let code = isal_deflate_set_dict(
                stream, UnsafeMutablePointer(mutating: dictionaryBase.assumingMemoryBound(to: UInt8.self)),
                UInt32(dictionary.count))
            guard code == COMP_OK else {
                throw ArchiveError.compression(codec: "isal_deflate_set_dict", code: code, message: "rejected")
            }
        }
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        while true {
            output.reserve(extra: max(input.count / 2, 16 * 1024))
            let room = output.freeSpace
            stream.pointee.next_out = output.end.assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_out = UInt32(room)
            let code = isal_deflate(stream)
            output.count += room - Int(stream.pointee.avail_out)
            guard code == COMP_OK else {
                throw ArchiveError.compression(codec: "isal_deflate", code: code, message: "compression failed")
            }
            if isLast {
                if stream.pointee.internal_state.state == ZSTATE_END { return }
            } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 {
                return
            }
        }
    }
}

/// Decides, from a block's bytes alone and with integer arithmetic only (so every machine decides alike),
/// whether deflate would find nothing to gain in it.
enum IncompressibleBlock {
    /// Blocks smaller than this are always compressed.
    static let minimumSize = 64 * 1024

    /// True when the byte histogram is flat (every byte value within ±25 % of its share, as in random or
    /// already-compressed data) and a sample of 8-byte windows shows no repeats (which a flat histogram
    /// alone would miss: a repeated byte ramp is flat yet compresses well).
    static func isLikely(_ input: UnsafeRawBufferPointer) -> Bool {
        guard input.count >= minimumSize else { return false }
        var histogram = [Int](repeating: 0, count: 256)
        for byte in input { histogram[Int(byte)] += 1 }
        let share = input.count / 256
        guard let low = histogram.min(), let high = histogram.max(), low * 4 >= share * 3, high * 4 <= share * 5
        else { return false }
        // 2,048 windows spread over the block; random data repeats none of them.
        let samples = 2048
        let stride = (input.count - 8) / samples
        var seen = Set<UInt64>(minimumCapacity: samples)
        var repeats = 0
        for index in 0..<samples {
            var window: UInt64 = 0
            for offset in 0..<8 { window = window << 8 | UInt64(input[index * stride + offset]) }
            if !seen.insert(window).inserted { repeats += 1 }
        }
        return repeats * 100 <= samples
    }
}

/// CRC-32 (the gzip polynomial) of a buffer; ISA-L's carry-less-multiply implementation.
func gzipCRC32(_ bytes: UnsafeRawBufferPointer, initial: UInt32 = 0) -> UInt32 {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return initial }
    return crc32_gzip_refl(initial, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
}

/// The CRC-32 of two concatenated buffers from their CRCs and the second one's length (zlib).
func combineCRC32(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
    UInt32(truncatingIfNeeded: crc32_combine(UInt(first), UInt(second), secondLength))
}
