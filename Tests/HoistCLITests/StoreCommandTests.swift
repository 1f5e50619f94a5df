// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

struct StoreCommandTests {
    let scratch: TemporaryDirectory
    let hoist: HoistRunner
    let store: LayoutContentStore

    init() throws {
        scratch = try TemporaryDirectory()
        hoist = HoistRunner(root: scratch.child("root"))
        store = try LayoutContentStore(path: scratch.child("root/store"))
    }

    @Test func versionNamesTheReleaseAndTheRevision() throws {
        let result = try Subprocess.run([TestPaths.hoistBinary, "--version"])
        #expect(result.succeeded)
        let version = try String(contentsOfFile: TestPaths.packageRoot + "/VERSION", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(result.stdout.hasPrefix("hoist \(version) ("))
        let revision = try Subprocess.run(["git", "-C", TestPaths.packageRoot, "rev-parse", "HEAD"])
        if revision.succeeded {
            let head = revision.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(result.stdout.contains(head), "the revision baked in must be the checkout's HEAD")
        }
    }

    @Test func helpListsTheCommands() throws {
        let result = try Subprocess.run([TestPaths.hoistBinary, "--help"])
        #expect(result.succeeded)
        for command in ["images", "inspect", "tag", "rmi", "prune"] { #expect(result.stdout.contains(command)) }
    }

    @Test func imagesListsTaggedImagesWithDigests() throws {
        let empty = try hoist("images")
        #expect(empty.succeeded)
        #expect(empty.stdout.split(separator: "\n").count == 1, "only the header on an empty store")

        let image = try TestImages.makeImage(in: store, files: ["a": "b"], scratch: scratch)
        try store.tag(image, as: "docker.io/library/app:1")
        let listed = try hoist("images")
        #expect(listed.succeeded)
        #expect(listed.stdout.contains("docker.io/library/app:1"))
        #expect(listed.stdout.contains(String(image.digest.encoded.prefix(12))))
        let quiet = try hoist("images", "-q")
        #expect(quiet.stdout == image.digest.description + "\n")
    }

    @Test func inspectFindsImagesByShortNameDigestAndPrefix() throws {
        let image = try TestImages.makeImage(
            in: store, files: ["a": "b"], cmd: ["/bin/app", "--serve"], scratch: scratch)
        try store.tag(image, as: "docker.io/library/app:1")
        for name in [
            "app:1", "docker.io/library/app:1", image.digest.description, String(image.digest.encoded.prefix(12)),
        ] {
            let result = try hoist("inspect", name)
            #expect(result.succeeded, "inspect \(name): \(result.stderr)")
            let json = try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any]
            #expect(json?["digest"] as? String == image.digest.description)
            let config = (json?["config"] as? [String: Any])?["config"] as? [String: Any]
            #expect(config?["Cmd"] as? [String] == ["/bin/app", "--serve"])
        }
        let raw = try hoist("inspect", "--raw", "app:1")
        #expect(SHA256Hasher.digest(of: raw.stdoutBytes) == image.digest)
    }

    @Test func userMistakesGiveOneLineAndNonZeroExit() throws {
        let missing = try hoist("inspect", "nothing:here")
        #expect(missing.status == 1)
        #expect(missing.stderr == "hoist: error: no image 'nothing:here' in the local store (see `hoist images`)\n")
        #expect(missing.stdout.isEmpty)
        let badReference = try hoist("tag", "nothing", "UPPER/Case")
        #expect(badReference.status == 1)
        #expect(badReference.stderr.split(separator: "\n").count == 1)
        #expect(!badReference.stderr.contains("Fatal error"))
        let unknownCommand = try Subprocess.run([TestPaths.hoistBinary, "frobnicate"])
        #expect(unknownCommand.status != 0)
    }

    @Test func tagRmiAndPruneManageNamesAndSpace() throws {
        // A store that has written holds the store open for writing, as a running build does, and
        // `hoist prune` waits for no one: write through a store that is closed before pruning.
        let image = try {
            let writer = try LayoutContentStore(path: store.path)
            let image = try TestImages.makeImage(in: writer, files: ["a": "b"], scratch: scratch)
            try writer.tag(image, as: "docker.io/library/app:1")
            return image
        }()
        #expect(try hoist("tag", "app:1", "app:2", "localhost:5000/app:3").succeeded)
        #expect(try store.resolveTag("localhost:5000/app:3")?.digest == image.digest)
        #expect(try hoist("rmi", "app:1", "app:2", "localhost:5000/app:3").succeeded)
        let pruned = try hoist("prune")
        #expect(pruned.succeeded)
        #expect(pruned.stdout.hasPrefix("removed 0 cache entries, 3 blobs, 0 layer trees; freed "))
        #expect(try !store.hasBlob(image.digest))

        // While another process holds the store open for writing, prune refuses instead of racing it.
        let busy = try LayoutContentStore(path: store.path)
        try busy.writeBlob(Array("in flight".utf8))
        let refused = try hoist("prune")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("in use by another hoist process"))
    }

    @Test func twoProcessesTaggingOneStoreLoseNothing() throws {
        let image = try TestImages.makeImage(in: store, files: ["a": "b"], scratch: scratch)
        try store.tag(image, as: "docker.io/library/base:1")
        // Two real `hoist` processes, each adding 30 tags, one `hoist tag` call per tag.
        let script = """
            for i in $(seq 1 30); do "$0" --root "$1" tag base:1 "$2:$i" || exit 1; done
            """
        let processes = try ["left", "right"].map { name -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", script, TestPaths.hoistBinary, hoist.root, name]
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 })
        let names = Set(try store.readIndex().manifests.compactMap(\.referenceName))
        for side in ["left", "right"] {
            for i in 1...30 { #expect(names.contains("docker.io/library/\(side):\(i)")) }
        }
        #expect(names.count == 61)
        let index = try JSONDecoder().decode(
            ImageIndex.self, from: Data(contentsOf: URL(fileURLWithPath: store.path + "/index.json")))
        try index.validate()
    }
}
