// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CArchive

/// A streaming zstd compressor (libzstd).
///
/// libzstd's multi-threaded mode is used even for one thread (`nbWorkers` ≥ 1), because its output is
/// the same for every worker count from 1 up, and differs from the single-threaded mode's (zstd.h,
/// `ZSTD_c_nbWorkers`). Not `Sendable`: one task owns it.
final class ZstdWriter: ByteSink {
    private let context: OpaquePointer
    private let downstream: ByteSink
    private let output: UnsafeMutableRawPointer
    private let outputSize = ZSTD_CStreamOutSize()

    /// - Throws: `ArchiveError.compression` when libzstd rejects a parameter.
    init(downstream: ByteSink, level: Int, threads: Int) throws {
        guard let context = ZSTD_createCCtx() else {
            throw ArchiveError.compression(codec: "zstd", code: -1, message: "cannot create a compression context")
        }
        self.context = context
        self.downstream = downstream
        self.output = UnsafeMutableRawPointer.allocate(byteCount: outputSize, alignment: 16)
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, Int32(level)))
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_nbWorkers, Int32(max(1, threads))))
        // A fixed job size keeps memory bounded and the output independent of defaults that may change.
        try check(ZSTD_CCtx_setParameter(context, ZSTD_c_jobSize, 1 << 20))
    }

    deinit {
        ZSTD_freeCCtx(context)
        output.deallocate()
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        var input = ZSTD_inBuffer(src: bytes.baseAddress, size: bytes.count, pos: 0)
        while input.pos < input.size {
            try step(&input, ZSTD_e_continue)
        }
    }

    func finish() throws {
        var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
        while try step(&input, ZSTD_e_end) != 0 {}
        try downstream.finish()
    }

    // MARK: - Private helpers

    @discardableResult
    private func step(_ input: inout ZSTD_inBuffer, _ directive: ZSTD_EndDirective) throws -> Int {
        var out = ZSTD_outBuffer(dst: output, size: outputSize, pos: 0)
        let remaining = ZSTD_compressStream2(context, &out, &input, directive)
        try check(remaining)
        if out.pos > 0 { try downstream.write(UnsafeRawBufferPointer(start: output, count: out.pos)) }
        return remaining
    }

    private func check(_ code: Int) throws {
        if ZSTD_isError(code) != 0 {
            throw ArchiveError.compression(
                codec: "zstd", code: Int32(truncatingIfNeeded: code), message: String(cString: ZSTD_getErrorName(code)))
        }
    }
}
