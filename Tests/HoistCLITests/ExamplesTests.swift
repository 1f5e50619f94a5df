// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport
import Testing

/// Every example of `examples/` and `Dockerfile.sample` builds, runs under runc and prints what it should, and
/// the image passes umoci, skopeo and oci-image-tool.
@Suite(.serialized) struct ExamplesTests {
    let fixture: BuildFixture

    init() throws { fixture = try BuildFixture() }

    private func buildAndRun(_ context: String, tag: String, extra: [String] = []) throws -> String {
        let built = try fixture.build(context, ["-t", tag] + extra)
        #expect(built.succeeded, "\(built.stderr)")
        try checkWithOtherTools(tag)
        let run = try fixture.run(tag)
        #expect(run.succeeded, "\(run.stderr)")
        return run.stdout
    }

    /// skopeo reads it; an exported OCI layout passes oci-image-tool's validation.
    private func checkWithOtherTools(_ tag: String) throws {
        try Subprocess.requireTool("skopeo", package: "skopeo")
        try Subprocess.requireTool("oci-image-tool", package: "oci-image-tool")
        let inspect = try Subprocess.run(["skopeo", "inspect", "oci:\(fixture.hoist.root)/store:\(tag)"])
        #expect(inspect.succeeded, "\(inspect.stderr)")
        let layout = fixture.scratch.child("validate-\(UInt32.random(in: 0...UInt32.max))")
        let copy = try Subprocess.run(["skopeo", "copy", "oci:\(fixture.hoist.root)/store:\(tag)", "oci:\(layout):v"])
        #expect(copy.succeeded, "\(copy.stderr)")
        let validate = try Subprocess.run(["oci-image-tool", "validate", "--type", "image", "--ref", "name=v", layout])
        #expect(validate.succeeded, "\(validate.stdout) \(validate.stderr)")
    }

    @Test func sampleDockerfileBuildsAndGreets() throws {
        let context = try fixture.example("sample")
        let output = try buildAndRun(
            context, tag: "localhost/sample:1", extra: ["-f", TestPaths.packageRoot + "/Dockerfile.sample"])
        #expect(output == "hello, world! (uid 1000, in /home/app)\n")
        let config = try fixture.config("localhost/sample:1")
        let container = try #require(config["config"] as? [String: Any])
        #expect(container["User"] as? String == "app")
        #expect(container["Entrypoint"] as? [String] == ["/opt/greet/bin/greet"])
        #expect((container["Labels"] as? [String: String])?["org.opencontainers.image.title"] == "hoist-sample")
        #expect((container["ExposedPorts"] as? [String: Any])?.keys.sorted() == ["8080/tcp"])
    }

    @Test func staticBinaryExample() throws {
        let output = try buildAndRun(try fixture.example("static"), tag: "localhost/static:1")
        #expect(output == "a static binary, alone in its image\n")
        let files = try ImageFiles(fixture: fixture, image: "localhost/static:1")
        #expect(try FileManager.default.contentsOfDirectory(atPath: files.rootfs) == ["busybox"])
    }

    @Test func heredocExample() throws {
        let output = try buildAndRun(try fixture.example("heredoc"), tag: "localhost/heredoc:1")
        #expect(
            output == """
                Hello from the heredoc example.
                line 1
                line 2
                line 3
                interpreter: /dev/pipes/EOF ran as 0

                """)
    }

    @Test func cacheMountExample() throws {
        let context = try fixture.example("cache-mount")
        let output = try buildAndRun(context, tag: "localhost/cache-mount:1")
        #expect(output == "cache seen by 1 build(s); /var/cache/demo in the image: 0 entries\n")
    }

    @Test func onBuildPairExample() throws {
        let context = try fixture.example("onbuild")
        let parent = try fixture.build(
            context, ["-f", context + "/Dockerfile.parent", "-t", "hoist-examples/onbuild-parent:1"])
        #expect(parent.succeeded, "\(parent.stderr)")
        let config = try fixture.config("hoist-examples/onbuild-parent:1")
        #expect(
            (config["config"] as? [String: Any])?["OnBuild"] as? [String] == [
                "COPY message.txt /app/message.txt", "RUN wc -c < /app/message.txt > /app/size",
            ])
        let output = try buildAndRun(
            context, tag: "localhost/onbuild-child:1", extra: ["-f", context + "/Dockerfile.child"])
        #expect(output == "Triggered by the child build.\n(30 bytes)\n")
        let child = try fixture.config("localhost/onbuild-child:1")
        #expect((child["config"] as? [String: Any])?["OnBuild"] == nil)
    }
}
