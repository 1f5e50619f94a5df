// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

/// What `LayoutContentStore` writes, read by independent tools: skopeo and umoci.
struct StoreInteropTests {
    let scratch: TemporaryDirectory
    let store: LayoutContentStore
    let image: Descriptor
    let tag = "localhost:5000/team/app:1"

    init() throws {
        scratch = try TemporaryDirectory()
        store = try LayoutContentStore(path: scratch.child("layout"))
        image = try TestImages.makeImage(
            in: store, files: ["etc/greeting": "hello from hoist\n", "bin/tool": "#!/bin/sh\n"], cmd: ["/bin/tool"],
            scratch: scratch)
        try store.tag(image, as: tag)
    }

    @Test func skopeoInspectsAndCopiesATaggedImage() throws {
        try Subprocess.requireTool("skopeo", package: "skopeo")
        let inspect = try Subprocess.run(["skopeo", "inspect", "oci:\(store.path):\(tag)"])
        #expect(inspect.succeeded, "\(inspect.stderr)")
        let json = try JSONSerialization.jsonObject(with: inspect.stdoutBytes) as? [String: Any]
        #expect(json?["Digest"] as? String == image.digest.description)
        #expect((json?["Layers"] as? [String])?.count == 1)

        let copy = try Subprocess.run(["skopeo", "copy", "oci:\(store.path):\(tag)", "dir:\(scratch.child("copied"))"])
        #expect(copy.succeeded, "\(copy.stderr)")
        let manifest = try Data(contentsOf: URL(fileURLWithPath: scratch.child("copied/manifest.json")))
        #expect(SHA256Hasher.digest(of: manifest) == image.digest, "skopeo must keep the manifest bytes")
    }

    @Test func umociUnpacksATaggedImage() throws {
        try Subprocess.requireTool("umoci", package: "umoci")
        let bundle = scratch.child("bundle")
        let unpack = try Subprocess.run(["umoci", "unpack", "--image", "\(store.path):\(tag)", bundle])
        #expect(unpack.succeeded, "\(unpack.stderr)")
        let greeting = try String(contentsOfFile: bundle + "/rootfs/etc/greeting", encoding: .utf8)
        #expect(greeting == "hello from hoist\n")
        let list = try Subprocess.run(["umoci", "ls", "--layout", store.path])
        #expect(list.stdout.split(separator: "\n").contains(Substring(tag)))
    }

    @Test func ociImageToolValidatesTheLayout() throws {
        try Subprocess.requireTool("oci-image-tool", package: "oci-image-tool")
        // `--type imageLayout` is not implemented in Debian's version; `--type image` on a layout is.
        let result = try Subprocess.run([
            "oci-image-tool", "validate", "--type", "image", "--ref", "name=\(tag)", store.path,
        ])
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
    }

    @Test func corruptionIsCaughtByHoistAndByUmoci() throws {
        let manifest = try store.readJSON(ImageManifest.self, digest: image.digest)
        let configPath = store.blobPath(manifest.config.digest)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: configPath))
        bytes[bytes.startIndex] = UInt8(ascii: " ")
        try bytes.write(to: URL(fileURLWithPath: configPath))
        #expect(throws: OCIImageError.self) { _ = try store.readBlob(manifest.config.digest) }
    }
}
