// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Lexical path helpers with Go `path/filepath` semantics on a `/`-separated system.
public enum SlashPath {
    /// Go `filepath.Clean`: collapses `//`, removes `.` elements, resolves `..` lexically and drops a
    /// trailing `/`; the empty path becomes `.`.
    /// - Parameter path: the path to clean.
    /// - Returns: the cleaned path.
    public static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        var leadingParents = 0
        for element in path.split(separator: "/", omittingEmptySubsequences: true) {
            if element == "." { continue }
            if element == ".." {
                if !parts.isEmpty {
                    parts.removeLast()
                } else if !rooted {
                    leadingParents += 1
                }
                continue
            }
            parts.append(element)
        }
        var all = [Substring](repeating: "..", count: leadingParents)
        all.append(contentsOf: parts)
        let joined = all.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Go `filepath.Dir`: everything but the last element, cleaned.
    /// - Parameter path: a path.
    /// - Returns: its parent directory (`.` when it has none).
    public static func directory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return clean(String(path[...slash]))
    }
}
