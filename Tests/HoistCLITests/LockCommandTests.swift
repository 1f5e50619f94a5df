// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

/// `hoist lock`, `Dockerfile.lock` and `hoist build --locked` (specs/lock.md), against the local store and a
/// real registry.
@Suite(.serialized) struct LockCommandTests {
    let fixture: BuildFixture
    static let platform = "linux/amd64"

    init() throws { fixture = try BuildFixture() }

    // MARK: - Tests

    @Test func aMovedTagStillBuildsFromThePinAndLockedRefusesItUntilUpdated() throws {
        let context = try fixture.context(
            "moved",
            dockerfile: """
                FROM \(BuildFixture.base)
                RUN echo built > /built
                CMD ["sh", "-c", "cat /marker 2>/dev/null || echo no-marker"]

                """)
        let original = try storedDigest(BuildFixture.base)
        let locked = try lock(context)
        try #require(locked.succeeded, "\(locked.stderr)")
        #expect(locked.stdout == "\(BuildFixture.base) \(Self.platform) \(original) (new)\n")
        #expect(locked.stderr.contains("wrote \(context)/Dockerfile.lock"), "\(locked.stderr)")
        #expect(try pins(context) == [BuildFixture.base: [Self.platform: original]])
        let text = try String(contentsOfFile: context + "/Dockerfile.lock", encoding: .utf8)
        #expect(text.hasPrefix("{\n  \"references\" : {\n"), "\(text)")

        // Another image takes over the name.
        let moved = try moveBaseTag()
        #expect(moved != original)

        let build = try fixture.build(context, ["-t", "localhost/app:locked", "--metadata-file", metadataPath("one")])
        try #require(build.succeeded, "\(build.stderr)")
        #expect(
            build.stderr.contains(
                "base image '\(BuildFixture.base)' (\(Self.platform)) is locked to \(original) but now resolves to "
                    + "\(moved) (local store)"), "\(build.stderr)")
        #expect(try baseImages("one") == [BuildFixture.base: original])
        let annotations = try manifestAnnotations("localhost/app:locked")
        #expect(annotations["org.opencontainers.image.base.name"] == BuildFixture.base)
        #expect(annotations["org.opencontainers.image.base.digest"] == original)
        #expect(try diffIDCount("localhost/app:locked") == 2, "the pinned base has one layer; RUN adds one")
        #expect(try fixture.run("localhost/app:locked").stdout == "no-marker\n")

        let refused = try fixture.build(context, ["--locked", "-t", "localhost/app:refused"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains(
                "hoist: error: base image '\(BuildFixture.base)' (\(Self.platform)) is locked to \(original) but now "
                    + "resolves to \(moved); run `hoist lock --update`"), "\(refused.stderr)")
        #expect(try storedDigestIfAny("localhost/app:refused") == nil)

        let kept = try lock(context)
        try #require(kept.succeeded, "\(kept.stderr)")
        #expect(kept.stdout == "\(BuildFixture.base) \(Self.platform) \(original) (kept)\n")
        #expect(kept.stderr.contains("is up to date"), "\(kept.stderr)")

        let updated = try lock(context, ["--update"])
        try #require(updated.succeeded, "\(updated.stderr)")
        #expect(updated.stdout == "\(BuildFixture.base) \(Self.platform) \(moved) (changed from \(original))\n")
        #expect(try pins(context) == [BuildFixture.base: [Self.platform: moved]])

        let passes = try fixture.build(
            context, ["--locked", "-t", "localhost/app:updated", "--metadata-file", metadataPath("two")])
        try #require(passes.succeeded, "\(passes.stderr)")
        #expect(!passes.stderr.contains("is locked to"), "\(passes.stderr)")
        #expect(try baseImages("two") == [BuildFixture.base: moved])
        #expect(try manifestAnnotations("localhost/app:updated")["org.opencontainers.image.base.digest"] == moved)
        #expect(try fixture.run("localhost/app:updated").stdout == "moved\n")
    }

    @Test func argExpandedFromAndCopyFromImageAreLockedAndMissingOnesRefused() throws {
        let extra = "localhost/busybox:extra"
        #expect(try fixture.hoist("tag", BuildFixture.base, extra).succeeded)
        let context = try fixture.context(
            "expanded",
            dockerfile: """
                ARG REGISTRY=localhost
                ARG TAG=test
                FROM ${REGISTRY}/busybox:${TAG} AS tools
                RUN echo tool > /tool
                FROM scratch
                ARG REGISTRY
                COPY --from=${REGISTRY}/busybox:extra /bin/busybox /bin/busybox
                COPY --from=tools /tool /tool

                """)
        let digest = try storedDigest(BuildFixture.base)

        let noLock = try fixture.build(context, ["--locked"])
        #expect(noLock.status == 1)
        #expect(
            noLock.stderr.contains("--locked needs a lock file, and there is none at \(context)/Dockerfile.lock"),
            "\(noLock.stderr)")

        let onlyExtra = try lock(context, ["--build-arg", "TAG=extra"])
        try #require(onlyExtra.succeeded, "\(onlyExtra.stderr)")
        #expect(try pins(context) == [extra: [Self.platform: digest]])

        let missing = try fixture.build(context, ["--locked"])
        #expect(missing.status == 1)
        #expect(
            missing.stderr.contains(
                "base image '\(BuildFixture.base)' (\(Self.platform)) is not in the lock file "
                    + "\(context)/Dockerfile.lock; run `hoist lock`"), "\(missing.stderr)")

        let both = try lock(context)
        try #require(both.succeeded, "\(both.stderr)")
        #expect(both.stdout.contains("\(BuildFixture.base) \(Self.platform) \(digest) (new)\n"), "\(both.stdout)")
        #expect(both.stdout.contains("\(extra) \(Self.platform) \(digest) (kept)\n"), "\(both.stdout)")
        #expect(try pins(context) == [BuildFixture.base: [Self.platform: digest], extra: [Self.platform: digest]])

        let build = try fixture.build(context, ["--locked", "--metadata-file", metadataPath("expanded")])
        try #require(build.succeeded, "\(build.stderr)")
        #expect(try baseImages("expanded") == [BuildFixture.base: digest, extra: digest])

        let toolsOnly = try lock(context, ["--target", "tools"])
        try #require(toolsOnly.succeeded, "\(toolsOnly.stderr)")
        #expect(toolsOnly.stdout.contains("\(extra) \(Self.platform) removed (no longer used)"), "\(toolsOnly.stdout)")
        #expect(try pins(context) == [BuildFixture.base: [Self.platform: digest]])

        try Data("{\"version\": 7, \"references\": {}}".utf8).write(
            to: URL(fileURLWithPath: context + "/Dockerfile.lock"))
        let unreadable = try fixture.build(context)
        #expect(unreadable.status == 1)
        #expect(
            unreadable.stderr.contains(
                "cannot use the lock file \(context)/Dockerfile.lock: its version is 7, and Hoist reads version 1"),
            "\(unreadable.stderr)")
    }

    @Test func anIndexIsPinnedPerPlatformAndRecorded() throws {
        let store = try LayoutContentStore(path: fixture.hoist.root + "/store", create: false)
        let amd64 = try #require(try store.resolveTag(BuildFixture.base))
        var variant = try store.readJSON(ImageManifest.self, digest: amd64.digest)
        variant.annotations = ["org.example.variant": "arm64"]
        let arm64 = try store.writeJSON(variant, mediaType: .ociManifest)
        var entries = [amd64, arm64]
        entries[0].annotations = nil
        entries[0].platform = Platform(os: "linux", architecture: "amd64")
        entries[1].platform = Platform(os: "linux", architecture: "arm64", variant: "v8")
        let index = try store.writeJSON(ImageIndex(manifests: entries), mediaType: .ociIndex)
        try store.tag(index, as: "localhost/multi:1")
        let context = try fixture.context("index", dockerfile: "FROM localhost/multi:1\nLABEL built=yes\n")

        let locked = try lock(context, ["--platform", "linux/amd64,linux/arm64"])
        try #require(locked.succeeded, "\(locked.stderr)")
        let entry = try #require(try lockJSON(context)["localhost/multi:1"] as? [String: Any])
        #expect(entry["index"] as? String == index.digest.description)
        #expect(
            entry["platforms"] as? [String: String] == [
                "linux/amd64": amd64.digest.description, "linux/arm64/v8": arm64.digest.description,
            ])

        let build = try fixture.build(context, ["--locked", "--metadata-file", metadataPath("index")])
        try #require(build.succeeded, "\(build.stderr)")
        #expect(try baseImages("index") == ["localhost/multi:1": amd64.digest.description])

        let hostOnly = try lock(context)
        try #require(hostOnly.succeeded, "\(hostOnly.stderr)")
        #expect(hostOnly.stdout.contains("localhost/multi:1 linux/arm64/v8 removed (no longer used)"))
        let kept = try #require(try lockJSON(context)["localhost/multi:1"] as? [String: Any])
        #expect(kept["index"] as? String == index.digest.description)
        #expect(kept["platforms"] as? [String: String] == ["linux/amd64": amd64.digest.description])
    }

    @Test func aRegistryReferenceIsPinnedAndAMovedRegistryTagIsCaught() throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let name = "\(registry.address)/base/busybox:1"
        #expect(try fixture.hoist("tag", BuildFixture.base, name).succeeded)
        let pushed = try fixture.hoist("push", "-q", name)
        try #require(pushed.succeeded, "\(pushed.stderr)")
        let original = try storedDigest(name)

        // A second root that has never seen the image: the lock can only come from the registry.
        let other = fixture.scratch.child("other-root")
        let context = try fixture.context("registry", dockerfile: "FROM \(name)\nRUN echo from-registry > /r\n")
        let locked = try lock(context, root: other)
        try #require(locked.succeeded, "\(locked.stderr)")
        #expect(locked.stdout == "\(name) \(Self.platform) \(original) (new)\n")
        let first = try build(context, root: other, ["--locked", "--metadata-file", metadataPath("registry-1")])
        try #require(first.succeeded, "\(first.stderr)")
        #expect(try baseImages("registry-1") == [name: original])
        let otherStore = try LayoutContentStore(path: other + "/store", create: false)
        #expect(try otherStore.resolveTag(name) == nil, "a base pulled by its pinned digest is not tagged")

        // The registry's tag moves to another image.
        let second = try fixture.context("second-base", dockerfile: "FROM \(BuildFixture.base)\nRUN echo moved > /m\n")
        try #require(try fixture.build(second, ["-t", name, "--push"]).succeeded)
        let moved = try storedDigest(name)
        #expect(moved != original)

        let warned = try build(context, root: other, ["--metadata-file", metadataPath("registry-2")])
        try #require(warned.succeeded, "\(warned.stderr)")
        #expect(
            warned.stderr.contains("is locked to \(original) but now resolves to \(moved) (registry)"),
            "\(warned.stderr)")
        #expect(try baseImages("registry-2") == [name: original])

        let refused = try build(context, root: other, ["--locked"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("is locked to \(original) but now resolves to \(moved); run `hoist lock --update`"),
            "\(refused.stderr)")

        let updated = try lock(context, root: other, ["--update"])
        try #require(updated.succeeded, "\(updated.stderr)")
        #expect(updated.stdout == "\(name) \(Self.platform) \(moved) (changed from \(original))\n")
        let passes = try build(context, root: other, ["--locked", "--metadata-file", metadataPath("registry-3")])
        try #require(passes.succeeded, "\(passes.stderr)")
        #expect(try baseImages("registry-3") == [name: moved])
    }

    // MARK: - Helpers

    /// `hoist lock` with `arguments`, then the context.
    private func lock(_ context: String, root: String? = nil, _ arguments: [String] = []) throws -> ProcessResult {
        try Subprocess.run(
            [TestPaths.hoistBinary, "--root", root ?? fixture.hoist.root, "lock"] + arguments + [context], timeout: 120)
    }

    /// `hoist build` in another root.
    private func build(_ context: String, root: String, _ arguments: [String]) throws -> ProcessResult {
        try Subprocess.run(
            [TestPaths.hoistBinary, "--root", root, "build", "--progress", "plain"] + arguments + [context],
            extraEnvironment: ["SOURCE_DATE_EPOCH": "1700000000"], timeout: 300)
    }

    /// Builds an image with a `/marker` file and tags it over the base's name; returns its digest.
    private func moveBaseTag() throws -> String {
        let context = try fixture.context(
            "second-base", dockerfile: "FROM \(BuildFixture.base)\nRUN echo moved > /marker\n")
        let built = try fixture.build(context, ["-t", "localhost/busybox:second"])
        try #require(built.succeeded, "\(built.stderr)")
        #expect(try fixture.hoist("tag", "localhost/busybox:second", BuildFixture.base).succeeded)
        return try storedDigest(BuildFixture.base)
    }

    private func storedDigestIfAny(_ name: String) throws -> String? {
        let store = try LayoutContentStore(path: fixture.hoist.root + "/store", create: false)
        let reference = try ImageReference(parsing: name).withDefaultTag
        return try store.resolveTag(reference.description)?.digest.description
    }

    private func storedDigest(_ name: String) throws -> String {
        try #require(try storedDigestIfAny(name), "no \(name) in the store")
    }

    private func lockJSON(_ context: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: context + "/Dockerfile.lock"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        return try #require(object["references"] as? [String: Any])
    }

    /// The lock's pins: reference → platform → digest.
    private func pins(_ context: String) throws -> [String: [String: String]] {
        try lockJSON(context).mapValues { entry in
            try #require((entry as? [String: Any])?["platforms"] as? [String: String])
        }
    }

    private func metadataPath(_ name: String) -> String { fixture.scratch.child("metadata-\(name).json") }

    /// The metadata file's `baseImages`: name → digest.
    private func baseImages(_ name: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: metadataPath(name)))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let bases = try #require(object["baseImages"] as? [[String: String]])
        return Dictionary(bases.compactMap { base in base["name"].map { ($0, base["digest"] ?? "") } }) { $1 }
    }

    private func manifestAnnotations(_ image: String) throws -> [String: String] {
        let inspect = try fixture.hoist("inspect", "--raw", image)
        try #require(inspect.succeeded, "\(inspect.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: inspect.stdoutBytes) as? [String: Any])
        return try #require(object["annotations"] as? [String: String])
    }

    private func diffIDCount(_ image: String) throws -> Int {
        let rootfs = try #require(try fixture.config(image)["rootfs"] as? [String: Any])
        return try #require(rootfs["diff_ids"] as? [Any]).count
    }
}
