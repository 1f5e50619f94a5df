// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport
import Testing

/// `--cache-to` and `--cache-from`: separate roots stand for separate machines sharing one cache, in a real
/// registry or in an image layout directory.
@Suite(.serialized) struct RemoteCacheTests {
    /// Two stages: a build stage (COPY from the context, RUN) and a final one (COPY, COPY --from, RUN).
    static let dockerfile = """
        FROM \(BuildFixture.base) AS build
        COPY src/ /src/
        RUN cat /src/a.txt /src/b.txt > /joined && echo RAN-IN-BUILD
        FROM \(BuildFixture.base)
        COPY app.txt /app.txt
        COPY --from=build /joined /joined
        RUN echo final >> /app.txt && echo RAN-IN-FINAL
        CMD ["cat", "/joined"]
        """
    static let files = ["src/a.txt": "alpha\n", "src/b.txt": "beta\n", "app.txt": "app\n"]
    static let buildSteps: Set = ["COPY src/ /src/", "RUN cat /src/a.txt /src/b.txt > /joined && echo RAN-IN-BUILD"]
    static let finalSteps: Set = [
        "COPY app.txt /app.txt", "COPY --from=build /joined /joined",
        "RUN echo final >> /app.txt && echo RAN-IN-FINAL",
    ]
    static let cacheManifestType = "application/vnd.hoist.cache.v1+json"
    static let cacheConfigType = "application/vnd.hoist.cache.config.v1+json"

    /// One machine: a root with the busybox base, and a context with the Dockerfile.
    struct Machine {
        let fixture: BuildFixture
        let context: String

        init(dockerfile: String = RemoteCacheTests.dockerfile) throws {
            fixture = try BuildFixture()
            context = try fixture.context("app", dockerfile: dockerfile, files: RemoteCacheTests.files)
        }

        func build(_ arguments: [String]) throws -> Built {
            let result = try fixture.build(context, ["-t", "localhost/app:1"] + arguments)
            return Built(result: result)
        }
    }

    /// A build's outcome as its plain progress shows it.
    struct Built {
        let result: ProcessResult
        /// Instructions (filesystem steps) that were CACHED.
        var cached: Set<String> = []
        /// Instructions that missed, with the reason.
        var misses: [String: String] = [:]
        /// Instructions whose entry came from the remote cache.
        var fromRemote: Set<String> = []
        /// What the steps' commands printed.
        var output: [String] = []

        init(result: ProcessResult) {
            self.result = result
            var instructions: [String: String] = [:]
            for line in result.stderr.split(separator: "\n").map(String.init) {
                let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
                guard fields.count >= 2, fields[0].hasPrefix("#") else { continue }
                let rest = fields.count > 2 ? fields[2] : ""
                if fields[1].hasPrefix("["), let close = line.range(of: "] ") {
                    let text = line[close.upperBound...].components(separatedBy: "  (").dropLast()
                    instructions[fields[0]] = text.joined(separator: "  (")
                } else if fields[1] == "CACHED" {
                    cached.insert(instructions[fields[0]] ?? "?")
                } else if fields[1] == "cache", rest.hasPrefix("miss: ") {
                    misses[instructions[fields[0]] ?? "?"] = String(rest.dropFirst("miss: ".count))
                } else if fields[1] == "found", rest.hasPrefix("in the remote cache ") {
                    fromRemote.insert(instructions[fields[0]] ?? "?")
                } else if fields[1].contains("."), Double(fields[1]) != nil {
                    output.append(rest)
                }
            }
        }

        var succeeded: Bool { result.succeeded }
        var digest: String { result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        var stderr: String { result.stderr }
    }

    // MARK: - Registry

    @Test func aSecondMachineReusesEveryStepFromTheRegistryAndAnUnrelatedCacheReusesNothing() throws {
        let registry = try RegistryServer()
        let ref = "\(registry.address)/cache/app:main"
        let otherRef = "\(registry.address)/cache/other:main"
        let missingRef = "\(registry.address)/cache/never-pushed:1"

        let machineA = try Machine()
        let built = try machineA.build(["--cache-to", "type=registry,ref=\(ref),mode=max"])
        try #require(built.succeeded, "\(built.stderr)")
        #expect(built.output.contains("RAN-IN-BUILD") && built.output.contains("RAN-IN-FINAL"), "\(built.stderr)")
        #expect(built.stderr.contains("exported the build cache to \(ref): 5 entries"), "\(built.stderr)")
        let other = try Machine(dockerfile: "FROM \(BuildFixture.base)\nRUN echo other > /other\n")
        let otherBuilt = try other.build(["--cache-to", "type=registry,ref=\(otherRef)"])
        try #require(otherBuilt.succeeded, "\(otherBuilt.stderr)")

        // Machine B: a fresh root with only the base. Every filesystem step comes from the registry.
        let machineB = try Machine()
        let reused = try machineB.build(["--cache-from", "type=registry,ref=\(ref)"])
        try #require(reused.succeeded, "\(reused.stderr)")
        #expect(reused.cached == Self.buildSteps.union(Self.finalSteps), "\(reused.stderr)")
        #expect(reused.fromRemote == Self.buildSteps.union(Self.finalSteps), "\(reused.stderr)")
        #expect(reused.misses.isEmpty, "\(reused.misses)")
        #expect(reused.output.isEmpty, "nothing ran: \(reused.output)")
        #expect(reused.digest == built.digest)
        let run = try machineB.fixture.run("localhost/app:1")
        #expect(run.stdout == "alpha\nbeta\n", "\(run.stderr)")

        // Machine C: an unrelated cache and a missing one. Everything runs; the missing one is a warning.
        let machineC = try Machine()
        let fresh = try machineC.build([
            "--cache-from", "type=registry,ref=\(otherRef)", "--cache-from", "type=registry,ref=\(missingRef)",
        ])
        try #require(fresh.succeeded, "\(fresh.stderr)")
        #expect(fresh.cached.isEmpty, "\(fresh.stderr)")
        #expect(fresh.output.contains("RAN-IN-BUILD") && fresh.output.contains("RAN-IN-FINAL"))
        #expect(fresh.stderr.contains("warning: --cache-from: no build cache at \(missingRef)"), "\(fresh.stderr)")
        #expect(fresh.digest == built.digest)
    }

    /// With mode=min the cache holds the final stage's steps only: the build stage runs again on machine B, but
    /// its steps' keys are the same, so the final stage (COPY --from included) still comes from the cache.
    @Test func modeMinCarriesTheFinalStageOnly() throws {
        let registry = try RegistryServer()
        let ref = "\(registry.address)/cache/app:min"
        let machineA = try Machine()
        let built = try machineA.build(["--cache-to", "type=registry,ref=\(ref)"])
        try #require(built.succeeded, "\(built.stderr)")
        #expect(built.stderr.contains("exported the build cache to \(ref): 3 entries"), "\(built.stderr)")

        let machineB = try Machine()
        let reused = try machineB.build(["--cache-from", "type=registry,ref=\(ref)"])
        try #require(reused.succeeded, "\(reused.stderr)")
        #expect(Set(reused.misses.keys) == Self.buildSteps, "\(reused.stderr)")
        #expect(reused.output == ["RAN-IN-BUILD"], "\(reused.stderr)")
        #expect(reused.cached == Self.finalSteps, "\(reused.stderr)")
        #expect(reused.digest == built.digest)
    }

    // MARK: - Image layout

    @Test func aLayoutDirectoryCacheIsSharedVerifiedAndWrittenTheSameWayTwice() throws {
        let machineA = try Machine()
        let directory = machineA.fixture.scratch.child("shared-cache")
        let built = try machineA.build(["--cache-to", "type=local,dest=\(directory),mode=max"])
        try #require(built.succeeded, "\(built.stderr)")
        let manifestDigest = try Self.checkLayout(directory)

        let machineB = try Machine()
        let again = machineB.fixture.scratch.child("re-exported")
        let reused = try machineB.build([
            "--cache-from", "type=local,src=\(directory)", "--cache-to", "type=local,dest=\(again),mode=max",
        ])
        try #require(reused.succeeded, "\(reused.stderr)")
        #expect(reused.cached == Self.buildSteps.union(Self.finalSteps), "\(reused.stderr)")
        #expect(reused.output.isEmpty, "\(reused.output)")
        #expect(reused.digest == built.digest)
        // The same entries give the same cache manifest, byte for byte.
        #expect(try Self.checkLayout(again) == manifestDigest)

        // A layer blob altered in the cache: that entry is a miss (the step runs), the rest still hit.
        let manifest = try Self.json(machineA.fixture.hoist("inspect", "--raw", "localhost/app:1").stdoutBytes)
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        let lastLayer = try #require(layers.last?["digest"] as? String)
        let blob = directory + "/blobs/sha256/" + lastLayer.dropFirst("sha256:".count)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: blob))
        let machineD = try Machine()
        let partial = try machineD.build(["--cache-from", "type=local,src=\(directory)"])
        try #require(partial.succeeded, "\(partial.stderr)")
        let runStep = "RUN echo final >> /app.txt && echo RAN-IN-FINAL"
        #expect(partial.misses.keys.sorted() == [runStep], "\(partial.stderr)")
        #expect(partial.misses[runStep]?.hasPrefix("the remote cache's entry can't be used: ") == true)
        #expect(partial.cached == Self.buildSteps.union(Self.finalSteps).subtracting([runStep]))
        #expect(partial.output == ["RAN-IN-FINAL"], "\(partial.stderr)")
        #expect(partial.digest == built.digest)
    }

    /// Checks a layout cache: index.json names one cache manifest, whose config and layers are all there.
    /// - Returns: the manifest's digest.
    static func checkLayout(_ directory: String) throws -> String {
        let layout = try json(Data(contentsOf: URL(fileURLWithPath: directory + "/oci-layout")))
        #expect(layout["imageLayoutVersion"] as? String == "1.0.0")
        let index = try json(Data(contentsOf: URL(fileURLWithPath: directory + "/index.json")))
        let manifests = try #require(index["manifests"] as? [[String: Any]])
        try #require(manifests.count == 1)
        #expect(manifests[0]["artifactType"] as? String == cacheManifestType)
        let digest = try #require(manifests[0]["digest"] as? String)
        let manifestPath = directory + "/blobs/sha256/" + digest.dropFirst("sha256:".count)
        let manifest = try json(Data(contentsOf: URL(fileURLWithPath: manifestPath)))
        #expect(manifest["artifactType"] as? String == cacheManifestType)
        let config = try #require(manifest["config"] as? [String: Any])
        #expect(config["mediaType"] as? String == cacheConfigType)
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(!layers.isEmpty)
        for descriptor in layers + [config] {
            let name = try #require(descriptor["digest"] as? String)
            let path = directory + "/blobs/sha256/" + name.dropFirst("sha256:".count)
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber
            #expect(size?.int64Value == (descriptor["size"] as? NSNumber)?.int64Value, "\(name)")
        }
        let configDigest = try #require(config["digest"] as? String)
        let configPath = directory + "/blobs/sha256/" + configDigest.dropFirst("sha256:".count)
        let entries = try #require(
            try json(Data(contentsOf: URL(fileURLWithPath: configPath)))["entries"] as? [String: Any])
        #expect(entries.count == 5)
        return digest
    }

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    // MARK: - Errors

    @Test(arguments: [
        (["--cache-to", "type=s3,ref=x"], "type must be registry or local, not 's3'"),
        (["--cache-to", "type=registry"], "type=registry needs ref=REPOSITORY:TAG"),
        (["--cache-to", "type=registry,ref=localhost/c:1,mode=all"], "mode takes min or max, not 'all'"),
        (["--cache-to", "type=local,src=/tmp/c"], "unknown key 'src'"),
        (["--cache-from", "type=local"], "type=local needs src=DIR"),
        (["--cache-from", "ref=localhost/c:1"], "type=registry or type=local is required"),
        (["--cache-from", "type=registry,ref=Not A Ref"], "is not an image reference"),
    ])
    func badCacheOptionsAreClearErrors(arguments: [String], message: String) throws {
        let scratch = try TemporaryDirectory("hoist-cache-flags")
        let context = scratch.child("context")
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try Data("FROM scratch\n".utf8).write(to: URL(fileURLWithPath: context + "/Dockerfile"))
        let result = try Subprocess.run(
            [TestPaths.hoistBinary, "--root", scratch.child("root"), "build"] + arguments + [context])
        #expect(!result.succeeded)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.child("root") + "/store"))
    }

    @Test func aFailedExportIsAnErrorButTheImageStays() throws {
        let machine = try Machine()
        let blocker = machine.fixture.scratch.child("a-file")
        try Data("not a directory\n".utf8).write(to: URL(fileURLWithPath: blocker))
        let built = try machine.build(["--cache-to", "type=local,dest=\(blocker)/cache"])
        #expect(!built.succeeded)
        #expect(built.stderr.contains("was built and stored, but exporting the build cache to"), "\(built.stderr)")
        let inspect = try machine.fixture.hoist("inspect", "localhost/app:1")
        #expect(inspect.succeeded, "\(inspect.stderr)")
    }
}
