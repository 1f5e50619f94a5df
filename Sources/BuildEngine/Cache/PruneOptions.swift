// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// What `hoist prune` removes besides what nothing needs. See specs/cache.md, "Pruning".
public struct PruneOptions: Sendable, Equatable {
    /// Every cache entry is a candidate for removal (`--all`).
    public var all: Bool
    /// Only entries last used before this time are candidates (`--filter until=`, `--older-than`).
    public var unusedSince: Date?
    /// Candidates are removed, least recently used first, only until the cache holds at most this many bytes
    /// (`--keep-storage`).
    public var keepStorage: Int64?

    /// - Parameters:
    ///   - all: every entry is a candidate.
    ///   - unusedSince: only entries last used before this time are candidates.
    ///   - keepStorage: stop removing candidates once the cache holds at most this many bytes.
    public init(all: Bool = false, unusedSince: Date? = nil, keepStorage: Int64? = nil) {
        self.all = all
        self.unusedSince = unusedSince
        self.keepStorage = keepStorage
    }

    /// Whether any cache entry that still works may be removed. Without any option, prune removes only what
    /// nothing needs.
    var removesWorkingEntries: Bool { all || unusedSince != nil || keepStorage != nil }

    /// Options from the command line's words.
    /// - Parameters:
    ///   - all: `--all`.
    ///   - filters: each `--filter KEY=VALUE`, in order.
    ///   - olderThan: `--older-than DURATION`, when given.
    ///   - keepStorage: `--keep-storage SIZE`, when given.
    ///   - now: the time durations count back from.
    /// - Throws: `PruneError` for a value or filter Hoist does not accept.
    public init(all: Bool, filters: [String], olderThan: String?, keepStorage: String?, now: Date = Date()) throws {
        var ages: [(flag: String, value: String)] = []
        for filter in filters {
            guard let equals = filter.firstIndex(of: "="), equals != filter.startIndex else {
                throw PruneError.invalidFilter(filter, reason: "a filter is KEY=VALUE, for example until=24h")
            }
            let key = String(filter[..<equals]).lowercased()
            let value = String(filter[filter.index(after: equals)...])
            // `unused-for` is Docker's older name for `until`.
            guard key == "until" || key == "unused-for" else {
                throw PruneError.invalidFilter(filter, reason: "hoist prune knows only the filter until=DURATION")
            }
            ages.append((key, value))
        }
        if let olderThan { ages.append(("--older-than", olderThan)) }
        if Set(ages.map { $0.flag }).count > 1 {
            let names = Set(ages.map { $0.flag }).sorted().map { "'\($0)'" }.joined(separator: " and ")
            throw PruneError.conflictingFilters(names)
        }
        if ages.count > 1 { throw PruneError.conflictingFilters("\(ages.count) values of '\(ages[0].flag)'") }
        self.init(
            all: all,
            unusedSince: try ages.first.map { try PruneAge.cutoff(parsing: $0.value, flag: $0.flag, now: now) },
            keepStorage: try keepStorage.map { try StorageSize.bytes(parsing: $0) })
    }
}

/// Errors in what `hoist prune` was asked to do, and the one reason it refuses to run.
public enum PruneError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--keep-storage` is not a size.
    case invalidSize(String)
    /// A duration or time is not one.
    case invalidDuration(String, flag: String)
    /// A `--filter` Hoist does not know, or not `KEY=VALUE`.
    case invalidFilter(String, reason: String)
    /// The age was given more than once.
    case conflictingFilters(String)
    /// A build is running on this root.
    case buildRunning(pid: Int32?)
    /// A tree or file could not be removed.
    case removalFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSize(let text):
            "invalid size '\(text)': give bytes, or a number with a unit: kB, MB, GB, TB (powers of 1000) or "
                + "KiB, MiB, GiB, TiB (powers of 1024)"
        case .invalidDuration(let text, let flag):
            "invalid \(flag) value '\(text)': give a duration such as 90m, 24h, 7d or 1h30m, "
                + "or a time (2026-01-02T15:04:05Z, or seconds since 1970)"
        case .invalidFilter(let text, let reason): "invalid filter '\(text)': \(reason)"
        case .conflictingFilters(let what): "conflicting filters: \(what); give one age"
        case .buildRunning(let pid):
            "a build is running on this root\(pid.map { " (process \($0))" } ?? ""); "
                + "hoist prune removes nothing while one runs, try again when it ends"
        case .removalFailed(let path, let reason): "cannot remove \(path): \(reason)"
        }
    }
}

/// Sizes as `--keep-storage` takes them.
///
/// The units follow SI and IEC exactly: `kB`/`KB`, `MB`, `GB`, `TB` are powers of 1000 (as Docker's
/// `units.FromHumanSize`), `KiB`, `MiB`, `GiB`, `TiB` powers of 1024. Letters are case-insensitive, the trailing
/// `B` is optional (`10g` is `10GB`, `512mi` is `512MiB`), and a fraction is allowed (`1.5GB`), rounded down to a
/// whole byte. Docker's `--keep-storage` reads every unit as a power of 1024; Hoist does not.
enum StorageSize {
    private static let multipliers: [String: Double] = [
        "": 1, "b": 1,
        "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
        "ki": 0x1p10, "kib": 0x1p10, "mi": 0x1p20, "mib": 0x1p20, "gi": 0x1p30, "gib": 0x1p30,
        "ti": 0x1p40, "tib": 0x1p40,
    ]

    /// - Returns: the size in bytes.
    /// - Throws: `PruneError.invalidSize`.
    static func bytes(parsing text: String) throws -> Int64 {
        let number = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = text.dropFirst(number.count).trimmingCharacters(in: .whitespaces).lowercased()
        guard !number.isEmpty, number.first != ".", number.last != ".",
            number.filter({ $0 == "." }).count <= 1, let multiplier = multipliers[unit]
        else { throw PruneError.invalidSize(text) }
        if unit.isEmpty || unit == "b" {
            guard !number.contains("."), let bytes = Int64(number) else { throw PruneError.invalidSize(text) }
            return bytes
        }
        guard let value = Double(number), value * multiplier < 0x1p62 else { throw PruneError.invalidSize(text) }
        return Int64((value * multiplier).rounded(.down))
    }
}

/// Ages as `--filter until=` and `--older-than` take them: a duration back from now (Go's syntax, as Docker: one
/// or more numbers with units `ms`, `s`, `m`, `h`, plus `d` for 24 hours, like `90m` or `1h30m`), or a point in
/// time (RFC 3339, or seconds since 1970).
enum PruneAge {
    private static let units: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86_400]

    /// - Returns: the time before which an entry counts as unused.
    /// - Throws: `PruneError.invalidDuration`.
    static func cutoff(parsing text: String, flag: String, now: Date) throws -> Date {
        if let seconds = duration(text) { return now.addingTimeInterval(-seconds) }
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        if let seconds = Int64(text), seconds >= 0 { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
        throw PruneError.invalidDuration(text, flag: flag)
    }

    /// Seconds in a duration like `1h30m`, or nil when it is not one.
    static func duration(_ text: String) -> TimeInterval? {
        if text == "0" { return 0 }
        var rest = Substring(text)
        var total: TimeInterval = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard !number.isEmpty, number.first != ".", number.last != ".", let value = Double(number),
                let multiplier = units[String(unit)]
            else { return nil }
            total += value * multiplier
        }
        return total
    }
}
