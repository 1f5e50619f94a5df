// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CLayerSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How an archive entry's parent directories are resolved inside a root.
public enum ParentResolution: Sendable, Hashable {
    /// Every parent component must be a real directory; a symbolic link anywhere in the parent path
    /// is refused (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`). The default: an archive cannot
    /// use a link it (or a lower layer) planted to reach elsewhere.
    case refuseSymlinks
    /// Symbolic links in parent paths are followed as if the root were `/` (`openat2` with
    /// `RESOLVE_IN_ROOT`), the way a container sees them: `a -> /etc` then `a/passwd` writes the root's
    /// own `etc/passwd`. Never leaves the root.
    case resolveInRoot
}

/// A directory that paths are resolved beneath, never above. Caches the last parent it opened,
/// because sorted archives put siblings next to each other. Not `Sendable`: one owner.
final class RootDirectory {
    let path: String
    let descriptor: OwnedDescriptor
    let resolution: ParentResolution
    private var cachedPath: [UInt8]?
    private var cachedDescriptor: OwnedDescriptor?

    /// Opens the root. - Throws: `ArchiveError.io`.
    init(path: String, resolution: ParentResolution = .refuseSymlinks) throws {
        self.path = path
        self.resolution = resolution
        self.descriptor = try OwnedDescriptor.open(
            at: AT_FDCWD, Array(path.utf8), flags: HOIST_O_PATH | O_DIRECTORY, displayPath: path)
    }

    /// Forgets the cached parent: call after removing or replacing anything.
    func invalidate() {
        cachedPath = nil
        cachedDescriptor = nil
    }

    /// Opens (with `O_PATH`) the directory at `components` beneath the root.
    /// - Parameters:
    ///   - components: the directory's path components; empty means the root itself.
    ///   - create: whether to create missing directories (mode 0755).
    ///   - entry: the archive entry this is for, named in errors.
    /// - Returns: the directory (kept open while referenced); `nil` when it does not exist
    ///   and `create` is false.
    /// - Throws: `symlinkInPath`, `notADirectory`, `escapesRoot`, `io`.
    func openDirectory(_ components: ArraySlice<[UInt8]>, create: Bool, entry: String) throws -> OwnedDescriptor? {
        if components.isEmpty { return descriptor }
        let joined = Array(components.joined(separator: [UInt8(ascii: "/")]))
        if let cachedPath, let cachedDescriptor, cachedPath == joined { return cachedDescriptor }
        let opened: OwnedDescriptor
        switch open(joined, entry: entry) {
        case .success(let fd):
            opened = fd
        case .failure(let error) where error == ENOENT:
            guard create else { return nil }
            opened = try createDirectories(components, entry: entry)
        case .failure(let error):
            throw mapError(error, entry: entry, path: joined)
        }
        cachedPath = joined
        cachedDescriptor = opened
        return opened
    }

    // MARK: - Private helpers

    private var resolveFlags: UInt64 {
        switch resolution {
        case .refuseSymlinks:
            UInt64(HOIST_RESOLVE_BENEATH | HOIST_RESOLVE_NO_SYMLINKS | HOIST_RESOLVE_NO_MAGICLINKS)
        case .resolveInRoot: UInt64(HOIST_RESOLVE_IN_ROOT | HOIST_RESOLVE_NO_MAGICLINKS)
        }
    }

    private func open(_ path: [UInt8], entry: String) -> Result<OwnedDescriptor, Int32Error> {
        let fd = withCString(path) {
            hoist_openat2(descriptor.rawValue, $0, HOIST_O_PATH | O_DIRECTORY | O_CLOEXEC, 0, resolveFlags)
        }
        if fd >= 0 { return .success(OwnedDescriptor(fd)) }
        if errno == ENOSYS { return openByComponents(path) }
        return .failure(Int32Error(errno))
    }

    /// For kernels without `openat2`: walk component by component, refusing symlinks.
    private func openByComponents(_ path: [UInt8]) -> Result<OwnedDescriptor, Int32Error> {
        guard resolution == .refuseSymlinks else { return .failure(Int32Error(ENOSYS)) }
        var current = OwnedDescriptor(dup(descriptor.rawValue))
        for component in path.split(separator: UInt8(ascii: "/")) {
            let fd = withCString(Array(component)) {
                openat(current.rawValue, $0, HOIST_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if fd < 0 {
                var info = stat()
                let code = errno
                let isLink = withCString(Array(component)) {
                    fstatat(current.rawValue, $0, &info, AT_SYMLINK_NOFOLLOW) == 0
                        && FileSystem.type(info.st_mode) == mode_t(S_IFLNK)
                }
                return .failure(Int32Error(isLink ? ELOOP : code))
            }
            current = OwnedDescriptor(fd)
        }
        return .success(current)
    }

    private func createDirectories(_ components: ArraySlice<[UInt8]>, entry: String) throws -> OwnedDescriptor {
        var prefix: [UInt8] = []
        var parent = descriptor.rawValue
        var opened: OwnedDescriptor?
        for component in components {
            if !prefix.isEmpty { prefix.append(UInt8(ascii: "/")) }
            prefix += component
            var result = open(prefix, entry: entry)
            if case .failure(let error) = result, error == ENOENT {
                let made = withCString(component) { mkdirat(parent, $0, 0o755) }
                if made != 0 && errno != EEXIST { throw ArchiveError.io(operation: "mkdir", path: entry, errno: errno) }
                result = open(prefix, entry: entry)
            }
            switch result {
            case .success(let fd):
                opened = fd
                parent = fd.rawValue
            case .failure(let error):
                throw mapError(error, entry: entry, path: prefix)
            }
        }
        guard let opened else { return OwnedDescriptor(dup(descriptor.rawValue)) }
        return opened
    }

    private func mapError(_ error: Int32Error, entry: String, path: [UInt8]) -> ArchiveError {
        switch error.code {
        case ELOOP: .symlinkInPath(entry: entry)
        case EXDEV: .escapesRoot(entry: entry, target: String(decoding: path, as: UTF8.self))
        case ENOTDIR: .notADirectory(entry: entry)
        default:
            .io(operation: "open", path: self.path + "/" + String(decoding: path, as: UTF8.self), errno: error.code)
        }
    }
}

/// An errno value as an `Error`, for `Result`.
struct Int32Error: Error, Equatable {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    static func == (lhs: Int32Error, rhs: Int32) -> Bool { lhs.code == rhs }
}
