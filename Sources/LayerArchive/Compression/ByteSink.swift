// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// A stage of a streaming pipeline that accepts bytes and passes them on.
protocol ByteSink: AnyObject {
    /// Accepts bytes. The buffer is only valid for the duration of the call.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Flushes everything buffered downstream. Called once, after the last `write`.
    func finish() throws
}

/// The last stage: bytes go into a content-store blob writer (which hashes and counts them).
final class BlobSink: ByteSink {
    let writer: BlobWriter

    init(_ writer: BlobWriter) { self.writer = writer }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try ArchiveError.wrapStore { try writer.write(bytes) }
    }

    func finish() throws {}
}

/// A growable byte buffer with a stable base address between resizes. Not `Sendable`.
final class ByteBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        self.base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// Makes room for at least `extra` more bytes after `count`.
    func reserve(extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
    var freeSpace: Int { capacity - count }
    var end: UnsafeMutableRawPointer { base + count }
}
