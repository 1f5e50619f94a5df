// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

struct SaveCommandTests {
    let scratch: TemporaryDirectory
    let hoist: HoistRunner
    let image: Descriptor

    init() throws {
        scratch = try TemporaryDirectory()
        hoist = HoistRunner(root: scratch.child("root"))
        let store = try LayoutContentStore(path: scratch.child("root/store"))
        image = try TestImages.makeImage(
            in: store, files: ["srv/index.html": "<h1>saved</h1>\n"], cmd: ["/bin/httpd"], scratch: scratch)
        try store.tag(image, as: "docker.io/library/web:1")
        try store.tag(image, as: "localhost:5000/team/web:2")
    }

    @Test func skopeoReadsTheArchiveByEveryTag() throws {
        try Subprocess.requireTool("skopeo", package: "skopeo")
        let archive = scratch.child("web.tar")
        let saved = try hoist("save", "-o", archive, "web:1", "localhost:5000/team/web:2")
        #expect(saved.succeeded, "\(saved.stderr)")
        let manifest = try Subprocess.run(["tar", "-xOf", archive, "manifest.json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: manifest.stdoutBytes) as? [[String: Any]])
        #expect(entries.count == 1, "one image, two names")
        #expect(entries.first?["RepoTags"] as? [String] == ["web:1", "localhost:5000/team/web:2"])

        for tag in ["web:1", "localhost:5000/team/web:2"] {
            let inspect = try Subprocess.run(["skopeo", "inspect", "docker-archive:\(archive):\(tag)"])
            #expect(inspect.succeeded, "\(tag): \(inspect.stderr)")
        }
        let copied = scratch.child("copied")
        let copy = try Subprocess.run(["skopeo", "copy", "docker-archive:\(archive):web:1", "oci:\(copied):web"])
        #expect(copy.succeeded, "\(copy.stderr)")
        try Subprocess.requireTool("umoci", package: "umoci")
        let unpack = try Subprocess.run(["umoci", "unpack", "--image", "\(copied):web", scratch.child("bundle")])
        #expect(unpack.succeeded, "\(unpack.stderr)")
        #expect(
            try String(contentsOfFile: scratch.child("bundle/rootfs/srv/index.html"), encoding: .utf8)
                == "<h1>saved</h1>\n")
    }

    @Test func archivesAreByteForByteReproducibleAndListedByTar() throws {
        let first = scratch.child("a.tar")
        let second = scratch.child("b.tar")
        #expect(try hoist("save", "-o", first, "web:1").succeeded)
        #expect(try hoist("save", "-o", second, "web:1").succeeded)
        let one = try Data(contentsOf: URL(fileURLWithPath: first))
        let two = try Data(contentsOf: URL(fileURLWithPath: second))
        #expect(one == two)
        let listing = try Subprocess.run(["tar", "-tf", first])
        #expect(listing.succeeded)
        #expect(listing.stdout.contains("blobs/sha256/\(image.digest.encoded)\n"))
        for name in ["index.json\n", "manifest.json\n", "oci-layout\n"] { #expect(listing.stdout.contains(name)) }
        let bsdtar = try Subprocess.run(["bsdtar", "-tf", first])
        #expect(bsdtar.stdout == listing.stdout, "GNU tar and bsdtar list the same entries")
    }

    @Test func aMissingImageWritesNothing() throws {
        let archive = scratch.child("none.tar")
        let result = try hoist("save", "-o", archive, "web:1", "absent:9")
        #expect(result.status == 1)
        #expect(result.stderr.contains("absent:9"))
        #expect(!FileManager.default.fileExists(atPath: archive))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter {
            $0.hasSuffix(".tmp")
        }
        #expect(leftovers.isEmpty)
    }
}
