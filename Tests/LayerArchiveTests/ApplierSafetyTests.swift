// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage
import TestSupport
import Testing

/// Every way a layer could write outside its root, each as its own crafted tar.
@Suite struct ApplierSafetyTests {
    typealias Entry = LayerFixtures.CraftedEntry

    let scratch: TemporaryDirectory
    let store: LayoutContentStore
    let root: String
    let outside: String

    init() throws {
        scratch = try TemporaryDirectory("layer-safety")
        store = try LayoutContentStore(path: scratch.child("store"))
        root = scratch.child("root")
        outside = scratch.child("outside")
        try LayerFixtures.mkdir(root)
        try LayerFixtures.mkdir(outside)
        try LayerFixtures.write(outside + "/secret", "do not touch\n")
    }

    struct EscapeCase: CustomTestStringConvertible, Sendable {
        let label: String
        let entries: @Sendable (_ outside: String) -> [LayerFixtures.CraftedEntry]
        /// The entry the error must name.
        let culprit: @Sendable (_ outside: String) -> String
        var testDescription: String { label }
    }

    static let escapes: [EscapeCase] = [
        EscapeCase(
            label: "absolute path", entries: { [Entry(name: $0 + "/evil", data: "x")] }, culprit: { $0 + "/evil" }),
        EscapeCase(
            label: "dot-dot path", entries: { _ in [Entry(name: "../outside/evil", data: "x")] },
            culprit: { _ in "../outside/evil" }),
        EscapeCase(
            label: "dot-dot inside path", entries: { _ in [Entry(name: "a/../../outside/evil", data: "x")] },
            culprit: { _ in "a/../../outside/evil" }),
        EscapeCase(
            label: "absolute symlinked parent",
            entries: { [Entry(name: "a", type: "symlink", link: $0), Entry(name: "a/evil", data: "x")] },
            culprit: { _ in "a/evil" }),
        EscapeCase(
            label: "relative symlinked parent",
            entries: { _ in [Entry(name: "b", type: "symlink", link: "../outside"), Entry(name: "b/evil", data: "x")] },
            culprit: { _ in "b/evil" }),
        EscapeCase(
            label: "symlinked grandparent",
            entries: { _ in
                [
                    Entry(name: "d", type: "dir"), Entry(name: "d/up", type: "symlink", link: "../../outside"),
                    Entry(name: "d/up/sub/evil", data: "x"),
                ]
            }, culprit: { _ in "d/up/sub/evil" }),
        EscapeCase(
            label: "absolute hardlink target",
            entries: { [Entry(name: "h", type: "hardlink", link: $0 + "/secret")] }, culprit: { _ in "h" }),
        EscapeCase(
            label: "dot-dot hardlink target",
            entries: { _ in [Entry(name: "h", type: "hardlink", link: "../outside/secret")] }, culprit: { _ in "h" }),
        EscapeCase(
            label: "hardlink through a symlinked parent",
            entries: {
                [Entry(name: "s", type: "symlink", link: $0), Entry(name: "h", type: "hardlink", link: "s/secret")]
            },
            culprit: { _ in "h" }),
        EscapeCase(
            label: "dot-dot whiteout", entries: { _ in [Entry(name: "../outside/.wh.secret")] },
            culprit: { _ in "../outside/.wh.secret" }),
        EscapeCase(
            label: "whiteout through a symlinked parent",
            entries: { [Entry(name: "w", type: "symlink", link: $0), Entry(name: "w/.wh.secret")] },
            culprit: { _ in "w/.wh.secret" }),
        EscapeCase(
            label: "whiteout naming dot-dot", entries: { _ in [Entry(name: "d/.wh..."), Entry(name: ".wh..")] },
            culprit: { _ in "d/.wh..." }),
        EscapeCase(
            label: "opaque marker through a symlinked parent",
            entries: { [Entry(name: "o", type: "symlink", link: $0), Entry(name: "o/.wh..wh..opq")] },
            culprit: { _ in "o/.wh..wh..opq" }),
    ]

    @Test(arguments: escapes)
    func refusesEscape(_ escape: EscapeCase) throws {
        let digest = try LayerFixtures.storeCraftedTar(escape.entries(outside), in: store, scratch: scratch.path)
        let applier = LayerApplier(store: store)
        do {
            _ = try applier.apply(digest, onto: root)
            Issue.record("\(escape.label): applied without error")
        } catch let error as ArchiveError {
            let culprit = escape.culprit(outside)
            #expect(error.description.contains("'\(culprit)'"), "\(escape.label): \(error)")
            switch error {
            case .unsafePath, .symlinkInPath, .escapesRoot: break
            default: Issue.record("\(escape.label): unexpected error kind \(error)")
            }
        }
        #expect(LayerFixtures.contents(outside) == ["secret"])
        #expect(try String(contentsOfFile: outside + "/secret", encoding: .utf8) == "do not touch\n")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/evil"))
    }

    @Test func refusesSymlinkPlantedByAnEarlierLayer() throws {
        try LayerFixtures.symlink(outside, at: root + "/planted")
        let digest = try LayerFixtures.storeCraftedTar(
            [Entry(name: "planted/evil", data: "x")], in: store, scratch: scratch.path)
        #expect(throws: ArchiveError.self) { try LayerApplier(store: store).apply(digest, onto: root) }
        #expect(LayerFixtures.contents(outside) == ["secret"])
    }

    @Test func replacesALeafSymlinkInsteadOfWritingThroughIt() throws {
        let digest = try LayerFixtures.storeCraftedTar(
            [Entry(name: "l", type: "symlink", link: outside + "/secret"), Entry(name: "l", data: "replaced\n")],
            in: store, scratch: scratch.path)
        _ = try LayerApplier(store: store).apply(digest, onto: root)
        #expect(try String(contentsOfFile: outside + "/secret", encoding: .utf8) == "do not touch\n")
        #expect(try String(contentsOfFile: root + "/l", encoding: .utf8) == "replaced\n")
    }

    @Test func hardlinkToASymlinkLinksTheLinkNotItsTarget() throws {
        let digest = try LayerFixtures.storeCraftedTar(
            [
                Entry(name: "l", type: "symlink", link: outside + "/secret"),
                Entry(name: "h", type: "hardlink", link: "l"),
            ],
            in: store, scratch: scratch.path)
        _ = try LayerApplier(store: store).apply(digest, onto: root)
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: root + "/h")
        #expect(target == outside + "/secret")
        #expect(LayerFixtures.contents(outside) == ["secret"])
    }

    @Test func resolveInRootFollowsLinksInsideTheRoot() throws {
        let digest = try LayerFixtures.storeCraftedTar(
            [
                Entry(name: "etc", type: "dir"), Entry(name: "a", type: "symlink", link: "/etc"),
                Entry(name: "a/passwd", data: "root:x:0:0::/root:/bin/sh\n"),
            ],
            in: store, scratch: scratch.path)
        let applier = LayerApplier(store: store, options: .init(parentResolution: .resolveInRoot))
        _ = try applier.apply(digest, onto: root)
        #expect(FileManager.default.fileExists(atPath: root + "/etc/passwd"))
        #expect(LayerFixtures.contents(outside) == ["secret"])
    }

    @Test func digestMismatchDiscardsTheExtraction() throws {
        let tree = scratch.child("tree")
        try LayerFixtures.mkdir(tree)
        try LayerFixtures.write(tree + "/file", String(repeating: "payload ", count: 10_000))
        let result = try LayerWriter(store: store, options: .init(compression: .uncompressed)).write(directory: tree)
        // Corrupt a byte of file data: the tar still parses, only the digest tells.
        let blob = store.blobPath(result.descriptor.digest)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: blob))
        try handle.seek(toOffset: 2048)
        try handle.write(contentsOf: Data("X".utf8))
        try handle.close()
        let layers = scratch.child("layers")
        try LayerFixtures.mkdir(layers)
        let destination = layers + "/\(result.diffID.encoded)"
        do {
            _ = try LayerApplier(store: store).extract(result.descriptor.digest, into: destination)
            Issue.record("a corrupt blob was extracted")
        } catch let ArchiveError.content(.digestMismatch(expected, _)) {
            #expect(expected == result.descriptor.digest)
        }
        #expect(LayerFixtures.contents(layers).isEmpty)
    }

    @Test func expectedDiffIDIsChecked() throws {
        let digest = try LayerFixtures.storeCraftedTar([Entry(name: "f", data: "x")], in: store, scratch: scratch.path)
        let wrong = SHA256Hasher.digest(of: Array("not it".utf8))
        let applier = LayerApplier(store: store, options: .init(expectedDiffID: wrong))
        #expect(throws: ArchiveError.self) { try applier.extract(digest, into: scratch.child("x")) }
        #expect(!FileManager.default.fileExists(atPath: scratch.child("x")))
    }
}
