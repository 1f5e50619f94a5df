// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

/// `hoist build --verify-reproducible`: two builds in temporary roots without cache, compared by digest; the
/// image of a passing verification is stored, tagged and exported as a normal build's; a failing one names
/// the file that differs. Nothing is left under ROOT/tmp either way.
@Suite(.serialized) struct VerifyReproducibleTests {
    let fixture: BuildFixture

    init() throws { fixture = try BuildFixture() }

    /// Verifies a build that should pass: the digest on standard output, `reproducible: DIGEST` on standard
    /// error, nothing left under ROOT/tmp, the tag naming the image.
    @discardableResult
    private func verifyPasses(
        _ context: String, tag: String, _ arguments: [String] = [], environment: [String: String] = [:]
    ) throws -> (digest: String, stderr: String) {
        let result = try fixture.build(
            context, ["--verify-reproducible", "-t", tag] + arguments, environment: environment)
        #expect(result.succeeded, "\(result.stderr)")
        let digest = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(digest.hasPrefix("sha256:"), "\(result.stdout)")
        #expect(result.stderr.contains("reproducible: \(digest)\n"), "\(result.stderr)")
        #expect(result.stderr.contains("verify-reproducible: build 2 of 2"), "\(result.stderr)")
        #expect(fixture.leftovers().isEmpty, "\(fixture.leftovers())")
        let stored = try fixture.hoist("inspect", tag)
        #expect(stored.succeeded, "\(stored.stderr)")
        #expect(stored.stdout.contains(digest), "\(stored.stdout)")
        return (digest, result.stderr)
    }

    @Test func everyExamplePassesAndItsImageRuns() throws {
        let expected: [(name: String, tag: String, output: String)] = [
            ("static", "localhost/verify-static:1", "a static binary, alone in its image\n"),
            ("heredoc", "localhost/verify-heredoc:1", "Hello from the heredoc example.\nline 1\nline 2\nline 3\n"),
            (
                "cache-mount", "localhost/verify-cache-mount:1",
                "cache seen by 1 build(s); /var/cache/demo in the image: 0 entries\n"
            ),
        ]
        for example in expected {
            try verifyPasses(try fixture.example(example.name), tag: example.tag)
            let run = try fixture.run(example.tag)
            #expect(run.succeeded, "\(example.name): \(run.stderr)")
            #expect(run.stdout.hasPrefix(example.output), "\(example.name): \(run.stdout)")
        }

        let sample = try fixture.example("sample")
        try verifyPasses(
            sample, tag: "localhost/verify-sample:1", ["-f", TestPaths.packageRoot + "/Dockerfile.sample"])
        #expect(try fixture.run("localhost/verify-sample:1").stdout == "hello, world! (uid 1000, in /home/app)\n")

        // The child's base is the parent just verified: it must be in the real store, tagged.
        let onbuild = try fixture.example("onbuild")
        try verifyPasses(onbuild, tag: "hoist-examples/onbuild-parent:1", ["-f", onbuild + "/Dockerfile.parent"])
        try verifyPasses(onbuild, tag: "localhost/verify-onbuild-child:1", ["-f", onbuild + "/Dockerfile.child"])
        #expect(
            try fixture.run("localhost/verify-onbuild-child:1").stdout == "Triggered by the child build.\n(30 bytes)\n")
    }

    @Test func theVerifiedImageIsTheNormalBuildsImageWithItsOutputs() throws {
        let context = try fixture.context(
            "same-as-normal",
            dockerfile: """
                FROM \(BuildFixture.base) AS build
                WORKDIR /src
                COPY app.txt ./
                RUN tr a-z A-Z < app.txt > /shout && mkdir -p /out && cp /shout /out/

                FROM \(BuildFixture.base)
                COPY --from=build /out/ /opt/app/
                RUN echo built > /opt/app/stamp
                CMD ["cat", "/opt/app/shout", "/opt/app/stamp"]
                """,
            files: ["app.txt": "quiet words\n"])
        let iidfile = fixture.scratch.child("verify-iid")
        let metadata = fixture.scratch.child("verify-metadata.json")
        let layout = fixture.scratch.child("verify-layout")
        let (digest, _) = try verifyPasses(
            context, tag: "localhost/verified:1",
            ["--iidfile", iidfile, "--metadata-file", metadata, "-o", "type=oci,dest=\(layout)"])
        #expect(try String(contentsOfFile: iidfile, encoding: .utf8) == digest)
        let meta = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metadata))) as? [String: Any])
        #expect(meta["image.digest"] as? String == digest)
        #expect(meta["tags"] as? [String] == ["localhost/verified:1"])
        #expect((meta["baseImages"] as? [[String: String]])?.first?["name"] == BuildFixture.base)
        #expect(try fixture.run("localhost/verified:1").stdout == "QUIET WORDS\nbuilt\n")
        let fromLayout = try ImageRunner.run(layout: layout, reference: "1", scratch: fixture.scratch)
        #expect(fromLayout.stdout == "QUIET WORDS\nbuilt\n", "\(fromLayout.stderr)")

        // A normal build of the same input in the same root (nothing cached: verification writes no cache
        // entries) makes the very same image.
        let normal = try fixture.build(context, ["-t", "localhost/normal:1"])
        #expect(normal.succeeded, "\(normal.stderr)")
        #expect(normal.stdout == digest + "\n", "\(normal.stderr)")
        #expect(!normal.stderr.contains("CACHED"), "\(normal.stderr)")
        let store = try LayoutContentStore(path: fixture.hoist.root + "/store", create: false)
        #expect(try store.resolveTag("localhost/verified:1")?.digest.description == digest)
    }

    @Test func randomContentFailsNamingTheLayerStepAndFile() throws {
        let context = try fixture.context(
            "noise",
            dockerfile: """
                FROM \(BuildFixture.base)
                RUN echo steady > /steady
                RUN head -c 16 /dev/urandom > /noise
                RUN echo after > /after
                """)
        let result = try fixture.build(context, ["--verify-reproducible", "-t", "localhost/noise:1"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr.contains(
                "hoist: error: not reproducible: layer 3 (RUN /bin/sh -c head -c 16 /dev/urandom > /noise) "
                    + "differs at /noise: content differs\n"),
            "\(result.stderr)")
        #expect(result.stderr.contains("build 1 made sha256:"), "\(result.stderr)")
        #expect(!(try fixture.hoist("inspect", "localhost/noise:1").succeeded))
        #expect(fixture.leftovers().isEmpty, "\(fixture.leftovers())")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.hoist.root + "/tmp").isEmpty)
    }

    @Test func aCacheToIsRefusedAndACacheFromIsNotRead() throws {
        let context = try fixture.context("cache-flags", dockerfile: "FROM \(BuildFixture.base)\nRUN echo hi > /hi\n")
        let refused = try fixture.build(
            context, ["--verify-reproducible", "--cache-to", "type=local,dest=" + fixture.scratch.child("cache")])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--cache-to can't be used with --verify-reproducible"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.scratch.child("cache")))
        // A cache that doesn't exist would be warned about if either build read it.
        let verified = try fixture.build(
            context,
            ["--verify-reproducible", "--cache-from", "type=local,src=" + fixture.scratch.child("no-cache-here")])
        #expect(verified.succeeded, "\(verified.stderr)")
        #expect(!verified.stderr.contains("--cache-from"), "\(verified.stderr)")
    }

    @Test func aFileEachBuildNamesDifferentlyIsNamed() throws {
        let context = try fixture.context(
            "random-name",
            dockerfile: """
                FROM \(BuildFixture.base)
                RUN mkdir /out && touch "/out/$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \\n')"
                """)
        let result = try fixture.build(context, ["--verify-reproducible"])
        #expect(result.status == 1, "\(result.stderr)")
        let pattern = /differs at \/out\/[0-9a-f]{8}: build 2 has \/out\/[0-9a-f]{8} in its place\n/
        #expect(result.stderr.contains(pattern), "\(result.stderr)")
        #expect(fixture.leftovers().isEmpty, "\(fixture.leftovers())")
    }

    @Test func withoutAnyTimeSourceOneTimeServesBothBuilds() throws {
        let context = try fixture.context(
            "no-time", dockerfile: "FROM \(BuildFixture.base)\nRUN echo hello > /hello\n")
        let (_, stderr) = try verifyPasses(
            context, tag: "localhost/no-time:1", environment: ["SOURCE_DATE_EPOCH": ""])
        #expect(stderr.contains(", from the current time, fixed for both builds\n"), "\(stderr)")
        let created = try #require(try fixture.config("localhost/no-time:1")["created"] as? String)
        #expect(stderr.contains("image times: \(created), from the current time"), "\(stderr)")
    }

    @Test func aBaseFromARegistryIsPulledIntoTheRealRoot() throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let remote = "\(registry.address)/base/busybox:1"
        let pushed = try fixture.hoist("push", "--tls-verify=false", BuildFixture.base, remote)
        #expect(pushed.succeeded, "\(pushed.stderr)")
        let context = try fixture.context("pulled", dockerfile: "FROM \(remote)\nRUN echo on-pulled > /pulled\n")
        try verifyPasses(context, tag: "localhost/pulled:1", ["--pull", "--tls-verify=false"])
        let store = try LayoutContentStore(path: fixture.hoist.root + "/store", create: false)
        #expect(try store.resolveTag(remote) != nil)
    }

    /// Starts a verification whose first build prints `started` and sleeps; returns once it has printed that.
    private func startSleepingVerification(_ name: String) throws -> Process {
        let context = try fixture.context(name, dockerfile: "FROM \(BuildFixture.base)\nRUN echo started; sleep 303\n")
        return try fixture.startBuild(["--verify-reproducible", context])
    }

    @Test func interruptedVerificationLeavesNothingBehind() throws {
        let process = try startSleepingVerification("verify-interrupt")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(fixture.leftovers().isEmpty, "\(fixture.leftovers())")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.hoist.root + "/tmp").isEmpty)
    }

    @Test func aKilledVerificationIsCleanedUpByTheNextBuild() throws {
        let process = try startSleepingVerification("verify-killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(!fixture.leftovers().isEmpty)
        let next = try fixture.build(
            try fixture.context("after-verify-kill", dockerfile: "FROM \(BuildFixture.base)\nRUN true\n"), [])
        #expect(next.succeeded, "\(next.stderr)")
        #expect(fixture.leftovers().isEmpty, "\(fixture.leftovers())")
    }
}
