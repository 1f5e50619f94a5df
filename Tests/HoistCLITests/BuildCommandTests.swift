// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

@Suite(.serialized) struct BuildCommandTests {
    let fixture: BuildFixture

    init() throws { fixture = try BuildFixture() }

    @Test func multiStageBuildRunsEveryInstructionAndTheImageRuns() throws {
        let context = try fixture.context(
            "multi",
            dockerfile: """
                ARG BASE=\(BuildFixture.base)
                FROM $BASE AS tools
                RUN mkdir -p /out && echo built-in-tools > /out/tool.txt

                FROM ${BASE}
                MAINTAINER Hoist Tests <tests@example.org>
                ARG WHO=world
                ENV GREETING="hello" PATH=/opt/bin:$PATH
                LABEL org.example.who=$WHO
                RUN rm /bin/vi && echo "$GREETING, $WHO" > /greeting
                WORKDIR app
                RUN --mount=type=bind,from=tools,source=/out,target=/mnt/tools cp /mnt/tools/tool.txt .
                RUN <<EOF
                set -e
                echo "from a heredoc in $(pwd)" > heredoc.txt
                EOF
                USER app:staff
                EXPOSE 8080 9000-9001/udp
                VOLUME /data
                STOPSIGNAL SIGTERM
                HEALTHCHECK --interval=5s CMD ["true"]
                ONBUILD RUN echo triggered
                ENTRYPOINT ["/bin/sh", "-c"]
                CMD ["cat /greeting /app/tool.txt /app/heredoc.txt; id -u; id -g; test -e /bin/vi || echo no-vi"]
                """)
        let result = try fixture.build(context, ["-t", "localhost/multi:1", "--build-arg", "WHO=tests"])
        #expect(result.succeeded, "\(result.stderr)")
        let digest = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Digest(parsing: digest).algorithm == "sha256")

        let config = try fixture.config("localhost/multi:1")
        let container = try #require(config["config"] as? [String: Any])
        #expect(
            container["Env"] as? [String] == [
                "PATH=/opt/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hello",
            ])
        #expect(container["User"] as? String == "app:staff")
        #expect(container["WorkingDir"] as? String == "/app")
        #expect((container["Labels"] as? [String: String])?["org.example.who"] == "tests")
        #expect((container["Labels"] as? [String: String])?["maintainer"] == "Hoist Tests <tests@example.org>")
        #expect(config["author"] as? String == "Hoist Tests <tests@example.org>")
        #expect(
            Set((container["ExposedPorts"] as? [String: Any])?.keys ?? [:].keys) == [
                "8080/tcp", "9000/udp", "9001/udp",
            ])
        #expect((container["Volumes"] as? [String: Any])?.keys.sorted() == ["/data"])
        #expect(container["StopSignal"] as? String == "SIGTERM")
        #expect(container["OnBuild"] as? [String] == ["RUN echo triggered"])
        #expect((container["Healthcheck"] as? [String: Any])?["Interval"] as? Int == 5_000_000_000)
        #expect(config["created"] as? String == "2023-11-14T22:13:20Z")
        let history = try #require(config["history"] as? [[String: Any]])
        let rootfs = try #require(config["rootfs"] as? [String: Any])
        let layerCount = (rootfs["diff_ids"] as? [String])?.count ?? 0
        #expect(history.filter { $0["empty_layer"] as? Bool != true }.count == layerCount)
        // base, the RUN that deletes vi, WORKDIR, the bind-mount copy and the heredoc.
        #expect(layerCount == 5)
        #expect(history.contains { ($0["created_by"] as? String)?.hasPrefix("RUN /bin/sh -c rm /bin/vi") == true })

        let run = try fixture.run("localhost/multi:1")
        #expect(run.succeeded, "\(run.stderr)")
        #expect(run.stdout == "hello, tests\nbuilt-in-tools\nfrom a heredoc in /app\n1000\n50\nno-vi\n")
        #expect(fixture.leftovers().isEmpty)
    }

    @Test func failingRunStopsTheBuildWithItsExitCodeAndLeavesNoImage() throws {
        let context = try fixture.context(
            "failing",
            dockerfile: """
                FROM \(BuildFixture.base)
                RUN echo before
                RUN echo about to fail >&2; exit 7
                RUN echo never
                """)
        let result = try fixture.build(context, ["-t", "localhost/failing:1"])
        #expect(result.status == 7)
        #expect(result.stderr.contains("Dockerfile:3:1"), "\(result.stderr)")
        #expect(result.stderr.contains("exit code 7"), "\(result.stderr)")
        #expect(result.stderr.contains("about to fail"))
        #expect(!result.stderr.contains("never"))
        let images = try fixture.hoist("images")
        #expect(!images.stdout.contains("localhost/failing"))
        #expect(fixture.leftovers().isEmpty)
        let store = try LayoutContentStore(path: fixture.hoist.root + "/store", create: false)
        #expect(try store.readIndex().manifests.count == 1)
    }

    @Test func clearErrorsForBadInput() throws {
        let cases: [(dockerfile: String, arguments: [String], message: String)] = [
            (
                "FROM \(BuildFixture.base)\nRUN true\n", ["--target", "nope"],
                "target stage \"nope\" could not be found"
            ),
            ("FROM \(BuildFixture.base)\nCOPY --from=later /x /x\nFROM scratch AS later\n", [], "is defined later"),
            ("FROM \(BuildFixture.base)\nRUN true\n", ["--build-arg", "=x"], "--build-arg"),
            ("FROM \(BuildFixture.base)\nRUN true\n", ["--build-arg", "1A=x"], "not a valid argument name"),
            ("FROM 127.0.0.1:1/nothing/here:1\n", [], "base image '127.0.0.1:1/nothing/here:1' is not available"),
            ("FROM \(BuildFixture.base)\nRUNN true\n", [], "Dockerfile:2"),
            (
                "FROM \(BuildFixture.base)\nCOPY missing.txt /x\n", [],
                "Dockerfile:2:1: COPY missing.txt /x: source 'missing.txt' not found: no such file or directory"
            ),
            (
                "FROM \(BuildFixture.base)\nCOPY ignored.txt /x\n", [],
                "source 'ignored.txt' not found: it is excluded by .dockerignore (check your .dockerignore file)"
            ),
        ]
        for (index, testCase) in cases.enumerated() {
            let context = try fixture.context(
                "bad-\(index)", dockerfile: testCase.dockerfile,
                files: ["ignored.txt": "excluded\n", ".dockerignore": "ignored.txt\n"])
            let result = try fixture.build(context, testCase.arguments + ["--tls-verify=false", "--retries", "1"])
            #expect(result.status != 0, "case \(index)")
            #expect(result.stderr.contains(testCase.message), "case \(index): \(result.stderr)")
        }
        #expect(
            try LayoutContentStore(path: fixture.hoist.root + "/store", create: false).readIndex().manifests.count == 1)
        #expect(fixture.leftovers().isEmpty)
    }

    @Test func runMountsAndNetworkIsolation() throws {
        let secret = fixture.scratch.child("token")
        try Data("s3cr3t".utf8).write(to: URL(fileURLWithPath: secret))
        let context = try fixture.context(
            "mounts",
            dockerfile: """
                FROM \(BuildFixture.base)
                RUN --mount=type=secret,id=token test "$(cat /run/secrets/token)" = s3cr3t && echo secret-ok > /secret-ok
                RUN --mount=type=secret,id=token,env=TOKEN test "$TOKEN" = s3cr3t
                RUN --mount=type=tmpfs,target=/scratch touch /scratch/x && mount | grep -q ' /scratch ' && echo ok > /tmpfs-ok
                RUN --mount=type=cache,target=/cache echo run >> /cache/runs && wc -l < /cache/runs > /cache-runs
                RUN --mount=type=bind,target=/ctx cat /ctx/input.txt > /from-context
                RUN --network=none sh -c 'ls /sys/class/net | tr "\\n" " " > /interfaces'
                """,
            files: ["input.txt": "from the context\n"])
        for attempt in 1...2 {
            // --no-cache: the second build runs every step again, and sees what the first left in the cache mount.
            let result = try fixture.build(
                context, ["-t", "localhost/mounts:1", "--secret", "id=token,src=\(secret)", "--no-cache"])
            #expect(result.succeeded, "\(result.stderr)")
            let out = try ImageFiles(fixture: fixture, image: "localhost/mounts:1")
            #expect(out.read("/secret-ok") == "secret-ok\n")
            #expect(out.read("/tmpfs-ok") == "ok\n")
            #expect(out.read("/cache-runs") == "\(attempt)\n")
            #expect(out.read("/from-context") == "from the context\n")
            #expect(out.read("/interfaces") == "lo ")
            #expect(!out.exists("/run/secrets/token"))
            #expect(!out.exists("/run/secrets"))
            #expect(!out.exists("/cache"))
            #expect(!out.exists("/scratch"))
            #expect(!out.exists("/ctx"))
        }
        let missing = try fixture.context(
            "secret-missing",
            dockerfile: "FROM \(BuildFixture.base)\nRUN --mount=type=secret,id=absent,required=true true\n")
        let result = try fixture.build(missing, [])
        #expect(result.status != 0)
        #expect(result.stderr.contains("secret 'absent' is required"), "\(result.stderr)")
    }

    @Test func outputsMetadataQuietAndJSONProgress() throws {
        try Subprocess.requireTool("skopeo", package: "skopeo")
        let context = try fixture.context(
            "outputs",
            dockerfile: """
                FROM \(BuildFixture.base)
                RUN echo payload > /payload
                CMD ["cat", "/payload"]
                """)
        let layout = fixture.scratch.child("layout")
        let ociTar = fixture.scratch.child("image-oci.tar")
        let dockerTar = fixture.scratch.child("image-docker.tar")
        let metadata = fixture.scratch.child("metadata.json")
        let iidfile = fixture.scratch.child("iid")
        let result = try fixture.build(
            context,
            [
                "-t", "localhost/outputs:1", "--output", "type=oci,dest=\(layout)", "--output",
                "type=oci,dest=\(ociTar)", "--output", "type=docker,dest=\(dockerTar)", "--metadata-file", metadata,
                "--iidfile", iidfile, "--quiet",
            ])
        #expect(result.succeeded, "\(result.stderr)")
        let digest = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(result.stdout == digest + "\n")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(try String(contentsOfFile: iidfile, encoding: .utf8) == digest)

        let meta = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metadata))) as? [String: Any])
        #expect(meta["image.digest"] as? String == digest)
        #expect(meta["tags"] as? [String] == ["localhost/outputs:1"])
        #expect((meta["layers"] as? [[String: Any]])?.count == 2)
        let bases = try #require(meta["baseImages"] as? [[String: String]])
        #expect(bases.first?["name"] == BuildFixture.base)

        let fromLayout = try ImageRunner.run(layout: layout, reference: "1", scratch: fixture.scratch)
        #expect(fromLayout.stdout == "payload\n", "\(fromLayout.stderr)")
        for reference in ["oci-archive:\(ociTar)", "docker-archive:\(dockerTar)", "oci:\(layout):1"] {
            let inspect = try Subprocess.run(["skopeo", "inspect", reference])
            #expect(inspect.succeeded, "\(reference): \(inspect.stderr)")
        }

        let json = try fixture.build(context, ["--progress", "json", "--no-cache"])
        #expect(json.succeeded, "\(json.stderr)")
        let events = json.stderr.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(events.count == json.stderr.split(separator: "\n").count)
        #expect(
            events.contains {
                $0["event"] as? String == "step" && $0["instruction"] as? String == "RUN echo payload > /payload"
            })
        #expect(events.contains { $0["event"] as? String == "done" && $0["result"] as? String == "layer" })
        #expect(events.last?["event"] as? String == "image")
        #expect(events.contains { $0["event"] as? String == "cache-miss" && $0["reason"] as? String == "--no-cache" })
        let cached = try fixture.build(context, ["--progress", "json"])
        #expect(cached.stderr.contains(#""result":"cached""#), "\(cached.stderr)")
        #expect(cached.stdout == json.stdout)
    }

    @Test func pushesToARegistryThatServesItBack() throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let context = try fixture.context(
            "push", dockerfile: "FROM \(BuildFixture.base)\nRUN echo pushed > /pushed\nCMD [\"cat\", \"/pushed\"]\n")
        let reference = "\(registry.address)/app/pushed:1"
        let result = try fixture.build(context, ["-t", reference, "--push", "--tls-verify=false"])
        #expect(result.succeeded, "\(result.stderr)")
        let digest = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let other = HoistRunner(root: fixture.scratch.child("other-root"))
        let pulled = try other("pull", "--tls-verify=false", reference)
        #expect(pulled.succeeded, "\(pulled.stderr)")
        #expect(pulled.stdout.contains(digest), "\(pulled.stdout)")
        let run = try ImageRunner.run(layout: other.root + "/store", reference: reference, scratch: fixture.scratch)
        #expect(run.stdout == "pushed\n", "\(run.stderr)")
    }

    @Test func aBaseTheRegistryDoesNotHaveIsAClearError() throws {
        let registry = try RegistryServer()
        defer { registry.stop() }
        let context = try fixture.context(
            "missing-base", dockerfile: "FROM \(registry.address)/nothing/here:1\nRUN true\n")
        let result = try fixture.build(context, ["--tls-verify=false", "--retries", "1"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("base image '\(registry.address)/nothing/here:1' is not available"),
            "\(result.stderr)")
        #expect(
            try LayoutContentStore(path: fixture.hoist.root + "/store", create: false).readIndex().manifests.count == 1)
        #expect(fixture.leftovers().isEmpty)
    }

    /// Starts a build whose RUN prints `started` and sleeps; returns once it has printed that.
    /// Each caller sleeps a different number of seconds, so `ps` can tell its process from other tests'.
    private func startSleepingBuild(_ name: String, seconds: Int) throws -> Process {
        let context = try fixture.context(
            name, dockerfile: "FROM \(BuildFixture.base)\nRUN echo started; sleep \(seconds)\n")
        return try fixture.startBuild([context])
    }

    @Test func interruptedBuildLeavesNothingBehind() throws {
        let process = try startSleepingBuild("interrupt", seconds: 301)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(fixture.leftovers().isEmpty)
        let ps = try Subprocess.run(["ps", "-eo", "args"])
        #expect(!ps.stdout.contains("sleep 301"))
    }

    @Test func killedBuildIsCleanedUpByTheNextStart() throws {
        let process = try startSleepingBuild("killed", seconds: 302)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(!fixture.leftovers().isEmpty)
        let next = try fixture.build(
            try fixture.context("after-kill", dockerfile: "FROM \(BuildFixture.base)\nRUN true\n"), [])
        #expect(next.succeeded, "\(next.stderr)")
        #expect(fixture.leftovers().isEmpty, "\(fixture.leftovers())")
    }

    @Test func imageTimesComeFromSourceDateEpochThenGitThenTimestamp() throws {
        let context = try fixture.context(
            "times", dockerfile: "FROM scratch\nCOPY file /file\n", files: ["file": "x\n"])
        func created(_ arguments: [String], environment: [String: String]) throws -> (String?, String) {
            let result = try Subprocess.run(
                [
                    TestPaths.hoistBinary, "--root", fixture.hoist.root, "build", "--progress", "plain", "-t",
                    "localhost/times:1",
                ]
                    + arguments + [context], environment: environment)
            #expect(result.succeeded, "\(result.stderr)")
            return (try fixture.config("localhost/times:1")["created"] as? String, result.stderr)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["SOURCE_DATE_EPOCH"] = nil
        let (fromTimestamp, said) = try created(["--timestamp", "86400"], environment: environment)
        #expect(fromTimestamp == "1970-01-02T00:00:00Z")
        #expect(said.contains("image times: 1970-01-02T00:00:00Z, from --timestamp"), "\(said)")
        for command in [
            ["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "c"],
        ] {
            let git = try Subprocess.run(
                ["git", "-C", context] + command,
                extraEnvironment: ["GIT_COMMITTER_DATE": "@1600000000 +0000", "GIT_AUTHOR_DATE": "@1600000000 +0000"])
            #expect(git.succeeded, "\(git.stderr)")
        }
        let (fromGit, _) = try created(["--timestamp", "86400"], environment: environment)
        #expect(fromGit == "2020-09-13T12:26:40Z")
        environment["SOURCE_DATE_EPOCH"] = "1700000000"
        let (fromEnvironment, _) = try created([], environment: environment)
        #expect(fromEnvironment == "2023-11-14T22:13:20Z")
    }

    @Test func foreignPlatformWithoutBinfmtIsRefusedClearly() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/sys/fs/binfmt_misc")) ?? []
        try #require(!names.contains { $0.contains("s390x") }, "a binfmt handler for s390x is registered here")
        let context = try fixture.context("foreign", dockerfile: "FROM scratch\nRUN true\n")
        let result = try fixture.build(context, ["--platform", "linux/s390x"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot build for linux/s390x"), "\(result.stderr)")
    }
}

/// Files of an image, read by unpacking it with umoci.
struct ImageFiles {
    let rootfs: String

    init(fixture: BuildFixture, image: String) throws {
        let bundle = fixture.scratch.child("files-\(UInt32.random(in: 0...UInt32.max))")
        let unpack = try Subprocess.run(["umoci", "unpack", "--image", "\(fixture.hoist.root)/store:\(image)", bundle])
        guard unpack.succeeded else { throw TestSupportError.setup("umoci unpack: \(unpack.stderr)") }
        rootfs = bundle + "/rootfs"
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: rootfs + path, encoding: .utf8) }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(rootfs + path, &info) == 0
    }
}
