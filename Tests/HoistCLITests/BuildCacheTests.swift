// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport
import Testing

/// The local build cache: what hits, what misses, and the reason each miss gives.
@Suite(.serialized) struct BuildCacheTests {
    let fixture: BuildFixture
    let context: String

    init() throws {
        fixture = try BuildFixture()
        context = try fixture.context(
            "cached",
            dockerfile: """
                FROM \(BuildFixture.base)
                COPY app/ /app/
                RUN cat /app/a.txt /app/b.txt > /app/joined
                ARG LATE=one
                RUN echo "late=$LATE" > /late
                """,
            files: [
                "app/a.txt": "alpha\n", "app/b.txt": "beta\n", "app/ignored.log": "noise\n",
                ".dockerignore": "app/*.log\n",
            ])
    }

    /// Builds; returns the digest and, per instruction prefix, `CACHED` or the miss reason.
    private func build(_ arguments: [String] = [], environment: [String: String] = [:]) throws
        -> (digest: String, steps: [String: String])
    {
        let result = try fixture.build(
            context, ["--progress", "plain", "-t", "localhost/cached:1"] + arguments, environment: environment)
        #expect(result.succeeded, "\(result.stderr)")
        var numbers: [String: String] = [:]
        var steps: [String: String] = [:]
        for line in result.stderr.split(separator: "\n").map(String.init) {
            var fields = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard fields.count >= 2, fields[0].hasPrefix("#") else { continue }
            if fields.count == 2 { fields.append("") }
            if fields[1].hasPrefix("["), let close = fields[2].range(of: "] ") {
                let instruction = String(fields[2][close.upperBound...])
                numbers[fields[0]] =
                    String(instruction.prefix(while: { $0 != " " })) + " "
                    + String(instruction.split(separator: " ").dropFirst().first ?? "")
            } else if fields[1] == "CACHED", let name = numbers[fields[0]] {
                steps[name] = "CACHED"
            } else if fields[1] == "cache", fields[2].hasPrefix("miss: "), let name = numbers[fields[0]] {
                steps[name] = String(fields[2].dropFirst("miss: ".count))
            }
        }
        return (result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), steps)
    }

    private func write(_ relative: String, _ content: String) throws {
        try Data(content.utf8).write(to: URL(fileURLWithPath: context + "/" + relative))
    }

    @Test func unchangedTouchedAndIgnoredChangesAllHit() throws {
        let first = try build()
        #expect(first.steps["COPY app/"] == "no cache entry for this step yet")
        let again = try build()
        #expect(again.digest == first.digest)
        #expect(again.steps == ["COPY app/": "CACHED", "RUN cat": "CACHED", "RUN echo": "CACHED"])

        // New mtimes, same bytes: still a hit.
        let later = Date().addingTimeInterval(3600)
        for name in ["a.txt", "b.txt"] {
            try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: context + "/app/" + name)
        }
        // A file .dockerignore excludes changed: not an input.
        try write("app/ignored.log", "other noise\n")
        let touched = try build()
        #expect(touched.steps == ["COPY app/": "CACHED", "RUN cat": "CACHED", "RUN echo": "CACHED"])
        #expect(touched.digest == first.digest)
    }

    @Test func oneChangedByteMissesAtThatCopyAndAfterNamingTheFile() throws {
        let first = try build()
        try write("app/b.txt", "betA\n")
        let changed = try build()
        #expect(changed.steps["COPY app/"] == "source /app/b.txt changed")
        #expect(changed.steps["RUN cat"] == "an earlier step changed")
        #expect(changed.steps["RUN echo"] == "an earlier step changed")
        #expect(changed.digest != first.digest)
        let files = try ImageFiles(fixture: fixture, image: "localhost/cached:1")
        #expect(files.read("/app/joined") == "alpha\nbetA\n")
    }

    @Test func anArgUsedLaterMissesOnlyThere() throws {
        _ = try build()
        let changed = try build(["--build-arg", "LATE=two"])
        #expect(changed.steps["COPY app/"] == "CACHED")
        #expect(changed.steps["RUN cat"] == "CACHED")
        #expect(changed.steps["RUN echo"] == "the value of LATE changed")
        let files = try ImageFiles(fixture: fixture, image: "localhost/cached:1")
        #expect(files.read("/late") == "late=two\n")
    }

    @Test func anotherImageTimeMissesAndGivesWhatAFreshBuildGives() throws {
        _ = try build()
        let later = try build([], environment: ["SOURCE_DATE_EPOCH": "1700000100"])
        #expect(later.steps["COPY app/"] == "the image time (SOURCE_DATE_EPOCH) changed: 1700000000 → 1700000100")
        let fresh = try BuildFixture()
        let context = try fresh.context(
            "cached", dockerfile: try String(contentsOfFile: self.context + "/Dockerfile", encoding: .utf8),
            files: [
                "app/a.txt": "alpha\n", "app/b.txt": "beta\n", "app/ignored.log": "noise\n",
                ".dockerignore": "app/*.log\n",
            ])
        let result = try fresh.build(
            context, ["--quiet", "-t", "localhost/cached:1"], environment: ["SOURCE_DATE_EPOCH": "1700000100"])
        #expect(result.succeeded, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == later.digest)
    }

    @Test func aMovedBaseTagMissesAndSaysFromWhereToWhere() throws {
        let before = try build()
        let oldDigest = try fixture.hoist("inspect", BuildFixture.base)
        let rootfs = fixture.scratch.child("moved-rootfs")
        try BuildFixture.makeBusyboxRoot(at: rootfs)
        try Data("moved\n".utf8).write(to: URL(fileURLWithPath: rootfs + "/etc/moved"))
        let imported = try Subprocess.run(
            [TestPaths.hoistBinary, "--root", fixture.hoist.root, "import", rootfs, "-t", BuildFixture.base],
            extraEnvironment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(imported.succeeded, "\(imported.stderr)")
        let newDigest = imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!oldDigest.stdout.contains(newDigest))
        let after = try build()
        let reason = try #require(after.steps["COPY app/"])
        #expect(reason.hasPrefix("base image \(BuildFixture.base) moved: sha256:"), "\(reason)")
        #expect(reason.hasSuffix("→ \(newDigest)"), "\(reason)")
        #expect(after.digest != before.digest)
    }

    @Test func noCacheRunsEverythingAndFilterOnlyTheNamedStage() throws {
        _ = try build()
        let all = try build(["--no-cache"])
        #expect(all.steps.values.allSatisfy { $0 == "--no-cache" }, "\(all.steps)")
        let filtered = try build(["--no-cache-filter", "0"])
        #expect(filtered.steps.values.allSatisfy { $0 == "--no-cache" }, "\(filtered.steps)")
        let other = try build(["--no-cache-filter", "unrelated"])
        #expect(other.steps.values.allSatisfy { $0 == "CACHED" }, "\(other.steps)")
    }

    @Test func stagesOnlyCopiedFromAreCachedAndCanStillBeExported() throws {
        let multi = try fixture.context(
            "multi-cached",
            dockerfile: """
                FROM \(BuildFixture.base) AS build
                ARG FLAVOUR
                RUN mkdir /out && echo made-in-build$FLAVOUR > /out/result
                FROM \(BuildFixture.base)
                COPY --from=build /out/result /result
                CMD ["cat", "/result"]
                """)
        let first = try fixture.build(multi, ["-t", "localhost/multi-cached:1"])
        #expect(first.succeeded, "\(first.stderr)")
        let again = try fixture.build(multi, ["-t", "localhost/multi-cached:1"])
        #expect(again.stdout == first.stdout)
        #expect(again.stderr.components(separatedBy: " CACHED").count - 1 == 2, "\(again.stderr)")
        // The build stage's layer was never compressed; exporting that stage now writes it from the kept tree.
        let stage = try fixture.build(multi, ["-t", "localhost/build-stage:1", "--target", "build"])
        #expect(stage.succeeded, "\(stage.stderr)")
        #expect(stage.stderr.contains("CACHED"), "\(stage.stderr)")
        let files = try ImageFiles(fixture: fixture, image: "localhost/build-stage:1")
        #expect(files.read("/out/result") == "made-in-build\n")
        let run = try fixture.run("localhost/multi-cached:1")
        #expect(run.stdout == "made-in-build\n", "\(run.stderr)")
        // The build stage changes: the copy from it says so.
        let flavoured = try fixture.build(multi, ["-t", "localhost/multi-cached:1", "--build-arg", "FLAVOUR=-2"])
        #expect(flavoured.stderr.contains("cache miss: FLAVOUR is new"), "\(flavoured.stderr)")
        #expect(flavoured.stderr.contains("cache miss: stage build changed"), "\(flavoured.stderr)")
    }
}
