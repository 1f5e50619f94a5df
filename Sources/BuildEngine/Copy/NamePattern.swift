// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// One path component of a wildcard source, matched as Go's `filepath.Match` does: `*`, `?`, `[…]` (with
/// `^` negation and ranges) and `\` escapes. See https://pkg.go.dev/path/filepath#Match.
struct NamePattern {
    private enum Token: Equatable {
        case literal(Unicode.Scalar)
        case anyOne
        case anyRun
        case characterClass(negated: Bool, ranges: [ClosedRange<Unicode.Scalar>])
    }

    private let tokens: [Token]

    /// Whether a source component has wildcard characters (and so must be matched, not looked up).
    static func hasWildcards(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0 == "*" || $0 == "?" || $0 == "[" || $0 == "\\" }
    }

    /// Compiles a pattern. - Throws: `CopyError.invalidPattern` for an unterminated class or a trailing `\`.
    init(_ pattern: String) throws(CopyError) {
        var tokens: [Token] = []
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            switch scalar {
            case "*": if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?": tokens.append(.anyOne)
            case "\\":
                guard index < scalars.count else { throw .invalidPattern(pattern) }
                tokens.append(.literal(scalars[index]))
                index += 1
            case "[": tokens.append(try Self.parseClass(scalars, &index, pattern: pattern))
            default: tokens.append(.literal(scalar))
            }
        }
        self.tokens = tokens
    }

    /// Whether a file name matches.
    func matches(_ name: String) -> Bool {
        Self.match(tokens[...], Array(name.unicodeScalars)[...])
    }

    // MARK: - Private helpers

    private static func parseClass(_ scalars: [Unicode.Scalar], _ index: inout Int, pattern: String)
        throws(CopyError) -> Token
    {
        var negated = false
        if index < scalars.count && scalars[index] == "^" {
            negated = true
            index += 1
        }
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var first = true
        while true {
            guard index < scalars.count else { throw .invalidPattern(pattern) }
            if scalars[index] == "]" && !first {
                index += 1
                break
            }
            first = false
            let low = try classScalar(scalars, &index, pattern: pattern)
            var high = low
            if index + 1 < scalars.count && scalars[index] == "-" && scalars[index + 1] != "]" {
                index += 1
                high = try classScalar(scalars, &index, pattern: pattern)
            }
            guard low <= high else { throw .invalidPattern(pattern) }
            ranges.append(low...high)
        }
        return .characterClass(negated: negated, ranges: ranges)
    }

    private static func classScalar(_ scalars: [Unicode.Scalar], _ index: inout Int, pattern: String)
        throws(CopyError) -> Unicode.Scalar
    {
        guard index < scalars.count else { throw .invalidPattern(pattern) }
        var scalar = scalars[index]
        if scalar == "-" || scalar == "]" { throw .invalidPattern(pattern) }
        if scalar == "\\" {
            index += 1
            guard index < scalars.count else { throw .invalidPattern(pattern) }
            scalar = scalars[index]
        }
        index += 1
        return scalar
    }

    private static func match(_ tokens: ArraySlice<Token>, _ name: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let token = tokens.first else { return name.isEmpty }
        let rest = tokens.dropFirst()
        switch token {
        case .anyRun:
            var candidate = name
            while true {
                if match(rest, candidate) { return true }
                guard !candidate.isEmpty else { return false }
                candidate = candidate.dropFirst()
            }
        case .anyOne:
            guard !name.isEmpty else { return false }
            return match(rest, name.dropFirst())
        case .literal(let scalar):
            guard name.first == scalar else { return false }
            return match(rest, name.dropFirst())
        case .characterClass(let negated, let ranges):
            guard let first = name.first else { return false }
            guard ranges.contains(where: { $0.contains(first) }) != negated else { return false }
            return match(rest, name.dropFirst())
        }
    }
}
