// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage
import Testing

struct ImageReferenceTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    /// input → registry, repository, tag, digest.
    static let valid: [(String, String, String, String?, String?)] = [
        ("busybox", "docker.io", "library/busybox", nil, nil),
        ("busybox:1.36", "docker.io", "library/busybox", "1.36", nil),
        ("library/busybox", "docker.io", "library/busybox", nil, nil),
        ("docker.io/busybox", "docker.io", "library/busybox", nil, nil),
        ("index.docker.io/team/app:v1", "docker.io", "team/app", "v1", nil),
        ("team/app", "docker.io", "team/app", nil, nil),
        ("localhost/app", "localhost", "app", nil, nil),
        ("localhost:5000/team/app:1.0", "localhost:5000", "team/app", "1.0", nil),
        ("127.0.0.1:5000/app@" + digest, "127.0.0.1:5000", "app", nil, digest),
        ("ghcr.io/org/sub/app:tag@" + digest, "ghcr.io", "org/sub/app", "tag", digest),
        ("Registry/app", "Registry", "app", nil, nil),
        ("[::1]:5000/app", "[::1]:5000", "app", nil, nil),
        ("example.com/a__b/c-d/e.f/g--h_i", "example.com", "a__b/c-d/e.f/g--h_i", nil, nil),
        (
            "app:" + String(repeating: "t", count: 128), "docker.io", "library/app", String(repeating: "t", count: 128),
            nil
        ),
        ("app:_Tag.1-x", "docker.io", "library/app", "_Tag.1-x", nil),
    ]

    @Test(arguments: valid)
    func parsesAndNormalises(_ row: (String, String, String, String?, String?)) throws {
        let reference = try ImageReference(parsing: row.0)
        #expect(reference.registry == row.1)
        #expect(reference.repository == row.2)
        #expect(reference.tag == row.3)
        #expect(reference.digest?.description == row.4)
        #expect(try ImageReference(parsing: reference.description) == reference, "description must re-parse")
    }

    @Test(arguments: [
        "", "team/App", "upper/APP:1", "app:", "app:.tag", "app:-tag", "app:" + String(repeating: "t", count: 129),
        "app@sha256:abc",
        "a//b", "/app", "app/", "a..b/c", "a_-b", "-app", "app-", "localhost:99999/app", "host:port/app",
        "ex_ample.com/app", "docker.io/" + String(repeating: "a", count: 250), "app@", "app:tag@",
    ])
    func rejectsMalformedReferences(_ text: String) {
        #expect(throws: OCIImageError.self) { try ImageReference(parsing: text) }
    }

    @Test func formsForPeopleAndStores() throws {
        let hub = try ImageReference(parsing: "busybox")
        #expect(hub.description == "docker.io/library/busybox")
        #expect(hub.withDefaultTag.description == "docker.io/library/busybox:latest")
        #expect(hub.withDefaultTag.familiarDescription == "busybox:latest")
        #expect(try ImageReference(parsing: "team/app:1").familiarDescription == "team/app:1")
        #expect(try ImageReference(parsing: "localhost:5000/app").familiarDescription == "localhost:5000/app")
        #expect(hub.manifestReference == "latest")
        let pinned = try hub.tagged("1.36").pinned(to: Digest(parsing: Self.digest))
        #expect(pinned.description == "docker.io/library/busybox:1.36@\(Self.digest)")
        #expect(pinned.manifestReference == Self.digest)
    }

    @Test(arguments: [
        ("localhost:5000/a", true), ("127.0.0.1:5000/a", true), ("[::1]:5000/a", true), ("localhost/a", true),
        ("registry.example.com/a", false), ("busybox", false), ("10.0.0.1:5000/a", false),
    ])
    func loopbackRegistriesAreRecognised(_ text: String, _ isLoopback: Bool) throws {
        #expect(try ImageReference(parsing: text).isLoopbackRegistry == isLoopback)
    }
}

struct PlatformTests {
    @Test(arguments: [
        ("linux/arm64", "linux/arm64/v8", true), ("linux/arm64/v8", "linux/arm64", true),
        ("linux/aarch64", "linux/arm64", true), ("linux/x86_64", "linux/amd64", true),
        ("linux/arm/v7", "linux/arm/v6", false), ("linux/arm", "linux/arm/v7", true),
        ("linux/amd64", "linux/arm64", false), ("linux/amd64", "windows/amd64", false),
        ("linux/arm/v6", "linux/arm", false),
    ])
    func matching(_ wanted: String, _ offered: String, _ expected: Bool) throws {
        #expect(try Platform(parsing: wanted).matches(Platform(parsing: offered)) == expected)
    }

    @Test(arguments: ["", "linux", "linux/", "/amd64", "a/b/c/d"])
    func malformedPlatforms(_ text: String) {
        #expect(throws: OCIImageError.invalidPlatform(text)) { try Platform(parsing: text) }
    }

    @Test func indexSelectionPrefersExactVariant() throws {
        let digest = { (n: Int) in try Digest(parsing: "sha256:" + String(repeating: String(n), count: 64)) }
        let index = ImageIndex(manifests: [
            Descriptor(
                mediaType: .ociManifest, digest: try digest(1), size: 1, platform: try Platform(parsing: "linux/amd64")),
            Descriptor(
                mediaType: .ociManifest, digest: try digest(2), size: 1,
                platform: Platform(os: "linux", architecture: "arm64")),
            Descriptor(
                mediaType: .ociManifest, digest: try digest(3), size: 1,
                platform: Platform(os: "linux", architecture: "arm64", variant: "v8")),
        ])
        // arm64 and arm64/v8 are the same platform: both match, in index order.
        #expect(
            index.manifests(matching: try Platform(parsing: "linux/arm64")).map(\.digest) == [
                try digest(2), try digest(3),
            ])
        #expect(index.manifests(matching: try Platform(parsing: "linux/amd64")).map(\.digest) == [try digest(1)])
        // A request without a variant prefers the entry without one over a more specific one.
        let amd64 = ImageIndex(manifests: [
            Descriptor(
                mediaType: .ociManifest, digest: try digest(4), size: 1,
                platform: Platform(os: "linux", architecture: "amd64", variant: "v3")),
            Descriptor(
                mediaType: .ociManifest, digest: try digest(5), size: 1,
                platform: Platform(os: "linux", architecture: "amd64")),
        ])
        #expect(
            amd64.manifests(matching: try Platform(parsing: "linux/amd64")).map(\.digest) == [
                try digest(5), try digest(4),
            ])
        #expect(
            amd64.manifests(matching: Platform(os: "linux", architecture: "amd64", variant: "v3")).map(\.digest) == [
                try digest(4), try digest(5),
            ])
        #expect(index.manifests(matching: try Platform(parsing: "linux/s390x")).isEmpty)
    }
}
