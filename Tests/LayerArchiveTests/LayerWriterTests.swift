// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct LayerWriterTests {
    let scratch: TemporaryDirectory
    let store: LayoutContentStore

    init() throws {
        scratch = try TemporaryDirectory("layer-writer")
        store = try LayoutContentStore(path: scratch.child("store"))
    }

    /// A fixed tree of plain files (no ownership or device needs) with an epoch: digest pinned.
    /// The gzip digest is pinned for ISA-L 2.30 and zlib 1.2.13 (Debian 12); see specs/layers.md.
    @Test(.enabled(if: geteuid() == 0, "owning the tree as 0:0 needs root (CI runs as root)"))
    func goldenLayerDigests() throws {
        let root = scratch.child("golden")
        try LayerFixtures.mkdir(root)
        try LayerFixtures.write(root + "/a.txt", "alpha\n")
        try LayerFixtures.mkdir(root + "/sub", mode: 0o750)
        try LayerFixtures.write(root + "/sub/b.bin", String(repeating: "0123456789abcdef", count: 40_000), mode: 0o600)
        try LayerFixtures.symlink("../a.txt", at: root + "/sub/link")
        _ = try Subprocess.run(["chown", "-R", "-h", "0:0", root])
        let cases: [(LayerCompression, String)] = [
            (.uncompressed, "sha256:f3c37025280765db8de2fc018936ea746603ff13e3c8d54801b5d4a53cc0c695"),
            (.gzip(level: 6, codec: .isal), "sha256:06510fc68101f5a7b447afe80f661add09cc4b4b4c6b3639d80c27c0ad7d6347"),
            (.gzip(level: 6, codec: .zlib), "sha256:db88c98a3d61c14c6567e7e2ff62d78ece4bc0f6cc3da1076cea028112decc74"),
        ]
        for (compression, expected) in cases {
            let writer = LayerWriter(
                store: store, options: .init(compression: compression, sourceDateEpoch: 1_700_000_000, threads: 2))
            let result = try writer.write(directory: root)
            #expect(result.descriptor.digest.description == expected, "\(compression)")
            #expect(
                result.diffID.description == "sha256:f3c37025280765db8de2fc018936ea746603ff13e3c8d54801b5d4a53cc0c695")
        }
    }

    @Test(arguments: [
        LayerCompression.gzip(level: 6, codec: .isal), .gzip(level: 1, codec: .isal), .gzip(level: 6, codec: .zlib),
        .gzip(level: 9, codec: .zlib), .zstd(level: 3),
    ])
    func sameDigestForAnyThreadCount(compression: LayerCompression) throws {
        let root = scratch.child("tree")
        try LayerFixtures.makeRichTree(at: root)
        // Over 4 blocks of 256 KiB, mixing incompressible and text data.
        let random = (0..<700_000).map { _ in UInt8.random(in: 0...255) }
        try Data(random).write(to: URL(fileURLWithPath: root + "/random.bin"))
        var digests = Set<Digest>()
        var diffIDs = Set<Digest>()
        for threads in [1, 2, 3, 8] {
            let writer = LayerWriter(
                store: store, options: .init(compression: compression, sourceDateEpoch: 1000, threads: threads))
            let result = try writer.write(directory: root)
            digests.insert(result.descriptor.digest)
            diffIDs.insert(result.diffID)
            #expect(result.descriptor.mediaType == compression.mediaType)
            #expect(try store.blobSize(result.descriptor.digest) == result.descriptor.size)
        }
        #expect(digests.count == 1)
        #expect(diffIDs.count == 1)
    }

    @Test func gzipRoundTripsThroughGzipAndPigzWithTheDiffID() throws {
        try Subprocess.requireTool("pigz", package: "pigz")
        let root = scratch.child("tree")
        try LayerFixtures.makeRichTree(at: root)
        let random = (0..<600_000).map { _ in UInt8.random(in: 0...255) }
        try Data(random).write(to: URL(fileURLWithPath: root + "/random.bin"))
        for codec in GzipCodec.allCases {
            let result = try LayerWriter(store: store, options: .init(compression: .gzip(codec: codec)))
                .write(directory: root)
            let blob = store.blobPath(result.descriptor.digest)
            for tool in [["gzip", "-dc", blob], ["pigz", "-dc", blob]] {
                let output = try Subprocess.run(tool)
                #expect(output.succeeded, "\(tool): \(output.stderr)")
                #expect(SHA256Hasher.digest(of: output.stdoutBytes) == result.diffID)
                #expect(Int64(output.stdoutBytes.count) == result.uncompressedSize)
            }
            // Fixed header: magic, deflate, no flags, mtime 0, XFL 0, OS 255.
            let head = try [UInt8](Data(contentsOf: URL(fileURLWithPath: blob)).prefix(10))
            #expect(head == [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])
        }
    }

    @Test func entriesAreSortedNumericAndClamped() throws {
        let root = scratch.child("tree")
        try LayerFixtures.makeRichTree(at: root)
        let result = try LayerWriter(store: store, options: .init(compression: .uncompressed, sourceDateEpoch: 1000))
            .write(directory: root)
        let listing = try Subprocess.run([
            "tar", "--numeric-owner", "--full-time", "-tvf", store.blobPath(result.descriptor.digest),
        ])
        #expect(listing.succeeded)
        for line in listing.stdout.split(separator: "\n") {
            #expect(line.contains("1970-01-01 00:16:40"), "mtime clamped: \(line)")
        }
        let names = try LayerFixtures.entryNames(result.descriptor.digest, in: store)
        let components = names.map { $0.split(separator: "/").map { Array($0.utf8) } }
        for (left, right) in zip(components, components.dropFirst()) {
            #expect(
                zip(left, right).first { $0 != $1 }.map { $0.lexicographicallyPrecedes($1) }
                    ?? (left.count < right.count),
                "\(left) before \(right)")
        }
        // No user or group names, no atime/ctime records.
        let pax = try Subprocess.run([
            "python3", "-c",
            """
            import tarfile, sys
            t = tarfile.open(sys.argv[1])
            for m in t.getmembers():
                assert m.uname == '' and m.gname == '', m.name
                assert not ({'atime', 'ctime'} & set(m.pax_headers)), m.pax_headers
                print(m.name, m.type.decode(), m.linkname, ','.join(sorted(m.pax_headers)))
            """, store.blobPath(result.descriptor.digest),
        ])
        #expect(pax.succeeded, "\(pax.stderr)")
        #expect(pax.stdout.contains("hardlink 1 dir/nested/data.txt"))
        #expect(pax.stdout.contains("SCHILY.xattr.user.hoist"))
        #expect(pax.stdout.contains("ünïcødé-名前.txt"))
    }

    @Test func refusesNamesReservedForWhiteouts() throws {
        let root = scratch.child("tree")
        try LayerFixtures.mkdir(root)
        try LayerFixtures.write(root + "/.wh.sneaky", "")
        #expect(throws: ArchiveError.self) { try LayerWriter(store: store).write(directory: root) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.child("store/.hoist/ingest")).isEmpty)
    }

    @Test func asyncWriteMatchesSyncWrite() async throws {
        let root = scratch.child("tree")
        try LayerFixtures.makeRichTree(at: root)
        let writer = LayerWriter(store: store, options: .init(sourceDateEpoch: 1000))
        let viaSync = try { () throws -> LayerWriteResult in try writer.write(directory: root) }()
        let viaAsync = try await writer.write(directory: root)
        #expect(viaSync == viaAsync)
    }

    @Test func cancellingTheTaskStopsTheWriterAndLeavesNoBlob() async throws {
        let root = scratch.child("many")
        try LayerFixtures.mkdir(root)
        for index in 0..<3000 { try LayerFixtures.write(root + "/file-\(index)", "content \(index)\n") }
        let writer = LayerWriter(store: store)
        let task = Task { try await writer.write(directory: root) }
        task.cancel()
        await #expect(throws: ArchiveError.self) { try await task.value }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.child("store/.hoist/ingest")).isEmpty)
    }
}
