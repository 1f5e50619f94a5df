// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Change sets → whiteouts, and whiteouts → changes on disk.
@Suite struct WhiteoutTests {
    let scratch: TemporaryDirectory
    let store: LayoutContentStore
    let lower: String
    let upper: String

    init() throws {
        scratch = try TemporaryDirectory("layer-whiteouts")
        store = try LayoutContentStore(path: scratch.child("store"))
        lower = scratch.child("lower")
        upper = scratch.child("new")
        try LayerFixtures.mkdir(lower)
        try LayerFixtures.mkdir(upper)
    }

    private func writeLayer(_ changes: [LayerChange]) throws -> Digest {
        let writer = LayerWriter(store: store, options: .init(compression: .gzip(), sourceDateEpoch: 1000))
        return try writer.write(FilesystemDiff(root: upper, changes: changes)).descriptor.digest
    }

    @Test func directoryReplacedBySymlink() throws {
        try LayerFixtures.mkdir(lower + "/d")
        try LayerFixtures.write(lower + "/d/x", "old\n")
        try LayerFixtures.symlink("target", at: upper + "/d")
        let digest = try writeLayer([.deleted("d"), .added("d")])
        #expect(try LayerFixtures.entryNames(digest, in: store) == ["d"])
        _ = try LayerApplier(store: store).apply(digest, onto: lower)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: lower + "/d") == "target")
    }

    @Test func fileReplacedByDirectory() throws {
        try LayerFixtures.write(lower + "/f", "was a file\n")
        try LayerFixtures.mkdir(upper + "/f")
        try LayerFixtures.write(upper + "/f/y", "new\n")
        let digest = try writeLayer([.deleted("f"), .added("f"), .added("f/y")])
        #expect(try LayerFixtures.entryNames(digest, in: store) == ["f/", "f/.wh..wh..opq", "f/y"])
        _ = try LayerApplier(store: store).apply(digest, onto: lower)
        #expect(LayerFixtures.contents(lower + "/f") == ["y"])
    }

    @Test func deletedThenRecreatedDirectory() throws {
        try LayerFixtures.mkdir(lower + "/r/sub")
        try LayerFixtures.write(lower + "/r/old", "old\n")
        try LayerFixtures.mkdir(upper + "/r")
        try LayerFixtures.write(upper + "/r/new", "new\n")
        let digest = try writeLayer([.deleted("r"), .deleted("r/old"), .added("r"), .added("r/new")])
        #expect(try LayerFixtures.entryNames(digest, in: store) == ["r/", "r/.wh..wh..opq", "r/new"])
        _ = try LayerApplier(store: store).apply(digest, onto: lower)
        #expect(LayerFixtures.contents(lower + "/r") == ["new"])
    }

    @Test func opaqueDirectoryAndNestedDeletions() throws {
        try LayerFixtures.mkdir(lower + "/o")
        try LayerFixtures.write(lower + "/o/hidden", "\n")
        try LayerFixtures.mkdir(lower + "/gone/deep")
        try LayerFixtures.mkdir(lower + "/keep/sub")
        try LayerFixtures.write(lower + "/keep/stay", "\n")
        try LayerFixtures.mkdir(upper + "/o")
        try LayerFixtures.write(upper + "/o/z", "\n")
        try LayerFixtures.mkdir(upper + "/keep")
        let digest = try writeLayer([
            .opaqueDirectory("o"), .added("o/z"), .deleted("gone"), .deleted("gone/deep"), .deleted("keep/sub"),
        ])
        #expect(
            try LayerFixtures.entryNames(digest, in: store) == [
                ".wh.gone", "keep/", "keep/.wh.sub", "o/", "o/.wh..wh..opq", "o/z",
            ])
        _ = try LayerApplier(store: store).apply(digest, onto: lower)
        #expect(LayerFixtures.contents(lower) == ["keep", "o"])
        #expect(LayerFixtures.contents(lower + "/keep") == ["stay"])
        #expect(LayerFixtures.contents(lower + "/o") == ["z"])
    }

    @Test func whiteoutsDoNotHideEntriesOfTheSameLayer() throws {
        try LayerFixtures.mkdir(lower + "/d")
        try LayerFixtures.write(lower + "/d/old", "\n")
        let digest = try LayerFixtures.storeCraftedTar(
            [
                .init(name: "d/", type: "dir"), .init(name: "d/new", data: "n"), .init(name: "d/.wh..wh..opq"),
                .init(name: "d/.wh.new"),
            ],
            in: store, scratch: scratch.path)
        _ = try LayerApplier(store: store).apply(digest, onto: lower)
        #expect(LayerFixtures.contents(lower + "/d") == ["new"])
    }

    @Test(.enabled(if: geteuid() == 0, "overlay whiteouts are 0/0 devices and trusted xattrs (CI runs as root)"))
    func overlayUpperDirectoryBecomesAChangeSet() throws {
        // What overlayfs leaves in an upper directory, made by hand.
        try LayerFixtures.write(upper + "/added", "a\n")
        try #require(mknod(upper + "/deleted", S_IFCHR, 0) == 0)
        try LayerFixtures.mkdir(upper + "/opaque")
        try LayerFixtures.setXattr(upper + "/opaque", name: "trusted.overlay.opaque", value: "y")
        try LayerFixtures.write(upper + "/opaque/inside", "i\n")
        try LayerFixtures.mkdir(upper + "/modified")
        try #require(mknod(upper + "/modified/removed", S_IFCHR, 0) == 0)
        let diff = try FilesystemDiff.fromOverlayUpper(path: upper)
        #expect(
            Set(diff.changes) == [
                .added("added"), .deleted("deleted"), .added("modified"), .deleted("modified/removed"),
                .added("opaque"), .opaqueDirectory("opaque"), .added("opaque/inside"),
            ])
        let result = try LayerWriter(store: store, options: .init(sourceDateEpoch: 1000)).write(diff)
        #expect(
            try LayerFixtures.entryNames(result.descriptor.digest, in: store) == [
                ".wh.deleted", "added", "modified/", "modified/.wh.removed", "opaque/", "opaque/.wh..wh..opq",
                "opaque/inside",
            ])
        // Extracted as an overlay lower directory, the whiteouts come back as overlayfs markers.
        let extracted = scratch.child("extracted")
        _ = try LayerApplier(store: store, options: .init(whiteouts: .overlay)).extract(
            result.descriptor.digest, into: extracted)
        var info = stat()
        #expect(lstat(extracted + "/deleted", &info) == 0 && (info.st_mode & S_IFMT) == S_IFCHR && info.st_rdev == 0)
        #expect(lstat(extracted + "/modified/removed", &info) == 0 && info.st_rdev == 0)
        #expect(try LayerFixtures.getXattr(extracted + "/opaque", name: "trusted.overlay.opaque") == "y")
        // And reading that directory back as an upper gives the same layer.
        let again = try LayerWriter(store: store, options: .init(sourceDateEpoch: 1000)).write(
            FilesystemDiff.fromOverlayUpper(path: extracted))
        #expect(again.diffID == result.diffID)
    }
}
