// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import BuildEngine
import Foundation
import OCIImage
import TestSupport
import Testing

struct LocalImagesTests {
    let scratch: TemporaryDirectory
    let store: LayoutContentStore
    let images: LocalImages

    init() throws {
        scratch = try TemporaryDirectory()
        store = try LayoutContentStore(path: scratch.child("store"))
        images = LocalImages(store: store)
    }

    @Test func namesAreStoredAsFullReferences() throws {
        #expect(
            LocalImages.storedName(for: try ImageReference(parsing: "busybox")) == "docker.io/library/busybox:latest")
        #expect(LocalImages.storedName(for: try ImageReference(parsing: "localhost:5000/a:1")) == "localhost:5000/a:1")
    }

    @Test func resolvesEveryWayAPersonNamesAnImage() throws {
        let image = try TestImages.makeImage(in: store, files: ["f": "1"], scratch: scratch)
        try store.tag(image, as: "docker.io/library/busybox:latest")
        for name in [
            "busybox", "busybox:latest", "docker.io/library/busybox", "library/busybox:latest",
            image.digest.description, String(image.digest.encoded.prefix(12)),
            "sha256:" + image.digest.encoded.prefix(16),
        ] {
            #expect(try images.resolve(name).descriptor.digest == image.digest, "\(name)")
        }
        #expect(throws: BuildError.imageNotFound("busybox:other")) { try images.resolve("busybox:other") }
        #expect(throws: BuildError.imageNotFound("abc")) { try images.resolve("abc") }
    }

    @Test func anImageTaggedUnderTwoNamesIsFoundByDigest() throws {
        let image = try TestImages.makeImage(in: store, files: ["f": "3"], scratch: scratch)
        try store.tag(image, as: "localhost/one:1")
        try store.tag(image, as: "localhost/two:1")
        #expect(try images.resolve(image.digest.description).descriptor.digest == image.digest)
        #expect(try images.resolve(String(image.digest.encoded.prefix(12))).descriptor.digest == image.digest)
    }

    @Test func anUntaggedImageIsFoundByItsFullDigest() throws {
        let image = try TestImages.makeImage(in: store, files: ["f": "2"], scratch: scratch)
        let found = try images.resolve(image.digest.description)
        #expect(found.name == nil)
        #expect(found.descriptor.digest == image.digest)
    }

    @Test func indexesYieldThePlatformsManifest() throws {
        let amd64 = try TestImages.makeImage(in: store, files: ["arch": "amd64"], scratch: scratch)
        let arm64 = try TestImages.makeImage(in: store, files: ["arch": "arm64"], scratch: scratch)
        var first = amd64
        first.platform = Platform(os: "linux", architecture: "amd64")
        var second = arm64
        second.platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
        let index = try store.writeJSON(ImageIndex(manifests: [first, second]), mediaType: .ociIndex)
        try store.tag(index, as: "docker.io/library/multi:1")
        let image = try images.resolve("multi:1")
        #expect(try images.manifest(of: image, platform: Platform(parsing: "linux/arm64")).0.digest == arm64.digest)
        #expect(try images.manifest(of: image, platform: Platform(parsing: "linux/amd64")).0.digest == amd64.digest)
        #expect(
            throws: BuildError.noMatchingPlatform(
                "docker.io/library/multi:1", platform: try Platform(parsing: "linux/s390x"))
        ) {
            try images.manifest(of: image, platform: Platform(parsing: "linux/s390x"))
        }
    }

    @Test func anUntaggedIndexFoundByDigestYieldsThePlatformsManifest() throws {
        var arm64 = try TestImages.makeImage(in: store, files: ["arch": "arm64"], scratch: scratch)
        arm64.platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
        let index = try store.writeJSON(ImageIndex(manifests: [arm64]), mediaType: .ociIndex)
        let image = try images.resolve(index.digest.description)
        #expect(image.descriptor.mediaType == .ociIndex)
        #expect(try images.manifest(of: image, platform: Platform(parsing: "linux/arm64")).0.digest == arm64.digest)
    }

    @Test(arguments: [
        (0, "1970-01-01T00:00:00Z"), (1_700_000_000, "2023-11-14T22:13:20Z"), (951_782_400, "2000-02-29T00:00:00Z"),
    ])
    func timestampsAreRFC3339InUTC(_ seconds: Int64, _ expected: String) {
        #expect(Timestamp.rfc3339(epochSeconds: seconds) == expected)
    }

    @Test func sourceDateEpochComesFromTheEnvironment() throws {
        #expect(try Timestamp.sourceDateEpoch(environment: [:]) == nil)
        #expect(try Timestamp.sourceDateEpoch(environment: ["SOURCE_DATE_EPOCH": "42"]) == 42)
        #expect(throws: BuildError.invalidSourceDateEpoch("soon")) {
            try Timestamp.sourceDateEpoch(environment: ["SOURCE_DATE_EPOCH": "soon"])
        }
    }
}
