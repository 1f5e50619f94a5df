// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// A gzip compressor that spreads deflate over several threads the way pigz does, and still writes
/// one standard gzip member whose bytes do not depend on the thread count.
///
/// The input is cut into fixed `blockSize` blocks (the cut points are part of the format: changing
/// them changes every digest). Worker threads compress blocks (see `DeflateBlockCompressor`) while the
/// caller's thread keeps producing input; finished blocks are written downstream in order, and their
/// CRC-32s are combined for the trailer. At most `2 × threads` blocks are in flight, so memory is
/// bounded whatever the input size. Not `Sendable`: one task owns it.
final class ParallelGzipWriter: ByteSink {
    /// Uncompressed bytes per block. Fixed: see the type's documentation.
    static let blockSize = 256 * 1024
    /// The deflate window, and so the dictionary each block is primed with.
    static let dictionarySize = 32 * 1024

    /// The 10-byte gzip header: magic, CM=8 (deflate), FLG=0 (no name, comment, extra or header CRC),
    /// MTIME=0, XFL=0, OS=255 ("unknown", as Go's compress/gzip writes, so the bytes do not depend on the
    /// host). RFC 1952 §2.3.
    static let header: [UInt8] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]

    private let downstream: ByteSink
    private let pool: CompressionPool?
    private let inlineCompressor: DeflateBlockCompressor?
    private var current: CompressionJob
    private var freeJobs: [CompressionJob] = []
    private var pending: [CompressionJob] = []
    private var pendingHead = 0
    private var crc: UInt32 = 0
    private var totalInput: UInt64 = 0
    private var wroteHeader = false
    private var isFinished = false
    /// Earlier blobs' blocks, for zlib streams; and this stream's blocks as written, for the memo's index.
    private let memo: GzipBlockMemo?
    private let level: Int
    private(set) var blockRecords: [GzipBlockMemo.Record] = []
    private var writtenLength: Int64 = 0

    /// - Parameters:
    ///   - downstream: receives the gzip bytes.
    ///   - codec: the deflate implementation.
    ///   - level: the gzip level, 1–9.
    ///   - threads: compression threads; 1 compresses on the caller's thread.
    ///   - memo: earlier blobs' compressed blocks to reuse (zlib only; ignored for ISA-L).
    init(downstream: ByteSink, codec: GzipCodec, level: Int, threads: Int, memo: GzipBlockMemo? = nil) throws {
        self.downstream = downstream
        self.memo = codec == .zlib ? memo : nil
        self.level = level
        let threads = max(1, threads)
        if threads == 1 {
            inlineCompressor = try DeflateBlockCompressor(codec: codec, level: level)
            pool = nil
        } else {
            // Fail early, on this thread, if the codec cannot start.
            _ = try DeflateBlockCompressor(codec: codec, level: level)
            inlineCompressor = nil
            pool = CompressionPool(threads: threads, codec: codec, level: level)
        }
        // Two slots at least, so the block being submitted is never recycled as the next one before its
        // last 32 KiB were copied as the next block's dictionary.
        let slots = max(2, 2 * threads)
        current = CompressionJob(memo: self.memo, level: level)
        for _ in 1..<slots { freeJobs.append(CompressionJob(memo: self.memo, level: level)) }
    }

    deinit { pool?.shutdown() }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            if current.inputLength == Self.blockSize { try submitCurrent(isLast: false) }
            let count = min(Self.blockSize - current.inputLength, remaining)
            (current.input + current.inputLength).copyMemory(from: source, byteCount: count)
            current.inputLength += count
            source += count
            remaining -= count
        }
    }

    func finish() throws {
        precondition(!isFinished, "ParallelGzipWriter finished twice")
        isFinished = true
        try submitCurrent(isLast: true)
        while pendingHead < pending.count { try drainHead() }
        var trailer = [UInt8](repeating: 0, count: 8)
        let size = UInt32(truncatingIfNeeded: totalInput)
        for index in 0..<4 {
            trailer[index] = UInt8(truncatingIfNeeded: crc >> (8 * index))
            trailer[4 + index] = UInt8(truncatingIfNeeded: size >> (8 * index))
        }
        try trailer.withUnsafeBytes { try downstream.write($0) }
        pool?.shutdown()
        try downstream.finish()
    }

    // MARK: - Private helpers

    private func submitCurrent(isLast: Bool) throws {
        let job = current
        job.isLast = isLast
        totalInput += UInt64(job.inputLength)
        pending.append(job)
        if let inlineCompressor {
            job.run(with: inlineCompressor)
        } else if let pool {
            pool.submit(job)
        }
        guard !isLast else { return }
        let next: CompressionJob
        if let free = freeJobs.popLast() {
            next = free
        } else {
            try drainHead()
            next = freeJobs.popLast() ?? CompressionJob(memo: memo, level: level)
        }
        // The job being compressed only reads its input, so copying its tail concurrently is safe.
        next.dictionary.copyMemory(
            from: job.input + (job.inputLength - Self.dictionarySize), byteCount: Self.dictionarySize)
        next.dictionaryLength = Self.dictionarySize
        next.inputLength = 0
        current = next
        // Write out whatever has finished meanwhile, without waiting.
        while pendingHead < pending.count, pool?.isDone(pending[pendingHead]) ?? true { try drainHead() }
    }

    private func drainHead() throws {
        let job = pending[pendingHead]
        pool?.waitUntilDone(job)
        pendingHead += 1
        if pendingHead > 64 {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        if let error = job.error { throw error }
        if !wroteHeader {
            wroteHeader = true
            try Self.header.withUnsafeBytes { try downstream.write($0) }
            writtenLength = Int64(Self.header.count)
        }
        try downstream.write(job.output.bytes)
        if let key = job.key {
            blockRecords.append(.init(key: key, offset: writtenLength, length: job.output.count))
        }
        writtenLength += Int64(job.output.count)
        crc = combineCRC32(crc, job.crc, secondLength: job.inputLength)
        job.reset()
        freeJobs.append(job)
    }
}

/// One block on its way through the pool.
///
/// `@unchecked Sendable`: a job is handed from the producer to exactly one worker and back through
/// `CompressionPool.condition`; only its holder touches the fields, and the `isDone` flag is read and
/// written under that lock.
final class CompressionJob: @unchecked Sendable {
    let dictionary: UnsafeMutableRawPointer
    let input: UnsafeMutableRawPointer
    var dictionaryLength = 0
    var inputLength = 0
    var isLast = false
    let output = ByteBuffer(capacity: ParallelGzipWriter.blockSize + ParallelGzipWriter.blockSize / 8)
    var crc: UInt32 = 0
    var error: (any Error)?
    var isDone = false
    /// With a memo: where earlier blocks may be found, the level, and this block's key once known.
    let memo: GzipBlockMemo?
    let level: Int
    var key: GzipBlockMemo.Key?

    init(memo: GzipBlockMemo?, level: Int) {
        self.memo = memo
        self.level = level
        dictionary = UnsafeMutableRawPointer.allocate(byteCount: ParallelGzipWriter.dictionarySize, alignment: 16)
        input = UnsafeMutableRawPointer.allocate(byteCount: ParallelGzipWriter.blockSize, alignment: 16)
    }

    deinit {
        dictionary.deallocate()
        input.deallocate()
    }

    func run(with compressor: DeflateBlockCompressor) {
        let bytes = UnsafeRawBufferPointer(start: input, count: inputLength)
        crc = gzipCRC32(bytes)
        let dictionary = UnsafeRawBufferPointer(start: dictionary, count: dictionaryLength)
        if let memo {
            let key = GzipBlockMemo.key(level: level, isLast: isLast, dictionary: dictionary, input: bytes)
            self.key = key
            if memo.reuse(key, into: output) { return }
        }
        do {
            try compressor.compress(dictionary: dictionary, input: bytes, isLast: isLast, into: output)
        } catch {
            self.error = error
        }
    }

    func reset() {
        output.count = 0
        error = nil
        isDone = false
        isLast = false
        inputLength = 0
        dictionaryLength = 0
        key = nil
    }
}

/// A fixed set of worker threads compressing blocks in submission order.
///
/// `@unchecked Sendable`: `queue`, `isStopping`, `runningWorkers` and every job's `isDone` are only
/// touched while holding `condition`.
final class CompressionPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [CompressionJob] = []
    private var isStopping = false
    private var runningWorkers = 0

    init(threads: Int, codec: GzipCodec, level: Int) {
        runningWorkers = threads
        for index in 0..<threads {
            let thread = Thread { [self] in self.workerLoop(codec: codec, level: level) }
            thread.name = "hoist-gzip-\(index)"
            thread.start()
        }
    }

    func submit(_ job: CompressionJob) {
        condition.lock()
        queue.append(job)
        condition.broadcast()
        condition.unlock()
    }

    func isDone(_ job: CompressionJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return job.isDone
    }

    func waitUntilDone(_ job: CompressionJob) {
        condition.lock()
        while !job.isDone { condition.wait() }
        condition.unlock()
    }

    /// Stops the workers once the queue is empty and waits for them to exit. Idempotent.
    func shutdown() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        while runningWorkers > 0 { condition.wait() }
        condition.unlock()
    }

    private func workerLoop(codec: GzipCodec, level: Int) {
        let compressor = try? DeflateBlockCompressor(codec: codec, level: level)
        while true {
            condition.lock()
            while queue.isEmpty && !isStopping { condition.wait() }
            if queue.isEmpty {
                runningWorkers -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = queue.removeFirst()
            condition.unlock()
            if let compressor {
                job.run(with: compressor)
            } else {
                job.error = ArchiveError.compression(codec: "\(codec)", code: -1, message: "cannot initialise")
            }
            condition.lock()
            job.isDone = true
            condition.broadcast()
            condition.unlock()
        }
    }
}
