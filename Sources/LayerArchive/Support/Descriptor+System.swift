// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CLayerSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An open file descriptor, closed in `deinit`. Not `Sendable`: one owner.
final class OwnedDescriptor {
    let rawValue: Int32

    init(_ rawValue: Int32) { self.rawValue = rawValue }

    deinit { close(rawValue) }

    /// Opens `name` relative to a directory descriptor.
    /// - Throws: `ArchiveError.io` naming `displayPath`.
    static func open(at directory: Int32, _ name: [UInt8], flags: Int32, mode: mode_t = 0, displayPath: String)
        throws -> OwnedDescriptor
    {
        while true {
            let fd = withCString(name) { openat(directory, $0, flags | O_CLOEXEC, mode) }
            if fd >= 0 { return OwnedDescriptor(fd) }
            if errno == EINTR { continue }
            throw ArchiveError.io(operation: "open", path: displayPath, errno: errno)
        }
    }

    /// `/proc/self/fd/N`: a path through which path-only calls (xattrs, utimes) reach this descriptor's file.
    var procPath: String { "/proc/self/fd/\(rawValue)" }
}

/// File system helpers shared by the writer and the applier.
enum FileSystem {
    /// `fstatat(AT_SYMLINK_NOFOLLOW)`; `nil` when the name does not exist.
    static func lstat(at directory: Int32, _ name: [UInt8], displayPath: String) throws -> stat? {
        var info = stat()
        if withCString(name, { fstatat(directory, $0, &info, AT_SYMLINK_NOFOLLOW) }) == 0 { return info }
        if errno == ENOENT { return nil }
        throw ArchiveError.io(operation: "stat", path: displayPath, errno: errno)
    }

    /// The file type bits of a mode.
    static func type(_ mode: mode_t) -> mode_t { mode & mode_t(S_IFMT) }

    /// Reads a symbolic link's target bytes.
    static func readLink(at directory: Int32, _ name: [UInt8], displayPath: String) throws -> [UInt8] {
        var size = 256
        while true {
            var buffer = [UInt8](repeating: 0, count: size)
            let count = withCString(name) { cName in
                buffer.withUnsafeMutableBufferPointer { pointer in
                    pointer.withMemoryRebound(to: CChar.self) { chars in
                        chars.baseAddress.map { readlinkat(directory, cName, $0, size) } ?? -1
                    }
                }
            }
            guard count >= 0 else { throw ArchiveError.io(operation: "readlink", path: displayPath, errno: errno) }
            if count < size { return Array(buffer[..<count]) }
            size *= 4
        }
    }

    /// The names in an open directory (without `.` and `..`), sorted bytewise.
    static func sortedNames(of directory: Int32, displayPath: String) throws -> [[UInt8]] {
        let copy = dup(directory)
        guard copy >= 0, let stream = fdopendir(copy) else {
            let code = errno
            throw ArchiveError.io(operation: "opendir", path: displayPath, errno: code)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let item = readdir(stream) else {
                if errno != 0 { throw ArchiveError.io(operation: "readdir", path: displayPath, errno: errno) }
                break
            }
            let name = withUnsafeBytes(of: item.pointee.d_name) { raw -> [UInt8] in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return Array(bytes[..<length])
            }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            names.append(name)
        }
        names.sort { $0.lexicographicallyPrecedes($1) }
        return names
    }

    /// Extended attribute names and values of a path (raw bytes), not following a final symlink.
    static func xattrs(ofPath pathBytes: [UInt8]) throws -> [(name: String, value: [UInt8])] {
        try withCString(pathBytes) { path in
            try xattrs(ofCPath: path, display: String(decoding: pathBytes, as: UTF8.self))
        }
    }

    private static func xattrs(ofCPath path: UnsafePointer<CChar>, display: String) throws -> [(
        name: String, value: [UInt8]
    )] {
        var listSize = llistxattr(path, nil, 0)
        if listSize < 0 {
            if errno == ENOTSUP || errno == ENODATA { return [] }
            throw ArchiveError.io(operation: "listxattr", path: display, errno: errno)
        }
        guard listSize > 0 else { return [] }
        var list = [CChar](repeating: 0, count: listSize)
        listSize = llistxattr(path, &list, listSize)
        guard listSize >= 0 else { throw ArchiveError.io(operation: "listxattr", path: display, errno: errno) }
        var result: [(name: String, value: [UInt8])] = []
        for nameChars in list[..<listSize].split(separator: 0) {
            let name = String(decoding: nameChars.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let size = lgetxattr(path, name, nil, 0)
            guard size >= 0 else {
                if errno == ENODATA { continue }
                throw ArchiveError.io(operation: "getxattr \(name)", path: display, errno: errno)
            }
            var value = [UInt8](repeating: 0, count: size)
            let read = value.withUnsafeMutableBytes { lgetxattr(path, name, $0.baseAddress, size) }
            guard read >= 0 else {
                throw ArchiveError.io(operation: "getxattr \(name)", path: display, errno: errno)
            }
            result.append((name, Array(value[..<read])))
        }
        result.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return result
    }

    /// Removes a directory entry and, for a directory, everything beneath it. Never follows symlinks.
    static func removeTree(at directory: Int32, _ name: [UInt8], displayPath: String) throws {
        let removed = withCString(name) { unlinkat(directory, $0, 0) }
        if removed == 0 || errno == ENOENT { return }
        guard errno == EISDIR || errno == EPERM else {
            throw ArchiveError.io(operation: "remove", path: displayPath, errno: errno)
        }
        let child = try OwnedDescriptor.open(
            at: directory, name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW, displayPath: displayPath)
        try removeContents(of: child.rawValue, displayPath: displayPath)
        if withCString(name, { unlinkat(directory, $0, AT_REMOVEDIR) }) != 0 && errno != ENOENT {
            throw ArchiveError.io(operation: "rmdir", path: displayPath, errno: errno)
        }
    }

    /// Removes everything inside an open directory, keeping the directory and the names `keep` accepts.
    static func removeContents(
        of directory: Int32, displayPath: String, except keep: ([UInt8]) -> Bool = { _ in false }
    ) throws {
        for name in try sortedNames(of: directory, displayPath: displayPath) where !keep(name) {
            try removeTree(at: directory, name, displayPath: displayPath + "/" + String(decoding: name, as: UTF8.self))
        }
    }
}
