// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

struct LayoutContentStoreTests {
    let scratch: TemporaryDirectory
    let store: LayoutContentStore

    init() throws {
        scratch = try TemporaryDirectory()
        store = try LayoutContentStore(path: scratch.child("layout"))
    }

    @Test func newLayoutHasTheSpecFiles() throws {
        let header = try String(contentsOfFile: scratch.child("layout/oci-layout"), encoding: .utf8)
        #expect(header == #"{"imageLayoutVersion":"1.0.0"}"#)
        #expect(FileManager.default.fileExists(atPath: scratch.child("layout/blobs/sha256")))
        #expect(try store.readIndex() == ImageIndex())
    }

    @Test func streamedBlobIsNamedByItsDigest() throws {
        let writer = try store.makeBlobWriter()
        var expected = [UInt8]()
        for chunk in 0..<50 {
            let bytes = [UInt8](repeating: UInt8(chunk), count: 10_000 + chunk)
            expected += bytes
            try writer.write(bytes)
        }
        let (digest, size) = try writer.commit()
        #expect(digest == SHA256Hasher.digest(of: expected))
        #expect(size == Int64(expected.count))
        #expect(try store.readBlob(digest) == expected)
        #expect(FileManager.default.fileExists(atPath: store.blobPath(digest)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.child("layout/.hoist/ingest")).isEmpty)
    }

    @Test func wrongExpectedDigestLeavesNothingVisible() throws {
        let writer = try store.makeBlobWriter()
        try writer.write(Array("hello".utf8))
        let claimed = SHA256Hasher.digest(of: Array("other".utf8))
        #expect(
            throws: OCIImageError.digestMismatch(
                expected: claimed, actual: SHA256Hasher.digest(of: Array("hello".utf8)))
        ) {
            try writer.commit(expectedDigest: claimed)
        }
        #expect(try !store.hasBlob(claimed))
        #expect(try store.blobSize(SHA256Hasher.digest(of: Array("hello".utf8))) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.child("layout/.hoist/ingest")).isEmpty)
    }

    @Test func abandonedWriterRemovesItsTemporaryFile() throws {
        do {
            let writer = try store.makeBlobWriter()
            try writer.write(Array("partial".utf8))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.child("layout/.hoist/ingest")).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.child("layout/blobs/sha256")).isEmpty)
    }

    @Test func corruptedBlobIsAnErrorNotData() throws {
        let (digest, _) = try store.writeBlob(Array("the original content".utf8))
        try Data("the tampered content".utf8).write(to: URL(fileURLWithPath: store.blobPath(digest)))
        #expect {
            _ = try store.readBlob(digest)
        } throws: { error in
            guard case OCIImageError.digestMismatch(let expected, _) = error else { return false }
            return expected == digest
        }
    }

    @Test func missingBlobIsReportedByDigest() throws {
        let digest = SHA256Hasher.digest(of: Array("absent".utf8))
        #expect(throws: OCIImageError.blobNotFound(digest)) { _ = try store.openBlob(digest) }
    }

    @Test func readingFromAnOffsetResumes() throws {
        let bytes = Array("0123456789".utf8)
        let (digest, _) = try store.writeBlob(bytes)
        let reader = try store.openBlob(digest, offset: 4)
        #expect(try reader.readToEnd() == Array("456789".utf8))
    }

    @Test func tagsLiveInIndexJSONAsRefNameAnnotations() throws {
        let image = try TestImages.makeImage(in: store, files: ["hello": "hi\n"], scratch: scratch)
        try store.tag(image, as: "docker.io/library/test:1")
        try store.tag(image, as: "docker.io/library/test:2")
        try store.tag(image, as: "docker.io/library/test:1")
        let index = try store.readIndex()
        #expect(
            index.manifests.compactMap(\.referenceName).sorted() == [
                "docker.io/library/test:1", "docker.io/library/test:2",
            ])
        #expect(try store.resolveTag("docker.io/library/test:2")?.digest == image.digest)
        let raw = try String(contentsOfFile: scratch.child("layout/index.json"), encoding: .utf8)
        #expect(raw.contains(#""org.opencontainers.image.ref.name":"docker.io/library/test:1""#))
        try store.untag("docker.io/library/test:2")
        #expect(try store.resolveTag("docker.io/library/test:2") == nil)
        #expect(throws: OCIImageError.tagNotFound("nope")) { try store.untag("nope") }
    }

    @Test func garbageCollectionKeepsWhatTagsReach() throws {
        let kept = try TestImages.makeImage(in: store, files: ["a": "kept"], scratch: scratch)
        let dropped = try TestImages.makeImage(in: store, files: ["b": "dropped"], scratch: scratch)
        let loose = try store.writeBlob(Array("loose".utf8)).digest
        let pinned = try store.writeBlob(Array("pinned".utf8)).digest
        try store.tag(kept, as: "kept:1")
        let keptManifest = try store.readJSON(ImageManifest.self, digest: kept.digest)
        let droppedManifest = try store.readJSON(ImageManifest.self, digest: dropped.digest)

        let report = try store.collectGarbage(extraRoots: [pinned])

        for digest in [kept.digest, keptManifest.config.digest, pinned] + keptManifest.layers.map(\.digest) {
            #expect(try store.hasBlob(digest), "\(digest) must survive")
        }
        let gone = [dropped.digest, droppedManifest.config.digest, loose] + droppedManifest.layers.map(\.digest)
        for digest in gone { #expect(try !store.hasBlob(digest), "\(digest) must be collected") }
        #expect(Set(report.removed) == Set(gone))
        #expect(report.bytesFreed > 0)
    }

    @Test func garbageCollectionWaitsForNoOneAndRefusesWhileAnotherStoreWrites() throws {
        let other = try LayoutContentStore(path: scratch.child("layout"))
        _ = try other.writeBlob(Array("in flight".utf8))
        #expect(throws: OCIImageError.storeBusy(path: scratch.child("layout"))) { try store.collectGarbage() }
    }

    @Test func concurrentTaggersInOneProcessLoseNothing() async throws {
        let image = try TestImages.makeImage(in: store, files: ["x": "y"], scratch: scratch)
        let path = scratch.child("layout")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    let own = try LayoutContentStore(path: path)
                    for n in 0..<25 { try own.tag(image, as: "w\(worker):\(n)") }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.readIndex().manifests.count == 100)
    }

    @Test func foreignDirectoryIsNotALayout() throws {
        let path = scratch.child("other")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data(#"{"imageLayoutVersion":"2.0.0"}"#.utf8).write(to: URL(fileURLWithPath: path + "/oci-layout"))
        #expect(throws: OCIImageError.self) { try LayoutContentStore(path: path) }
        #expect(throws: OCIImageError.self) { try LayoutContentStore(path: scratch.child("absent"), create: false) }
    }
}
