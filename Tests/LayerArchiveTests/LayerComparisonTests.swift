// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `LayerComparison` names the first entry, in tar order, in which two layers differ, and every way it differs.
@Suite struct LayerComparisonTests {
    let scratch: TemporaryDirectory
    let first: LayoutContentStore
    let second: LayoutContentStore

    init() throws {
        scratch = try TemporaryDirectory("layer-comparison")
        first = try LayoutContentStore(path: scratch.child("first"))
        second = try LayoutContentStore(path: scratch.child("second"))
    }

    /// A small tree: `/a.txt`, `/dir/b.txt`, `/dir/link -> b.txt`; `change` alters it before it is written.
    private func layer(
        _ name: String, in store: LayoutContentStore, epoch: Int64? = 1_700_000_000,
        change: (String) throws -> Void = { _ in }
    ) async throws -> Digest {
        let root = scratch.child(name)
        try LayerFixtures.mkdir(root)
        try LayerFixtures.write(root + "/a.txt", "alpha\n")
        try LayerFixtures.mkdir(root + "/dir")
        try LayerFixtures.write(root + "/dir/b.txt", "bravo\n")
        try LayerFixtures.symlink("b.txt", at: root + "/dir/link")
        try change(root)
        let writer = LayerWriter(store: store, options: .init(compression: .gzip(), sourceDateEpoch: epoch))
        return try await writer.write(directory: root).descriptor.digest
    }

    private func compare(_ a: Digest, _ b: Digest) async throws -> LayerComparison.Result {
        try await LayerComparison.compare(a, in: first, with: b, in: second)
    }

    @Test func theSameTreeIsIdentical() async throws {
        let a = try await layer("same-1", in: first)
        let b = try await layer("same-2", in: second)
        #expect(try await compare(a, b) == .identical)
    }

    @Test func contentOfTheSameSizeDiffers() async throws {
        let a = try await layer("content-1", in: first)
        let b = try await layer("content-2", in: second) { try LayerFixtures.write($0 + "/dir/b.txt", "BRAVO\n") }
        guard case .entry(let difference) = try await compare(a, b) else {
            Issue.record("the layers compared equal")
            return
        }
        #expect(difference.path == "/dir/b.txt")
        #expect(difference.fields == [.content])
        #expect(difference.description == "/dir/b.txt: content differs")
    }

    @Test func everyWayAnEntryDiffersIsNamed() async throws {
        let a = try await layer("meta-1", in: first)
        let b = try await layer("meta-2", in: second) {
            try LayerFixtures.write($0 + "/a.txt", "alpha, longer\n", mode: 0o600)
        }
        guard case .entry(let difference) = try await compare(a, b) else {
            Issue.record("the layers compared equal")
            return
        }
        #expect(difference.path == "/a.txt")
        #expect(difference.fields == [.mode(0o644, 0o600), .size(6, 14), .content])
        #expect(
            difference.description
                == "/a.txt: mode differs (0644 vs 0600), size differs (6 vs 14 bytes), content differs")
    }

    @Test func aLinkTargetDiffers() async throws {
        let a = try await layer("link-1", in: first)
        let b = try await layer("link-2", in: second) { root in
            unlink(root + "/dir/link")
            try LayerFixtures.symlink("../a.txt", at: root + "/dir/link")
        }
        guard case .entry(let difference) = try await compare(a, b) else {
            Issue.record("the layers compared equal")
            return
        }
        #expect(difference.path == "/dir/link")
        #expect(difference.fields == [.linkTarget("b.txt", "../a.txt")])
    }

    @Test func anEntryOnlyOneLayerHasIsNamed() async throws {
        let a = try await layer("extra-1", in: first) { try LayerFixtures.write($0 + "/dir/c.txt", "charlie\n") }
        let b = try await layer("extra-2", in: second)
        guard case .entry(let difference) = try await compare(a, b) else {
            Issue.record("the layers compared equal")
            return
        }
        #expect(difference.path == "/dir/c.txt")
        #expect(difference.fields == [.path(other: "/dir/link")])

        let tail = try await layer("tail-1", in: first) { try LayerFixtures.write($0 + "/z.txt", "zulu\n") }
        guard case .entry(let last) = try await compare(tail, b) else {
            Issue.record("the layers compared equal")
            return
        }
        #expect(last.path == "/z.txt")
        #expect(last.fields == [.onlyInFirst])
    }

    @Test func mtimesDifferWithoutAnEpoch() async throws {
        /// Every entry at `seconds`, `/a.txt` at `fileSeconds`.
        func setTimes(_ root: String, _ seconds: Int, file fileSeconds: Int) {
            for path in ["/dir/link", "/dir/b.txt", "/dir", "/a.txt", ""] {
                let value = path == "/a.txt" ? fileSeconds : seconds
                var times = [timespec(tv_sec: value, tv_nsec: 0), timespec(tv_sec: value, tv_nsec: 0)]
                _ = utimensat(AT_FDCWD, root + path, &times, AT_SYMLINK_NOFOLLOW)
            }
        }
        let a = try await layer("time-1", in: first, epoch: nil) { setTimes($0, 1_000_000_000, file: 1_000_000_000) }
        let b = try await layer("time-2", in: second, epoch: nil) { setTimes($0, 1_000_000_000, file: 1_100_000_000) }
        guard case .entry(let difference) = try await compare(a, b) else {
            Issue.record("the layers compared equal")
            return
        }
        #expect(difference.path == "/a.txt")
        #expect(difference.fields == [.mtime(1_000_000_000, 1_100_000_000)])
    }
}
