// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import Glibc

/// The POSIX calls the copy needs, throwing `CopyError.io`, never following a final symbolic link.
enum HostFileSystem {
    /// `lstat`; `nil` when the path does not exist (or a parent is not a directory).
    static func lstat(_ path: String) throws(CopyError) -> stat? {
        var info = stat()
        if Glibc.lstat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw .io(operation: "lstat", path: path, errno: errno)
    }

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    static func isSymlink(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFLNK }
    static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }

    static func readLink(_ path: String) throws(CopyError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw .io(operation: "readlink", path: path, errno: errno) }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The names in a directory, sorted by their bytes, without `.` and `..`.
    static func sortedNames(_ path: String) throws(CopyError) -> [String] {
        guard let directory = opendir(path) else { throw .io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func makeDirectory(_ path: String) throws(CopyError) {
        guard mkdir(path, 0o700) == 0 else { throw .io(operation: "mkdir", path: path, errno: errno) }
    }

    /// Removes a non-directory.
    static func unlinkFile(_ path: String) throws(CopyError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .io(operation: "unlink", path: path, errno: errno) }
    }

    /// Sets owner, then mode (a chown clears set-ID bits), then times, on the entry itself.
    static func setMetadata(_ path: String, uid: UInt32, gid: UInt32, mode: UInt32?, time: timespec?)
        throws(CopyError)
    {
        guard fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw .io(operation: "chown", path: path, errno: errno)
        }
        if let mode, Glibc.chmod(path, mode_t(mode)) != 0 {
            throw .io(operation: "chmod", path: path, errno: errno)
        }
        if let time {
            let times = [time, time]
            guard utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw .io(operation: "utimensat", path: path, errno: errno)
            }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(CopyError) {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
    }
}

/// Runs blocking work on a dedicated thread, so it never occupies the cooperative pool.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = "hoist-copy"
        thread.start()
    }
}
