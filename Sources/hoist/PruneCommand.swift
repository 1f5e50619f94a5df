// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Free space: remove what no image name and no build-cache entry needs, and cache entries you choose.",
        discussion: """
            Without options, prune keeps every cache entry that still works and removes blobs, cache entries and \
            layer trees that nothing needs; later builds still hit the cache. --all, --filter until= and \
            --older-than, and --keep-storage also remove working cache entries. It refuses to run while a build \
            runs on the same root. See specs/cache.md, "Pruning".
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .shortAndLong, help: "Remove every build-cache entry too; tagged images keep their blobs.")
    var all = false

    @Option(
        help: ArgumentHelp(
            "Remove cache entries not used for DURATION (90m, 24h, 7d, 1h30m), or not since a time (RFC 3339, or seconds since 1970). until= is the only filter, as Docker names it.",
            valueName: "until=DURATION"))
    var filter: [String] = []

    @Option(
        help: ArgumentHelp("Remove cache entries not used for DURATION (as --filter until=).", valueName: "duration"))
    var olderThan: String?

    @Option(
        help: ArgumentHelp(
            "Remove least recently used cache entries until the cache holds at most SIZE: bytes, or kB, MB, GB, TB (powers of 1000), or KiB, MiB, GiB, TiB (powers of 1024).",
            valueName: "size"))
    var keepStorage: String?

    func run() throws {
        global.bootstrapLogging()
        let options = try PruneOptions(all: all, filters: filter, olderThan: olderThan, keepStorage: keepStorage)
        let report = try CachePruner(root: global.hoistRoot).prune(options)
        print(
            "removed \(counted(report.entriesRemoved, "cache entry", "cache entries")), "
                + "\(counted(report.blobsRemoved, "blob", "blobs")), "
                + "\(counted(report.treesRemoved, "layer tree", "layer trees")); "
                + "freed \(formatBytes(report.bytesFreed))")
        if let held = report.cacheBytes {
            print(
                "the build cache holds \(formatBytes(held)) in \(counted(report.entriesKept, "entry", "entries"))")
        }
    }

    private func counted(_ count: Int, _ one: String, _ many: String) -> String {
        "\(count) \(count == 1 ? one : many)"
    }
}
