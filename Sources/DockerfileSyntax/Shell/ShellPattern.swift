// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A shell wildcard pattern as used by `${V#p}`, `${V%p}` and `${V/p/r}`: `*`, `?`, literals, and
/// `\*`, `\?`, `\\` escapes. Like BuildKit (which compiles it to a Go regexp), `*` and `?` do not
/// match a newline. Matching simulates all positions at once, so it never backtracks.
struct ShellPattern {
    enum Token: Equatable {
        case literal(Unicode.Scalar)
        case any
        case star
    }

    let tokens: [Token]

    init(tokens: [Token]) { self.tokens = tokens }

    /// Compiles the pattern text as BuildKit's `convertShellPatternToRegex` does.
    init(_ text: String) throws(LexFailure) {
        var tokens: [Token] = []
        let scalars = Array(text.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let ch = scalars[i]
            i += 1
            switch ch {
            case "*": tokens.append(.star)
            case "?": tokens.append(.any)
            case "\\":
                // `\}` and `\/` escape the ${} syntax, not the pattern: the backslash is dropped.
                if i < scalars.count && (scalars[i] == "}" || scalars[i] == "/") { continue }
                guard i < scalars.count, scalars[i] == "*" || scalars[i] == "?" || scalars[i] == "\\" else {
                    let shown = i < scalars.count ? String(scalars[i]) : ""
                    throw LexFailure("invalid pattern (\(text)) in substitution: invalid escape '\\\(shown)'")
                }
                tokens.append(.literal(scalars[i]))
                i += 1
            default:
                tokens.append(.literal(ch))
            }
        }
        self.tokens = tokens
    }

    private static let unreachable = Int.max

    /// For every end position `p`, the smallest start `s >= from` such that the pattern matches
    /// `value[s..<p]` (or `unreachable`). When `anchored`, only `from` itself may start a match.
    static func leftmostStarts(_ tokens: [Token], _ value: [Unicode.Scalar], from: Int, anchored: Bool) -> [Int] {
        let n = value.count
        var current = [Int](repeating: unreachable, count: n + 1)
        if anchored {
            current[from] = from
        } else {
            for p in from...n { current[p] = p }
        }
        var next = [Int](repeating: unreachable, count: n + 1)
        for token in tokens {
            for p in 0...n { next[p] = unreachable }
            switch token {
            case .literal(let c):
                for p in from..<max(from, n) where current[p] != unreachable && value[p] == c {
                    next[p + 1] = current[p]
                }
            case .any:
                for p in from..<max(from, n) where current[p] != unreachable && value[p] != "\n" {
                    next[p + 1] = current[p]
                }
            case .star:
                var best = unreachable
                for q in from...n {
                    best = min(best, current[q])
                    next[q] = best
                    if q < n && value[q] == "\n" { best = unreachable }
                }
            }
            swap(&current, &next)
        }
        return current
    }

    /// Removes the shortest (or longest) matching prefix.
    func trimPrefix(of value: String, longest: Bool) -> String {
        let scalars = Array(value.unicodeScalars)
        let starts = Self.leftmostStarts(tokens, scalars, from: 0, anchored: true)
        let ends = starts.indices.filter { starts[$0] == 0 }
        guard let end = longest ? ends.last : ends.first else { return value }
        return String(String.UnicodeScalarView(scalars[end...]))
    }

    /// Removes the shortest (or longest) matching suffix.
    func trimSuffix(of value: String, longest: Bool) -> String {
        let reversed = Array(value.unicodeScalars.reversed())
        let pattern = ShellPattern(tokens: tokens.reversed())
        let starts = Self.leftmostStarts(pattern.tokens, reversed, from: 0, anchored: true)
        let ends = starts.indices.filter { starts[$0] == 0 }
        guard let end = longest ? ends.last : ends.first else { return value }
        return String(String.UnicodeScalarView(reversed[end...].reversed()))
    }

    /// The leftmost-longest match at or after `from`.
    func firstMatch(in scalars: [Unicode.Scalar], from: Int) -> Range<Int>? {
        let starts = Self.leftmostStarts(tokens, scalars, from: from, anchored: false)
        guard let start = starts.min(), start != Self.unreachable else { return nil }
        guard let end = starts.lastIndex(of: start) else { return nil }
        return start..<end
    }

    /// Replaces the first (or every) match, with Go `regexp` `ReplaceAllString` rules for empty matches.
    func replace(in value: String, with replacement: String, all: Bool) -> String {
        let scalars = Array(value.unicodeScalars)
        var out = String.UnicodeScalarView()
        if !all {
            guard let match = firstMatch(in: scalars, from: 0) else { return value }
            out.append(contentsOf: scalars[..<match.lowerBound])
            out.append(contentsOf: replacement.unicodeScalars)
            out.append(contentsOf: scalars[match.upperBound...])
            return String(out)
        }
        var searchPosition = 0
        var lastMatchEnd = 0
        while searchPosition <= scalars.count {
            guard let match = firstMatch(in: scalars, from: searchPosition) else { break }
            out.append(contentsOf: scalars[lastMatchEnd..<match.lowerBound])
            if match.upperBound > lastMatchEnd || match.lowerBound == 0 {
                out.append(contentsOf: replacement.unicodeScalars)
            }
            lastMatchEnd = match.upperBound
            searchPosition = max(searchPosition + 1, match.upperBound)
        }
        out.append(contentsOf: scalars[lastMatchEnd...])
        return String(out)
    }
}
