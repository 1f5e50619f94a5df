// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import BuildEngine
import Foundation
import Testing

/// How `hoist prune` reads sizes, durations and filters.
struct PruneOptionsTests {
    @Test(
        arguments: [
            ("0", 0), ("1234", 1234), ("1234B", 1234), ("100MB", 100_000_000), ("10GB", 10_000_000_000),
            ("10gb", 10_000_000_000), ("10g", 10_000_000_000), ("2kB", 2000), ("2KB", 2000), ("1TB", 1_000_000_000_000),
            ("512MiB", 536_870_912), ("512mi", 536_870_912), ("1KiB", 1024), ("3GiB", 3_221_225_472),
            ("1TiB", 1_099_511_627_776), ("1.5GB", 1_500_000_000), ("0.5KiB", 512), ("10 MB", 10_000_000),
        ] as [(String, Int64)])
    func sizesUseDecimalAndBinaryUnitsExactly(text: String, bytes: Int64) throws {
        let options = try PruneOptions(all: false, filters: [], olderThan: nil, keepStorage: text)
        #expect(options.keepStorage == bytes)
    }

    @Test(arguments: ["10XB", "", "GB", "-1", "1.2.3GB", ".5GB", "5.GB", "1.5", "1e9", "10 G B", "99999999999TB"])
    func badSizesAreRejected(text: String) {
        #expect(throws: PruneError.invalidSize(text)) {
            try PruneOptions(all: false, filters: [], olderThan: nil, keepStorage: text)
        }
    }

    @Test(
        arguments: [
            ("24h", 86_400), ("90m", 5400), ("30s", 30), ("7d", 604_800), ("1h30m", 5400), ("1.5h", 5400),
            ("1500ms", 1.5), ("0", 0),
        ] as [(String, TimeInterval)])
    func durationsCountBackFromNow(text: String, seconds: TimeInterval) throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let options = try PruneOptions(
            all: false, filters: ["until=" + text], olderThan: nil, keepStorage: nil, now: now)
        #expect(options.unusedSince == now.addingTimeInterval(-seconds))
        let older = try PruneOptions(all: false, filters: [], olderThan: text, keepStorage: nil, now: now)
        #expect(older.unusedSince == options.unusedSince)
    }

    @Test func timesAreAcceptedAsDockerDoes() throws {
        let rfc = try PruneOptions(
            all: false, filters: ["until=2026-01-02T03:04:05Z"], olderThan: nil, keepStorage: nil)
        #expect(rfc.unusedSince == Date(timeIntervalSince1970: 1_767_323_045))
        let unix = try PruneOptions(all: false, filters: ["unused-for=1700000000"], olderThan: nil, keepStorage: nil)
        #expect(unix.unusedSince == Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test(arguments: ["h", "1H", "1y", "-1h", "1h-", "soon", "1..5h", ""])
    func badDurationsAreRejected(text: String) {
        #expect(throws: PruneError.invalidDuration(text, flag: "until")) {
            try PruneOptions(all: false, filters: ["until=" + text], olderThan: nil, keepStorage: nil)
        }
    }

    @Test func filtersCombineAsDockerDoes() throws {
        #expect(throws: PruneError.conflictingFilters("2 values of 'until'")) {
            try PruneOptions(all: false, filters: ["until=1h", "until=2h"], olderThan: nil, keepStorage: nil)
        }
        #expect(throws: PruneError.conflictingFilters("'until' and 'unused-for'")) {
            try PruneOptions(all: false, filters: ["until=1h", "unused-for=2h"], olderThan: nil, keepStorage: nil)
        }
        #expect(throws: PruneError.invalidFilter("label=x", reason: "hoist prune knows only the filter until=DURATION"))
        {
            try PruneOptions(all: false, filters: ["label=x"], olderThan: nil, keepStorage: nil)
        }
        let both = try PruneOptions(all: true, filters: ["UNTIL=1h"], olderThan: nil, keepStorage: "1GB")
        #expect(both.all && both.unusedSince != nil && both.keepStorage == 1_000_000_000)
    }
}
