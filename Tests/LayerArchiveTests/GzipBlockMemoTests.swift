// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

@testable import LayerArchive

/// A layer written again after one file changed reuses the compressed blocks before the change, and its bytes are
/// exactly those a writer without the memo produces.
struct GzipBlockMemoTests {
    let scratch: TemporaryDirectory
    let tree: String

    init() throws {
        scratch = try TemporaryDirectory("gzip-block-memo")
        tree = scratch.child("tree")
        try FileManager.default.createDirectory(atPath: tree + "/text", withIntermediateDirectories: true)
        for index in 0..<6 {
            let lines = (0..<40_000).map { "\(index) line \($0) level=\($0 % 7) user=u\($0 % 113)\n" }.joined()
            try Data(lines.utf8).write(to: URL(fileURLWithPath: tree + "/text/log\(index).txt"))
        }
        try Data(IncompressibleBlockTests.noise(1 << 20, seed: 5)).write(to: URL(fileURLWithPath: tree + "/noise.bin"))
        try Data("1\n".utf8).write(to: URL(fileURLWithPath: tree + "/version.txt"))
    }

    func write(into store: LayoutContentStore, memo: GzipBlockMemo?, threads: Int = 2) throws -> LayerWriteResult {
        var writer = LayerWriter(
            store: store,
            options: .init(compression: .gzip(level: 6, codec: .zlib), sourceDateEpoch: 1_700_000_000, threads: threads)
        )
        writer.blockMemo = memo
        return try writer.write(directory: tree)
    }

    @Test func rebuildReusesUnchangedBlocksAndWritesTheSameBytes() throws {
        let store = try LayoutContentStore(path: scratch.child("store"))
        let memo = GzipBlockMemo(directory: scratch.child("memo")) { store.blobPath($0) }
        let first = try write(into: store, memo: memo)
        #expect(memo.reusedBlocks == 0)
        let blocks = Int(first.uncompressedSize) / ParallelGzipWriter.blockSize
        #expect(blocks > 20)

        // version.txt comes last in the tar stream: every block before it is the same.
        try Data("2\n".utf8).write(to: URL(fileURLWithPath: tree + "/version.txt"))
        let fresh = GzipBlockMemo(directory: scratch.child("memo")) { store.blobPath($0) }
        let second = try write(into: store, memo: fresh, threads: 1)
        #expect(second.descriptor.digest != first.descriptor.digest)
        #expect(fresh.reusedBlocks >= blocks - 2, "reused \(fresh.reusedBlocks) of \(blocks)")

        let plainStore = try LayoutContentStore(path: scratch.child("plain"))
        let plain = try write(into: plainStore, memo: nil)
        #expect(plain.descriptor == second.descriptor && plain.diffID == second.diffID)
        let gunzip = try Subprocess.run([
            "sh", "-c", "gzip -dc < \"$0\" | sha256sum", store.blobPath(second.descriptor.digest),
        ])
        #expect(gunzip.stdout.hasPrefix(second.diffID.encoded))
    }

    @Test func anIndexWhoseBlobIsGoneIsIgnored() throws {
        let store = try LayoutContentStore(path: scratch.child("store"))
        let memo = GzipBlockMemo(directory: scratch.child("memo")) { store.blobPath($0) }
        let first = try write(into: store, memo: memo)
        try store.deleteBlob(first.descriptor.digest)
        let fresh = GzipBlockMemo(directory: scratch.child("memo")) { store.blobPath($0) }
        let again = try write(into: store, memo: fresh)
        #expect(fresh.reusedBlocks == 0)
        #expect(again.descriptor == first.descriptor)
    }

    @Test func aBlobRewrittenWithOtherBytesIsNotTrusted() throws {
        let store = try LayoutContentStore(path: scratch.child("store"))
        let memo = GzipBlockMemo(directory: scratch.child("memo")) { store.blobPath($0) }
        let first = try write(into: store, memo: memo)
        // A blob file of another size than its index records (truncated on disk) is not read from.
        let path = store.blobPath(first.descriptor.digest)
        _ = chmod(path, 0o644)
        #expect(truncate(path, off_t(first.descriptor.size / 2)) == 0)
        let fresh = GzipBlockMemo(directory: scratch.child("memo")) { store.blobPath($0) }
        let plainStore = try LayoutContentStore(path: scratch.child("plain"))
        var writer = LayerWriter(
            store: plainStore,
            options: .init(compression: .gzip(level: 6, codec: .zlib), sourceDateEpoch: 1_700_000_000, threads: 2))
        writer.blockMemo = fresh
        let again = try writer.write(directory: tree)
        #expect(fresh.reusedBlocks == 0)
        #expect(again.descriptor == first.descriptor)
    }
}
