// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Snapshot → change the tree → diff: the changes a layer needs, and nothing else.
@Suite struct SnapshotDiffTests {
    let scratch: TemporaryDirectory
    let store: LayoutContentStore
    let root: String

    init() throws {
        scratch = try TemporaryDirectory("snapshot-diff")
        store = try LayoutContentStore(path: scratch.child("store"))
        root = scratch.child("root")
        try LayerFixtures.mkdir(root)
        try LayerFixtures.mkdir(root + "/etc")
        try LayerFixtures.write(root + "/etc/config", "key=value\n")
        try LayerFixtures.write(root + "/etc/other", "other\n")
        try LayerFixtures.mkdir(root + "/tree/deeper/deepest")
        try LayerFixtures.write(root + "/tree/a", "a\n")
        try LayerFixtures.write(root + "/tree/deeper/b", "b\n")
        try LayerFixtures.write(root + "/tree/deeper/deepest/c", "c\n")
        try LayerFixtures.symlink("etc/config", at: root + "/link")
        try LayerFixtures.write(root + "/tagged", "tagged\n")
        try LayerFixtures.setXattr(root + "/tagged", name: "user.hoist", value: "one")
    }

    private func changes(
        _ change: () throws -> Void, options: FilesystemSnapshot.Options = .init()
    ) throws -> Set<LayerChange> {
        let snapshot = try FilesystemSnapshot.capture(root: root, options: options)
        try change()
        let diff = try snapshot.diff(against: root)
        #expect(diff.root == root)
        #expect(diff.changes.count == Set(diff.changes).count, "a change is reported twice: \(diff.changes)")
        return Set(diff.changes)
    }

    /// Rewrites a file in place (same inode), truncating it first.
    private func overwrite(_ path: String, _ text: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    private func lstatInfo(_ path: String) throws -> stat {
        var info = stat()
        try #require(lstat(path, &info) == 0, "lstat \(path)")
        return info
    }

    // MARK: - What counts as a change

    @Test(arguments: [false, true])
    func untouchedTreeHasNoChanges(recordsContentDigests: Bool) throws {
        // Reading files, listing directories and a second capture change nothing a layer carries.
        let found = try changes(
            {
                _ = try Data(contentsOf: URL(fileURLWithPath: root + "/etc/config"))
                _ = LayerFixtures.contents(root + "/tree")
                _ = try FilesystemSnapshot.capture(root: root)
            }, options: .init(recordsContentDigests: recordsContentDigests))
        #expect(found.isEmpty)
    }

    @Test func addedFilesAndDirectoriesListTheirContent() throws {
        let found = try changes {
            try LayerFixtures.write(root + "/etc/added", "new\n")
            try LayerFixtures.mkdir(root + "/opt/tool/bin")
            try LayerFixtures.write(root + "/opt/tool/bin/run", "#!/bin/sh\n", mode: 0o755)
        }
        #expect(
            found == [
                .added("etc/added"), .modified("etc"), .added("opt"), .added("opt/tool"), .added("opt/tool/bin"),
                .added("opt/tool/bin/run"),
            ])
    }

    @Test func contentChangeIsAModification() throws {
        let found = try changes { try overwrite(root + "/etc/config", "key=other value\n") }
        #expect(found == [.modified("etc/config")])
    }

    @Test func deletedFileAndItsParent() throws {
        let found = try changes { try FileManager.default.removeItem(atPath: root + "/etc/config") }
        #expect(found == [.deleted("etc/config"), .modified("etc")])
    }

    @Test func deletedTreeIsOneDeletionAndOneWhiteout() throws {
        let snapshot = try FilesystemSnapshot.capture(root: root)
        try FileManager.default.removeItem(atPath: root + "/tree")
        let diff = try snapshot.diff(against: root)
        #expect(diff.changes == [.deleted("tree")])
        let layer = try LayerWriter(store: store, options: .init(sourceDateEpoch: 1000)).write(diff)
        #expect(try LayerFixtures.entryNames(layer.descriptor.digest, in: store) == [".wh.tree"])
    }

    @Test func typeChangesAreDeletedAndAdded() throws {
        let found = try changes {
            try FileManager.default.removeItem(atPath: root + "/etc/other")
            try LayerFixtures.mkdir(root + "/etc/other")
            try LayerFixtures.write(root + "/etc/other/inside", "i\n")
            try FileManager.default.removeItem(atPath: root + "/tree")
            try LayerFixtures.symlink("etc", at: root + "/tree")
        }
        #expect(
            found == [
                .deleted("etc/other"), .added("etc/other"), .added("etc/other/inside"), .modified("etc"),
                .deleted("tree"), .added("tree"),
            ])
    }

    @Test func chmodIsAModification() throws {
        let found = try changes {
            try #require(chmod(root + "/etc/config", 0o600) == 0)
            try #require(chmod(root + "/tree/deeper", 0o700) == 0)
        }
        #expect(found == [.modified("etc/config"), .modified("tree/deeper")])
    }

    @Test(.enabled(if: geteuid() == 0, "chown needs root (CI runs as root)"))
    func chownIsAModification() throws {
        let found = try changes {
            try #require(chown(root + "/etc/config", 1234, 0) == 0)
            try #require(lchown(root + "/link", 0, 4321) == 0)
            try #require(chown(root + "/tree", 1, 1) == 0)
        }
        #expect(found == [.modified("etc/config"), .modified("link"), .modified("tree")])
    }

    @Test func retargetedSymlinkIsAModification() throws {
        let found = try changes {
            try FileManager.default.removeItem(atPath: root + "/link")
            try LayerFixtures.symlink("etc/other", at: root + "/link")
        }
        // The root's own mtime moved too, but the root is never a change.
        #expect(found == [.modified("link")])
    }

    @Test func xattrChangeIsAModification() throws {
        let found = try changes {
            try LayerFixtures.setXattr(root + "/tagged", name: "user.hoist", value: "two")
            try LayerFixtures.setXattr(root + "/etc/other", name: "user.added", value: "x")
        }
        #expect(found == [.modified("tagged"), .modified("etc/other")])
    }

    /// The case metadata alone cannot see: same inode, size and mtime, other bytes. Only the ctime moves.
    @Test(arguments: [false, true])
    func rewriteWithRestoredMtimeIsDetected(recordsContentDigests: Bool) throws {
        let path = root + "/etc/config"
        let before = try lstatInfo(path)
        let found = try changes(
            {
                try overwrite(path, "key=VALUE\n")
                var times = [before.st_atim, before.st_mtim]
                try #require(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0)
            }, options: .init(recordsContentDigests: recordsContentDigests))
        let after = try lstatInfo(path)
        // The test only means something if the rewrite hid everything but the ctime.
        #expect(after.st_ino == before.st_ino && after.st_size == before.st_size)
        #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        #expect(found == [.modified("etc/config")])
    }

    /// A chmod to the same mode moves only the ctime: a recorded digest proves the file unchanged; without
    /// one, the file is reported (a needless entry, never a missed one). Other types ignore the ctime.
    @Test(arguments: [false, true])
    func ctimeOnlyChange(recordsContentDigests: Bool) throws {
        let found = try changes(
            {
                try #require(chmod(root + "/etc/config", 0o644) == 0)
                try #require(chmod(root + "/tree", 0o755) == 0)
                try #require(lchown(root + "/link", geteuid(), getegid()) == 0)
            }, options: .init(recordsContentDigests: recordsContentDigests))
        #expect(found == (recordsContentDigests ? [] : [.modified("etc/config")]))
    }

    @Test func newHardLinkReportsTheWholeGroup() throws {
        try #require(link(root + "/etc/config", root + "/tree/config-link") == 0)
        let found = try changes { try #require(link(root + "/etc/config", root + "/etc/config-2") == 0) }
        #expect(
            found == [
                .added("etc/config-2"), .modified("etc/config"), .modified("tree/config-link"), .modified("etc"),
            ])
    }

    /// Renaming one link of a group leaves the other's metadata (but the ctime) alone, and a digest proves
    /// its content unchanged; it is still reported, so the layer links the new name to it.
    @Test func renamedHardLinkKeepsItsGroup() throws {
        try #require(link(root + "/etc/config", root + "/etc/config-link") == 0)
        let snapshot = try FilesystemSnapshot.capture(root: root, options: .init(recordsContentDigests: true))
        try #require(rename(root + "/etc/config-link", root + "/tree/moved-link") == 0)
        let diff = try snapshot.diff(against: root)
        #expect(
            Set(diff.changes) == [
                .deleted("etc/config-link"), .modified("etc"), .added("tree/moved-link"), .modified("tree"),
                .modified("etc/config"),
            ])
        let copy = scratch.child("copy")
        try LayerFixtures.check(try Subprocess.run(["cp", "-a", root, copy]).succeeded, "cp -a")
        let layer = try LayerWriter(store: store).write(diff)
        _ = try LayerApplier(store: store).apply(layer.descriptor.digest, onto: copy)
        #expect(try lstatInfo(copy + "/tree/moved-link").st_ino == lstatInfo(copy + "/etc/config").st_ino)
    }

    @Test func asyncVariantsAgree() async throws {
        let snapshot = try await FilesystemSnapshot.capture(root: root)
        #expect(snapshot.count == 11)
        try LayerFixtures.write(root + "/tree/new", "n\n")
        let diff = try await snapshot.diff(against: root)
        #expect(Set(diff.changes) == [.added("tree/new"), .modified("tree")])
    }

    // MARK: - End to end

    /// snapshot → change → diff → layer → apply onto a copy of the original: the copy becomes the changed tree.
    @Test func appliedLayerReproducesTheChangedTree() throws {
        let tree = scratch.child("rich")
        let copy = scratch.child("copy")
        try LayerFixtures.makeRichTree(at: tree)
        try LayerFixtures.check(try Subprocess.run(["cp", "-a", tree, copy]).succeeded, "cp -a")
        let snapshot = try FilesystemSnapshot.capture(root: tree)
        #expect(try LayerFixtures.listing(copy) == LayerFixtures.listing(tree))

        try change(tree)
        let diff = try snapshot.diff(against: tree)
        let unicode = "ünïcødé-名前.txt"
        #expect(
            Set(diff.changes) == [
                .modified("bin"), .modified("bin/tool"), .added("bin/new-tool"), .deleted("long-link"),
                .deleted(String(repeating: "n", count: 150)), .modified("relative-link"), .deleted(unicode),
                .added(unicode), .added(unicode + "/sub"), .added(unicode + "/sub/file"), .modified("with-xattr"),
                .modified("dir"), .modified("dir/nested"), .modified("dir/nested/data.txt"), .added("dir/second-link"),
                .modified("hardlink"), .added("var"), .added("var/lib"), .added("var/lib/new"),
                .added("var/lib/new/state"),
            ])
        let layer = try LayerWriter(store: store).write(diff)
        _ = try LayerApplier(store: store).apply(layer.descriptor.digest, onto: copy)

        #expect(try LayerFixtures.listing(copy) == LayerFixtures.listing(tree))
        // Hard links survive as links, and the untouched files were not in the layer.
        let linked = try lstatInfo(copy + "/hardlink")
        let target = try lstatInfo(copy + "/dir/nested/data.txt")
        let second = try lstatInfo(copy + "/dir/second-link")
        #expect(linked.st_ino == target.st_ino && second.st_ino == target.st_ino && target.st_nlink == 3)
        let names = Set(try LayerFixtures.entryNames(layer.descriptor.digest, in: store))
        #expect(!names.contains("etc-file") && !names.contains("fifo"))
    }

    /// Every kind of change at once, on `LayerFixtures.makeRichTree`.
    private func change(_ tree: String) throws {
        try overwrite(tree + "/bin/tool", "#!/bin/sh\necho changed\n")
        try LayerFixtures.write(tree + "/bin/new-tool", "#!/bin/sh\n", mode: 0o755)
        try FileManager.default.removeItem(atPath: tree + "/long-link")
        try FileManager.default.removeItem(atPath: tree + "/" + String(repeating: "n", count: 150))
        try FileManager.default.removeItem(atPath: tree + "/relative-link")
        try LayerFixtures.symlink("bin/tool", at: tree + "/relative-link")
        try FileManager.default.removeItem(atPath: tree + "/ünïcødé-名前.txt")
        try LayerFixtures.mkdir(tree + "/ünïcødé-名前.txt/sub")
        try LayerFixtures.write(tree + "/ünïcødé-名前.txt/sub/file", "now a directory\n")
        try LayerFixtures.setXattr(tree + "/with-xattr", name: "user.hoist", value: "changed")
        try #require(chmod(tree + "/dir/nested", 0o700) == 0)
        try #require(link(tree + "/dir/nested/data.txt", tree + "/dir/second-link") == 0)
        try LayerFixtures.mkdir(tree + "/var/lib/new")
        try LayerFixtures.write(tree + "/var/lib/new/state", "state\n")
        if geteuid() == 0 {
            try #require(chown(tree + "/with-xattr", 1000, 1000) == 0)
        }
    }
}
