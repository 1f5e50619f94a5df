// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

/// `hoist prune`: what it removes from the store, the build cache and `ROOT/layers`, and what later builds see.
@Suite(.serialized) struct PruneCommandTests {
    let fixture: BuildFixture

    init() throws {
        fixture = try BuildFixture()
    }

    private var root: String { fixture.hoist.root }

    /// A context whose two filesystem steps depend on `name`, so each context has entries of its own.
    private func context(_ name: String, extra: String = "") throws -> String {
        try fixture.context(
            "prune-" + name,
            dockerfile: """
                FROM \(BuildFixture.base)
                COPY data.txt /data-\(name).txt
                RUN cat /data-\(name).txt > /copy-\(name).txt\(extra)
                CMD ["cat", "/copy-\(name).txt"]
                """,
            files: ["data.txt": "content of \(name)\n"])
    }

    /// Builds and returns the image digest, the number of cached steps and every miss reason.
    private func build(_ context: String, _ arguments: [String] = []) throws -> (
        digest: String, cached: Int, misses: [String]
    ) {
        let result = try fixture.build(context, arguments)
        #expect(result.succeeded, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let cached = lines.filter { $0.hasPrefix("#") && $0.hasSuffix(" CACHED") }.count
        let misses = lines.compactMap { line in
            line.range(of: " cache miss: ").map { String(line[$0.upperBound...]) }
        }
        return (result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), cached, misses)
    }

    private func prune(_ arguments: String...) throws -> ProcessResult {
        let result = try Subprocess.run([TestPaths.hoistBinary, "--root", root, "prune"] + arguments)
        #expect(result.succeeded, "prune \(arguments): \(result.stderr)")
        return result
    }

    /// The cache entry files, by name.
    private func entries() throws -> Set<String> {
        Set(
            try FileManager.default.contentsOfDirectory(atPath: root + "/cache/entries").filter {
                $0.hasSuffix(".json")
            })
    }

    /// The trees under ROOT/layers prune manages (`<diffID>` and `dir-<key>`).
    private func trees() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: root + "/layers").filter { !$0.hasPrefix(".") })
    }

    /// Sets the last-used time of entry files into the past, as `touch -d` does.
    private func age(_ names: Set<String>, by description: String) throws {
        for name in names.sorted() {
            let touched = try Subprocess.run(["touch", "-d", description, root + "/cache/entries/" + name])
            #expect(touched.succeeded, "\(touched.stderr)")
        }
    }

    /// How many layers a cache entry lists.
    private func layerCount(of name: String) throws -> Int {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/cache/entries/" + name))
        let entry = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(entry["layers"] as? [Any]).count
    }

    /// Every blob the named image's manifest, config and layers take is still in the store.
    private func expectWhole(_ image: String) throws {
        let store = try LayoutContentStore(path: root + "/store", create: false)
        let descriptor = try #require(try store.resolveTag(image))
        let manifest = try store.readJSON(ImageManifest.self, digest: descriptor.digest)
        for blob in [descriptor, manifest.config] + manifest.layers {
            #expect(try store.hasBlob(blob.digest), "\(image): \(blob.digest) is gone")
        }
    }

    @Test func plainPruneKeepsTheCacheWorkingAndRemovesWhatNothingNeeds() throws {
        let context = try context("plain")
        let first = try build(context, ["-t", "localhost/plain:1"])
        let built = try entries()
        #expect(built.count == 2)
        #expect(try fixture.hoist("rmi", "localhost/plain:1").succeeded)

        // The untagged image's manifest and config go; its layers stay, the cache names them.
        let pruned = try prune()
        #expect(pruned.stdout.hasPrefix("removed 0 cache entries, 2 blobs, 0 layer trees; freed "), "\(pruned.stdout)")
        #expect(try entries() == built)
        let again = try build(context, ["-t", "localhost/plain:1"])
        #expect(again.cached == 2 && again.misses.isEmpty, "\(again.misses)")
        #expect(again.digest == first.digest)
        try expectWhole("localhost/plain:1")
        let nothing = try prune()
        #expect(nothing.stdout.hasPrefix("removed 0 cache entries, 0 blobs, 0 layer trees; freed 0 B"))

        // An entry whose layer is gone (removed by hand here) is itself removed; the cache still works.
        let store = try LayoutContentStore(path: root + "/store", create: false)
        let manifest = try store.readJSON(
            ImageManifest.self, digest: try #require(try store.resolveTag("localhost/plain:1")).digest)
        #expect(try fixture.hoist("rmi", "localhost/plain:1").succeeded)
        try store.deleteBlob(try #require(manifest.layers.last).digest)
        let stale = try prune()
        #expect(stale.stdout.hasPrefix("removed 1 cache entry, 2 blobs, 1 layer tree; freed "), "\(stale.stdout)")
        #expect(try entries().count == 1)
        let rebuilt = try build(context, ["-t", "localhost/plain:1"])
        #expect(rebuilt.cached == 1)
        #expect(rebuilt.misses == ["the cache entry was pruned"])
        #expect(rebuilt.digest == first.digest)
    }

    @Test func allEmptiesTheCacheButNeverTouchesATaggedImage() throws {
        let context = try context("all")
        let first = try build(context, ["-t", "localhost/all:1"])
        let treesBefore = try trees()
        #expect(try entries().count == 2)

        let pruned = try prune("--all")
        #expect(pruned.stdout.hasPrefix("removed 2 cache entries, 0 blobs, 0 layer trees; freed "), "\(pruned.stdout)")
        #expect(try entries().isEmpty)
        #expect(try trees() == treesBefore, "the tagged image's unpacked layers stay")
        try expectWhole("localhost/all:1")
        try expectWhole(BuildFixture.base)
        let run = try fixture.run("localhost/all:1")
        #expect(run.stdout == "content of all\n", "\(run.stderr)")

        let again = try build(context, ["-t", "localhost/all:1"])
        #expect(again.cached == 0)
        #expect(again.misses == ["the cache entry was pruned", "the cache entry was pruned"])
        #expect(again.digest == first.digest)

        // Untagged, the image's own layers and their unpacked trees go too; the base's stay.
        #expect(try fixture.hoist("rmi", "localhost/all:1").succeeded)
        let emptied = try prune("--all")
        #expect(
            emptied.stdout.hasPrefix("removed 2 cache entries, 4 blobs, 2 layer trees; freed "), "\(emptied.stdout)")
        let left = try trees()
        #expect(left.count == 1, "only the base layer's tree: \(left)")
        try expectWhole(BuildFixture.base)
    }

    @Test func blockIndexesGoWithTheirBlobs() throws {
        let context = try fixture.context(
            "prune-blocks",
            dockerfile: """
                FROM \(BuildFixture.base)
                RUN seq 1 400000 > /numbers
                """)
        _ = try build(context, ["-t", "localhost/blocks:1"])
        let indexes = root + "/cache/gzip-blocks"
        #expect(try FileManager.default.contentsOfDirectory(atPath: indexes).count == 1)
        _ = try prune()
        #expect(try FileManager.default.contentsOfDirectory(atPath: indexes).count == 1, "its blob is still named")
        #expect(try fixture.hoist("rmi", "localhost/blocks:1").succeeded)
        _ = try prune("--all")
        #expect(try FileManager.default.contentsOfDirectory(atPath: indexes).isEmpty)
    }

    @Test func layersAKilledProcessWasUnpackingGo() throws {
        // A process that has ended: its pid names nothing that runs now.
        let ended = try Subprocess.run(["sh", "-c", "echo $$"])
        let pid = try #require(Int32(ended.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let hex = String(repeating: "ab", count: 32)
        let abandoned = root + "/layers/\(hex).partial-\(pid)-7"
        let live = root + "/layers/\(hex).partial-\(getpid())-8"
        for directory in [abandoned, live] {
            try FileManager.default.createDirectory(atPath: directory + "/etc", withIntermediateDirectories: true)
        }
        _ = try prune()
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: live), "a running process's extraction stays")
        try FileManager.default.removeItem(atPath: live)
    }

    @Test func untilAndOlderThanRemoveOnlyEntriesUnusedThatLong() throws {
        let old = try context("old")
        let recent = try context("recent")
        _ = try build(old, ["-t", "localhost/old:1"])
        let oldEntries = try entries()
        _ = try build(recent, ["-t", "localhost/recent:1"])
        let recentEntries = try entries().subtracting(oldEntries)
        #expect(oldEntries.count == 2 && recentEntries.count == 2)

        // Everything written two days ago; a hit makes an entry used now.
        try age(oldEntries.union(recentEntries), by: "2 days ago")
        #expect(try build(recent, ["-t", "localhost/recent:1"]).cached == 2)
        let pruned = try prune("--filter", "until=24h")
        #expect(pruned.stdout.hasPrefix("removed 2 cache entries, 0 blobs, 0 layer trees; "), "\(pruned.stdout)")
        #expect(try entries() == recentEntries)
        #expect(try build(recent, ["-t", "localhost/recent:1"]).cached == 2)
        #expect(
            try build(old, ["-t", "localhost/old:1"]).misses == Array(repeating: "the cache entry was pruned", count: 2)
        )

        let rewritten = try entries().subtracting(recentEntries)
        try age(rewritten, by: "3 hours ago")
        #expect(try prune("--older-than", "4h").stdout.hasPrefix("removed 0 cache entries"))
        #expect(try prune("--older-than", "2h").stdout.hasPrefix("removed 2 cache entries"))
        #expect(try entries() == recentEntries)
    }

    @Test func keepStorageRemovesLeastRecentlyUsedEntriesUntilUnderTheLimit() throws {
        // About 1 MB of incompressible data per image: its blob and its unpacked tree, ~2 MB held by the cache.
        let big = " && head -c 1000000 /dev/urandom > /big"
        let older = try context("older", extra: big)
        let newer = try context("newer", extra: big)
        _ = try build(older)
        let olderEntries = try entries()
        _ = try build(newer)
        let newerEntries = try entries().subtracting(olderEntries)
        // The COPY entry (base and COPY layers) used before the RUN entry (which names those and its own): removing
        // the COPY entry first frees nothing, as the RUN entry still keeps its layer.
        let copyEntry = try #require(try olderEntries.first { try layerCount(of: $0) == 2 })
        try age([copyEntry], by: "2 hours ago")
        try age(olderEntries.subtracting([copyEntry]), by: "1 hour ago")

        let roomy = try prune("--keep-storage", "100MB")
        #expect(roomy.stdout.hasPrefix("removed 0 cache entries, 4 blobs, 0 layer trees; "), "\(roomy.stdout)")
        #expect(roomy.stdout.contains("the build cache holds 4."), "\(roomy.stdout)")
        #expect(roomy.stdout.contains(" MB in 4 entries"), "\(roomy.stdout)")

        let pruned = try prune("--keep-storage", "3MB")
        #expect(
            pruned.stdout.hasPrefix("removed 2 cache entries, 2 blobs, 2 layer trees; freed 2."), "\(pruned.stdout)")
        #expect(pruned.stdout.contains("the build cache holds 2."), "\(pruned.stdout)")
        #expect(try entries() == newerEntries)
        #expect(try build(newer).cached == 2)
        #expect(try build(older).misses.count == 2)

        // 1 MiB (binary units) is less than either image's entries hold: every entry goes.
        let tight = try prune("--keep-storage", "1MiB")
        #expect(tight.stdout.hasPrefix("removed 4 cache entries"), "\(tight.stdout)")
        #expect(try entries().isEmpty)
    }

    @Test func keptTreesOfStagesOnlyCopiedFromGoWhenNoEntryNamesThem() throws {
        let multi = try fixture.context(
            "prune-multi",
            dockerfile: """
                FROM \(BuildFixture.base) AS build
                RUN mkdir /out && echo made-in-build > /out/result
                FROM \(BuildFixture.base)
                COPY --from=build /out/result /result
                """)
        _ = try build(multi, ["-t", "localhost/multi:1"])
        let kept = try trees().filter { $0.hasPrefix("dir-") }
        #expect(kept.count == 1)
        #expect(try prune().stdout.hasPrefix("removed 0 cache entries, 0 blobs, 0 layer trees"))
        #expect(try trees().filter { $0.hasPrefix("dir-") } == kept)
        #expect(try build(multi, ["-t", "localhost/multi:1"]).cached == 2)

        // Its tree gone by hand: the entry naming it goes, and the stage runs again.
        try FileManager.default.removeItem(atPath: root + "/layers/" + (kept.first ?? ""))
        #expect(try prune().stdout.hasPrefix("removed 1 cache entry, 0 blobs, 0 layer trees"))
        let rerun = try build(multi, ["-t", "localhost/multi:1"])
        #expect(rerun.misses == ["the cache entry was pruned"], "\(rerun.misses)")
        #expect(try trees().filter { $0.hasPrefix("dir-") }.count == 1)

        let pruned = try prune("--all")
        #expect(pruned.stdout.hasPrefix("removed 2 cache entries, 0 blobs, 1 layer tree; "), "\(pruned.stdout)")
        #expect(try trees().filter { $0.hasPrefix("dir-") }.isEmpty)
        try expectWhole("localhost/multi:1")
    }

    @Test func refusesWhileABuildRunsOnTheRoot() throws {
        let slow = try fixture.context(
            "prune-slow", dockerfile: "FROM \(BuildFixture.base)\nRUN sleep 4 && echo done > /done\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.hoistBinary)
        process.arguments = ["--root", root, "build", "--progress", "plain", slow]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.waitUntilExit() }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline,
            !((try? FileManager.default.contentsOfDirectory(atPath: root + "/tmp")) ?? []).contains(where: {
                $0.hasPrefix("build-")
            })
        {
            usleep(20_000)
        }
        let refused = try Subprocess.run([TestPaths.hoistBinary, "--root", root, "prune", "--all"])
        #expect(refused.status == 1)
        #expect(
            refused.stderr
                == "hoist: error: a build is running on this root (process \(process.processIdentifier)); "
                + "hoist prune removes nothing while one runs, try again when it ends\n")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try prune("--all").stdout.hasPrefix("removed 1 cache entry"))
    }
}

/// `hoist prune` with values it does not accept: a clear one-line error, a non-zero exit, and nothing removed.
struct PruneArgumentTests {
    let scratch: TemporaryDirectory

    init() throws {
        scratch = try TemporaryDirectory()
    }

    @Test(arguments: [
        (["--keep-storage", "10XB"], "invalid size '10XB'"),
        (["--keep-storage=-5"], "invalid size '-5'"),
        (["--keep-storage", "1.2.3GB"], "invalid size '1.2.3GB'"),
        (["--filter", "foo=bar"], "invalid filter 'foo=bar': hoist prune knows only the filter until=DURATION"),
        (["--filter", "until"], "invalid filter 'until': a filter is KEY=VALUE"),
        (["--filter", "until=soon"], "invalid until value 'soon'"),
        (["--older-than", "3x"], "invalid --older-than value '3x'"),
        (["--filter", "until=1h", "--filter", "until=2h"], "conflicting filters: 2 values of 'until'"),
        (["--filter", "until=1h", "--older-than", "2h"], "conflicting filters: '--older-than' and 'until'"),
    ])
    func badValuesFailAndRemoveNothing(arguments: [String], message: String) throws {
        let root = scratch.child("root")
        let garbage = try {
            let store = try LayoutContentStore(path: root + "/store")
            return try store.writeBlob(Array("nothing names this".utf8))
        }()
        let result = try Subprocess.run([TestPaths.hoistBinary, "--root", root, "prune"] + arguments)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("hoist: error: " + message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try LayoutContentStore(path: root + "/store").hasBlob(garbage.digest))
        let pruned = try Subprocess.run([TestPaths.hoistBinary, "--root", root, "prune"])
        #expect(
            pruned.stdout.hasPrefix("removed 0 cache entries, 1 blob, 0 layer trees; freed 18 B"), "\(pruned.stdout)")
    }
}
