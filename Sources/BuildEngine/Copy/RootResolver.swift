// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Resolves paths inside a root directory the way a process chrooted there would, but never leaving it:
/// each component is checked with `lstat`, symbolic links are followed with the root as `/`, and `..` stops
/// at the root (like Go's securejoin or `openat2(RESOLVE_IN_ROOT)`).
///
/// The result has no symbolic link in it (except the last component when it is not followed), so the host
/// path built from it stays inside the root as long as nothing else changes the tree meanwhile.
struct RootResolver {
    /// The maximum number of links followed in one resolution (Linux's `MAXSYMLINKS`).
    private static let maximumLinks = 40

    /// The host path of the root, without a trailing `/`.
    let root: String

    init(root: String) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed == "/" ? "" : trimmed
    }

    /// The host path of components inside the root.
    func hostPath(_ components: [String]) -> String {
        components.isEmpty ? (root.isEmpty ? "/" : root) : root + "/" + components.joined(separator: "/")
    }

    /// Resolves a path inside the root.
    /// - Parameters:
    ///   - path: a path inside the root; absolute or not, it starts at the root.
    ///   - followFinal: whether a symbolic link in the last component is followed.
    /// - Returns: the components of the resolved path; components that do not exist are kept as written.
    /// - Throws: `CopyError.tooManySymlinks`, `.io`.
    func resolve(_ path: String, followFinal: Bool) throws(CopyError) -> [String] {
        try resolve(components: Self.split(path), followFinal: followFinal, display: path)
    }

    /// Resolves path components inside the root (see ``resolve(_:followFinal:)``).
    func resolve(components: [String], followFinal: Bool, display: String) throws(CopyError) -> [String] {
        var pending = components[...]
        var resolved: [String] = []
        var links = 0
        while let component = pending.popFirst() {
            if component.isEmpty || component == "." { continue }
            if component == ".." {
                _ = resolved.popLast()
                continue
            }
            let candidate = resolved + [component]
            if pending.isEmpty && !followFinal {
                resolved = candidate
                break
            }
            guard let info = try HostFileSystem.lstat(hostPath(candidate)), HostFileSystem.isSymlink(info) else {
                resolved = candidate
                continue
            }
            links += 1
            guard links <= Self.maximumLinks else { throw .tooManySymlinks(path: display) }
            let target = try HostFileSystem.readLink(hostPath(candidate))
            if target.hasPrefix("/") { resolved = [] }
            pending = (Self.split(target) + pending)[...]
        }
        return resolved
    }

    /// Splits a path into its non-empty components.
    static func split(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
