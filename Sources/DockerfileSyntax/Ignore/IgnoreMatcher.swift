// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// An ordered list of `.dockerignore` patterns (moby/patternmatcher `PatternMatcher`).
///
/// Later patterns win: `!pattern` re-includes paths an earlier pattern excluded.
public struct IgnoreMatcher: Hashable, Sendable {
    /// The compiled patterns, in order.
    public let patterns: [IgnorePattern]

    /// Whether any pattern is an exclusion (`!`), in which case a caller walking directories must
    /// not skip an excluded directory wholesale.
    public var hasExclusions: Bool { patterns.contains { $0.isExclusion } }

    /// Compiles patterns; empty (after trimming) patterns are skipped.
    /// - Parameter patterns: the patterns, usually from ``IgnoreFile/patterns(in:)``.
    /// - Throws: ``DockerfileError`` (kind `invalidPattern`) for a bad pattern or a bare `!`.
    public init(patterns: [String]) throws(DockerfileError) {
        var compiled: [IgnorePattern] = []
        for text in patterns where !GoText.trimSpace(text).isEmpty {
            compiled.append(try IgnorePattern(text))
        }
        self.patterns = compiled
    }

    /// Whether the path, or any of its parent directories, is excluded (`MatchesOrParentMatches`).
    /// - Parameter path: a `/`-separated path relative to the context.
    /// - Returns: true when the path is ignored.
    public func isExcluded(_ path: String) -> Bool {
        let parent = SlashPath.directory(path)
        let parentComponents = parent.split(separator: "/", omittingEmptySubsequences: false)
        var matched = false
        for pattern in patterns where pattern.isExclusion == matched {
            var match = pattern.matches(path: path)
            if !match && parent != "." {
                for count in 1...parentComponents.count {
                    if pattern.matches(path: parentComponents[0..<count].joined(separator: "/")) {
                        match = true
                        break
                    }
                }
            }
            if match { matched = !pattern.isExclusion }
        }
        return matched
    }

    /// The deprecated `Matches` behaviour: only the parent prefix with as many components as the
    /// pattern is considered. Kept for conformance with patternmatcher's tests.
    /// - Parameter path: a `/`-separated path.
    /// - Returns: true when the path matches.
    public func matchesUsingPatternDepth(_ path: String) -> Bool {
        let parent = SlashPath.directory(path)
        let parentComponents = parent.split(separator: "/", omittingEmptySubsequences: false)
        var matched = false
        for pattern in patterns where pattern.isExclusion == matched {
            var match = pattern.matches(path: path)
            if !match && parent != "." && pattern.components <= parentComponents.count {
                match = pattern.matches(path: parentComponents[0..<pattern.components].joined(separator: "/"))
            }
            if match { matched = !pattern.isExclusion }
        }
        return matched
    }

    /// patternmatcher's package-level `Matches(file, patterns)`: the path is cleaned and `.` never matches.
    /// - Parameters:
    ///   - path: a path.
    ///   - patterns: the patterns.
    /// - Returns: whether the path matches.
    /// - Throws: ``DockerfileError`` for a bad pattern.
    public static func matches(_ path: String, patterns: [String]) throws(DockerfileError) -> Bool {
        let matcher = try IgnoreMatcher(patterns: patterns)
        let cleaned = SlashPath.clean(path)
        if cleaned == "." { return false }
        return matcher.matchesUsingPatternDepth(cleaned)
    }
}

/// Reading `.dockerignore` files and choosing which one applies.
public enum IgnoreFile {
    /// The patterns in a `.dockerignore` file (moby `ignorefile.ReadAll`): `#` comment lines and
    /// blank lines are skipped, whitespace is trimmed (also after a leading `!`), paths are cleaned
    /// and one leading `/` is dropped.
    /// - Parameter text: the file's contents.
    /// - Returns: the patterns, in order.
    public static func patterns(in text: String) -> [String] {
        var out: [String] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        for (index, rawLine) in lines.enumerated() {
            var line = rawLine
            if line.hasSuffix("\r") { line.removeLast() }
            if index == 0 && line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            if line.hasPrefix("#") { continue }
            var pattern = GoText.trimSpace(line)
            if pattern.isEmpty { continue }
            let invert = pattern.hasPrefix("!")
            if invert { pattern = GoText.trimSpace(String(pattern.dropFirst())) }
            if !pattern.isEmpty {
                pattern = SlashPath.clean(pattern)
                if pattern.count > 1 && pattern.hasPrefix("/") { pattern.removeFirst() }
            }
            out.append(invert ? "!" + pattern : pattern)
        }
        return out
    }

    /// The ignore files to try, in order, for a build: `<Dockerfile>.dockerignore` beside the
    /// Dockerfile wins over `.dockerignore` at the context root. Pure: the caller does the I/O and
    /// uses the first candidate that exists.
    /// - Parameters:
    ///   - dockerfilePath: the Dockerfile's path (as given with `-f`), or nil for the default.
    ///   - contextDirectory: the build context directory.
    /// - Returns: candidate paths, most specific first.
    public static func candidates(dockerfilePath: String?, contextDirectory: String) -> [String] {
        var out: [String] = []
        if let dockerfilePath, !dockerfilePath.isEmpty, !dockerfilePath.hasSuffix("/") {
            out.append(dockerfilePath + ".dockerignore")
        }
        let root = contextDirectory.hasSuffix("/") ? String(contextDirectory.dropLast()) : contextDirectory
        out.append((root.isEmpty ? "." : root) + "/.dockerignore")
        return out
    }
}
