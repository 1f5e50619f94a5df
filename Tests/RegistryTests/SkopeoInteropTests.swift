// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Registry
import TestSupport
import Testing

/// What Hoist pushes skopeo reads; what skopeo pushes Hoist pulls.
@Suite(.serialized)
struct SkopeoInteropTests {
    let work: TemporaryDirectory
    let source: LayoutContentStore
    let options = RegistryOptions(
        certificateDirectories: [], retry: RetryPolicy(maximumAttempts: 3, initialDelay: .milliseconds(20)))

    init() throws {
        try Subprocess.requireTool("skopeo", package: "skopeo")
        work = try TemporaryDirectory("hoist-skopeo")
        source = try LayoutContentStore(path: work.child("source"))
    }

    /// skopeo with its own HOME and cache, so runs do not share state.
    func skopeo(_ arguments: [String]) throws -> ProcessResult {
        let result = try Subprocess.run(
            ["skopeo"] + arguments,
            extraEnvironment: ["HOME": work.path, "REGISTRY_AUTH_FILE": work.child("auth.json")])
        return result
    }

    @Test func skopeoReadsWhatHoistPushes() async throws {
        let server = try RegistryServer()
        defer { server.stop() }
        let image = try RegistryTestImage.make(in: source, layerSizes: [200_000, 3_000], seed: 41, realLayers: true)
        let reference = try ImageReference(parsing: "\(server.address)/interop/hoist:1")
        try await RegistryClient.withClient(registry: server.address, options: options, credentials: .anonymous) {
            try await $0.push(image.manifest, from: source, to: reference)
        }
        let inspect = try skopeo(["inspect", "--tls-verify=false", "docker://\(reference)"])
        #expect(inspect.succeeded, "\(inspect.stderr)")
        #expect(inspect.stdout.contains(image.manifest.digest.description))
        let copy = try skopeo([
            "copy", "--src-tls-verify=false", "docker://\(reference)", "oci:\(work.child("copy")):x",
        ])
        #expect(copy.succeeded, "\(copy.stderr)")
        let copied = try LayoutContentStore(path: work.child("copy"), create: false)
        let listing = try FileManager.default.contentsOfDirectory(atPath: work.child("copy/blobs/sha256"))
        for blob in image.blobs + [image.manifest] {
            #expect(try copied.blobSize(blob.digest) == blob.size, "\(blob.digest) not among \(listing)")
        }
    }

    @Test func hoistPullsAndSelectsFromADockerManifestListPushedBySkopeo() async throws {
        let server = try RegistryServer()
        defer { server.stop() }
        let amd = try RegistryTestImage.make(
            in: source, layerSizes: [50_000], seed: 51, platform: Platform(os: "linux", architecture: "amd64"),
            docker: true, realLayers: true)
        let arm = try RegistryTestImage.make(
            in: source, layerSizes: [60_000], seed: 52,
            platform: Platform(os: "linux", architecture: "arm64", variant: "v8"),
            docker: true, realLayers: true)
        var amdEntry = amd.manifest
        amdEntry.platform = Platform(os: "linux", architecture: "amd64")
        var armEntry = arm.manifest
        armEntry.platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
        let list = ImageIndex(mediaType: .dockerManifestList, manifests: [amdEntry, armEntry])
        let listDescriptor = try source.writeJSON(list, mediaType: .dockerManifestList)
        // skopeo's oci: transport only finds OCI media types in index.json, so hand it the Docker list in
        // its dir: format: manifest.json (the list), DIGEST.manifest.json per instance, blobs by hex.
        let dir = work.child("dir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "Directory Transport Version: 1.1\n".write(toFile: dir + "/version", atomically: true, encoding: .utf8)
        try Data(source.readBlob(listDescriptor.digest)).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        for image in [amd, arm] {
            try Data(source.readBlob(image.manifest.digest)).write(
                to: URL(fileURLWithPath: dir + "/\(image.manifest.digest.encoded).manifest.json"))
            for blob in image.blobs {
                try FileManager.default.copyItem(
                    atPath: source.blobPath(blob.digest), toPath: dir + "/" + blob.digest.encoded)
            }
        }
        let reference = try ImageReference(parsing: "\(server.address)/interop/multi:1")
        let copy = try skopeo([
            "copy", "--all", "--preserve-digests", "--dest-tls-verify=false", "dir:\(dir)", "docker://\(reference)",
        ])
        try #require(copy.succeeded, "\(copy.stderr)")

        for (platform, expected) in [("linux/arm64", arm), ("linux/amd64", amd)] {
            let target = try LayoutContentStore(
                path: work.child("pulled-\(platform.replacingOccurrences(of: "/", with: "-"))"))
            let result = try await RegistryClient.withClient(
                registry: server.address, options: options, credentials: .anonymous
            ) {
                try await $0.pull(reference, platform: try Platform(parsing: platform), into: target, tagAs: "m")
            }
            #expect(result.digest == listDescriptor.digest)
            #expect(result.mediaType == .dockerManifestList)
            #expect(result.manifest.digest == expected.manifest.digest)
            #expect(result.manifest.mediaType == .dockerManifest)
            for blob in expected.blobs { #expect(try target.blobSize(blob.digest) == blob.size) }
            #expect(try target.resolveTag("m")?.digest == expected.manifest.digest)
        }
        // Hoist pushes the list too: children first, then the list, byte for byte.
        let pushedList = try ImageReference(parsing: "\(server.address)/interop/hoist-multi:1")
        _ = try await RegistryClient.withClient(registry: server.address, options: options, credentials: .anonymous) {
            try await $0.push(listDescriptor, from: source, to: pushedList)
        }
        let raw = try skopeo(["inspect", "--raw", "--tls-verify=false", "docker://\(pushedList)"])
        #expect(raw.succeeded, "\(raw.stderr)")
        #expect(SHA256Hasher.digest(of: [UInt8](raw.stdoutBytes)) == listDescriptor.digest)
        let copyBack = try skopeo([
            "copy", "--all", "--src-tls-verify=false", "docker://\(pushedList)", "oci:\(work.child("back")):m",
        ])
        #expect(copyBack.succeeded, "\(copyBack.stderr)")

        let missing = await #expect(throws: RegistryError.self) {
            try await RegistryClient.withClient(registry: server.address, options: options, credentials: .anonymous) {
                _ = try await $0.pull(reference, platform: Platform(os: "linux", architecture: "s390x"), into: source)
            }
        }
        #expect(missing?.description.contains("linux/s390x") == true)
    }
}
