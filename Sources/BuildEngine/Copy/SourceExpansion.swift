// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Glibc

/// A local source after wildcard expansion and symbolic-link resolution.
struct SourceItem {
    /// The source as written, for messages.
    var written: String
    /// The resolved, symlink-free path inside the source tree.
    var resolved: [String]
    /// The path kept below the destination with `--parents` (the matched path after a `/./` pivot).
    var kept: [String]
    /// The name a file source gets in a destination directory.
    var name: String
}

/// Expands the local sources of a copy inside the source tree.
///
/// A source is a path relative to the tree's root (a leading `/` too); `..` is resolved lexically first, so it
/// never climbs out, and symbolic links resolve with the tree's root as `/`. Paths `.dockerignore` excludes are
/// invisible: wildcards skip them and naming one is an error that says so.
struct SourceExpansion {
    let tree: RootResolver
    let ignore: IgnoreMatcher?

    private struct Partial {
        var written: [String]
        var resolved: [String]
    }

    /// Whether a path (relative to the context) is hidden by `.dockerignore`.
    func isIgnored(_ components: [String]) -> Bool {
        guard let ignore, !components.isEmpty else { return false }
        return ignore.isExcluded(components.joined(separator: "/"))
    }

    /// Expands one source.
    /// - Parameter source: the source as written.
    /// - Returns: the matching items, in sorted order for wildcards.
    /// - Throws: `CopyError.sourceNotFound`, `.sourceExcludedByIgnoreFile`, `.noMatch`, `.invalidPattern`.
    func expand(_ source: String) throws(CopyError) -> [SourceItem] {
        var pivot = 0
        if let range = source.range(of: "/./") {
            pivot = RootResolver.split(SlashPath.clean("/" + source[..<range.lowerBound])).count
        }
        let components = RootResolver.split(SlashPath.clean("/" + source))
        var states = [Partial(written: [], resolved: [])]
        var hasWildcards = false
        for component in components {
            if NamePattern.hasWildcards(component) {
                hasWildcards = true
                states = try matchWildcard(component, from: states, source: source)
            } else {
                states = try states.map { state throws(CopyError) in
                    Partial(
                        written: state.written + [component],
                        resolved: try tree.resolve(
                            components: state.resolved + [component], followFinal: true, display: source))
                }
            }
        }
        if hasWildcards && states.isEmpty { throw .noMatch(source: source) }
        var items: [SourceItem] = []
        for state in states {
            if try HostFileSystem.lstat(tree.hostPath(state.resolved)) == nil {
                throw .sourceNotFound(source: source)
            }
            if isIgnored(state.resolved) { throw .sourceExcludedByIgnoreFile(source: source) }
            items.append(
                SourceItem(
                    written: source, resolved: state.resolved, kept: Array(state.written.dropFirst(pivot)),
                    name: state.written.last ?? state.resolved.last ?? "."))
        }
        return items
    }

    // MARK: - Private helpers

    private func matchWildcard(_ component: String, from states: [Partial], source: String) throws(CopyError)
        -> [Partial]
    {
        let pattern = try NamePattern(component)
        var next: [Partial] = []
        for state in states {
            let host = tree.hostPath(state.resolved)
            guard let info = try HostFileSystem.lstat(host), HostFileSystem.isDirectory(info) else { continue }
            for name in try HostFileSystem.sortedNames(host) where pattern.matches(name) {
                let resolved = try tree.resolve(
                    components: state.resolved + [name], followFinal: true, display: source)
                guard !isIgnored(state.resolved + [name]), !isIgnored(resolved),
                    try HostFileSystem.lstat(tree.hostPath(resolved)) != nil
                else { continue }
                next.append(Partial(written: state.written + [name], resolved: resolved))
            }
        }
        return next
    }
}
