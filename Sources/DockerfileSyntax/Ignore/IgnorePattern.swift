// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// One `.dockerignore` pattern, compiled with moby/patternmatcher semantics: Go `filepath.Match`
/// syntax (`*`, `?`, `[...]`, `[^...]`, `\` escapes) extended with `**`, where `*` and `?` never
/// cross `/`.
public struct IgnorePattern: Hashable, Sendable {
    /// The pattern after cleaning, without a leading `!`.
    public let cleanedPattern: String
    /// Whether the pattern started with `!` (it re-includes what earlier patterns excluded).
    public let isExclusion: Bool
    let components: Int

    enum MatchType: Hashable, Sendable { case exact, prefix, suffix, pattern }

    enum Token: Hashable, Sendable {
        case literal(Unicode.Scalar)
        case anyButSlash
        case starButSlash
        case optionalDirectories
        case anything
        case set(ranges: [ClosedRange<UInt32>], negated: Bool)
    }

    let matchType: MatchType
    let tokens: [Token]

    /// Compiles a pattern.
    /// - Parameter text: a pattern such as `**/*.go` or `!keep.txt`; surrounding whitespace is ignored.
    /// - Throws: ``DockerfileError`` with kind `invalidPattern` when the pattern is malformed.
    public init(_ text: String) throws(DockerfileError) {
        var pattern = GoText.trimSpace(text)
        pattern = SlashPath.clean(pattern)
        var exclusion = false
        if pattern.hasPrefix("!") {
            guard pattern.count > 1 else { throw Self.error("illegal exclusion pattern: \"!\"") }
            exclusion = true
            pattern.removeFirst()
        }
        try Self.validate(pattern)
        self.cleanedPattern = pattern
        self.isExclusion = exclusion
        self.components = pattern.split(separator: "/", omittingEmptySubsequences: false).count
        (self.matchType, self.tokens) = Self.compile(pattern)
    }

    static func error(_ message: String) -> DockerfileError {
        DockerfileError(.invalidPattern(message), at: SourceRange(fileName: ".dockerignore", line: 0))
    }

    /// Rejects what Go's `filepath.Match` calls a bad pattern.
    private static func validate(_ pattern: String) throws(DockerfileError) {
        let scalars = Array(pattern.unicodeScalars)
        var i = 0
        let bad = Self.error("syntax error in pattern \(GoText.quote(pattern))")
        while i < scalars.count {
            switch scalars[i] {
            case "\\":
                guard i + 1 < scalars.count else { throw bad }
                i += 2
            case "[":
                guard let set = parseSet(scalars, from: i) else { throw bad }
                // Go's filepath.Match accepts `[z-a]`, but the regexp patternmatcher builds from it
                // does not compile, so every match fails; reject it up front instead.
                if set.reversed {
                    throw Self.error("invalid character class range in pattern \(GoText.quote(pattern))")
                }
                i = set.next
            default:
                i += 1
            }
        }
    }

    /// Parses a `[...]` class at `start` (Go `matchChunk`/`getEsc` rules); nil when malformed.
    private static func parseSet(_ s: [Unicode.Scalar], from start: Int) -> (
        ranges: [ClosedRange<UInt32>], negated: Bool, next: Int, reversed: Bool
    )? {
        var i = start + 1
        var negated = false
        if i < s.count && s[i] == "^" {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<UInt32>] = []
        var reversed = false
        func escaped() -> UInt32? {
            guard i < s.count, s[i] != "-", s[i] != "]" else { return nil }
            if s[i] == "\\" {
                i += 1
                guard i < s.count else { return nil }
            }
            let value = s[i].value
            i += 1
            guard i < s.count else { return nil }
            return value
        }
        while true {
            if i < s.count && s[i] == "]" && !ranges.isEmpty { return (ranges, negated, i + 1, reversed) }
            guard let low = escaped() else { return nil }
            var high = low
            if s[i] == "-" {
                i += 1
                guard let upper = escaped() else { return nil }
                high = upper
            }
            if high < low { reversed = true }
            ranges.append(low...max(low, high))
        }
    }

    /// Mirrors patternmatcher's `compile`: classifies the pattern and builds its tokens.
    private static func compile(_ pattern: String) -> (MatchType, [Token]) {
        let s = Array(pattern.unicodeScalars)
        var type = MatchType.exact
        var tokens: [Token] = []
        var i = 0
        var iteration = 0
        while i < s.count {
            defer { iteration += 1 }
            let ch = s[i]
            i += 1
            switch ch {
            case "*":
                if i < s.count && s[i] == "*" {
                    i += 1
                    if i < s.count && s[i] == "/" { i += 1 }
                    if i == s.count {
                        if type == .exact {
                            type = .prefix
                        } else {
                            tokens.append(.anything)
                            type = .pattern
                        }
                    } else {
                        tokens.append(.optionalDirectories)
                        type = .pattern
                    }
                    if iteration == 0 { type = .suffix }
                } else {
                    tokens.append(.starButSlash)
                    type = .pattern
                }
            case "?":
                tokens.append(.anyButSlash)
                type = .pattern
            case "\\":
                if i < s.count {
                    tokens.append(.literal(s[i]))
                    i += 1
                    type = .pattern
                } else {
                    tokens.append(.literal("\\"))
                }
            case "[":
                if let set = parseSet(s, from: i - 1) {
                    tokens.append(.set(ranges: set.ranges, negated: set.negated))
                    i = set.next
                } else {
                    tokens.append(.literal("["))
                }
                type = .pattern
            default:
                tokens.append(.literal(ch))
            }
        }
        return (type, tokens)
    }

    /// Whether the pattern matches exactly this path (no parent-directory logic).
    /// - Parameter path: a `/`-separated path relative to the context.
    /// - Returns: true on a match.
    public func matches(path: String) -> Bool {
        switch matchType {
        case .exact:
            return path == cleanedPattern
        case .prefix:
            return path.hasPrefix(String(cleanedPattern.dropLast(2)))
        case .suffix:
            let suffix = String(cleanedPattern.dropFirst(2))
            if path.hasSuffix(suffix) { return true }
            return suffix.hasPrefix("/") && path == String(suffix.dropFirst())
        case .pattern:
            return Self.fullMatch(tokens, Array(path.unicodeScalars))
        }
    }

    /// Simulates all positions at once; linear in the path per token, no backtracking.
    private static func fullMatch(_ tokens: [Token], _ path: [Unicode.Scalar]) -> Bool {
        let n = path.count
        var current = [Bool](repeating: false, count: n + 1)
        current[0] = true
        var next = current
        for token in tokens {
            for p in 0...n { next[p] = false }
            switch token {
            case .literal(let c):
                for p in 0..<n where current[p] && path[p] == c { next[p + 1] = true }
            case .anyButSlash:
                for p in 0..<n where current[p] && path[p] != "/" { next[p + 1] = true }
            case .set(let ranges, let negated):
                for p in 0..<n where current[p] {
                    let inSet = ranges.contains { $0.contains(path[p].value) }
                    if inSet != negated { next[p + 1] = true }
                }
            case .starButSlash:
                var active = false
                for q in 0...n {
                    if current[q] { active = true }
                    next[q] = active
                    if q < n && path[q] == "/" { active = false }
                }
            case .anything:
                var active = false
                for q in 0...n {
                    if current[q] { active = true }
                    next[q] = active
                    if q < n && path[q] == "\n" { active = false }
                }
            case .optionalDirectories:
                // `(.*/)?`: stay, or consume any run of non-newline characters ending in `/`.
                var active = false
                for q in 0...n {
                    if current[q] { next[q] = true }
                    if active && q > 0 && path[q - 1] == "/" { next[q] = true }
                    if current[q] { active = true }
                    if q < n && path[q] == "\n" { active = false }
                }
            }
            swap(&current, &next)
        }
        return current[n]
    }
}
