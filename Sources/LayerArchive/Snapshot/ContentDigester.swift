// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Hashes regular files with one reusable buffer. Not `Sendable`: one walk owns it.
final class ContentDigester {
    private static let bufferSize = 1 << 20
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 4096)

    deinit { buffer.deallocate() }

    /// The SHA-256 of a regular file's content, or `nil` when the file changed while it was read (its
    /// inode, size, mtime or ctime are not those of `entry` afterwards): such a digest would vouch for
    /// bytes the entry does not describe.
    /// Also `nil` when the file may not be read (`EACCES`, as a user other than root): the file is then
    /// judged by its metadata alone.
    /// - Throws: `ArchiveError.io` when the file cannot be opened or read.
    func digest(parent: Int32, entry: SnapshotEntry, displayPath: String) throws -> Digest? {
        let file: OwnedDescriptor
        do {
            file = try OwnedDescriptor.open(
                at: parent, entry.name, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK, displayPath: displayPath)
        } catch ArchiveError.io(_, _, let code) where code == EACCES {
            return nil
        }
        posix_fadvise(file.rawValue, 0, 0, POSIX_FADV_SEQUENTIAL)
        let hasher = SHA256Hasher()
        while true {
            let count = read(file.rawValue, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw ArchiveError.io(operation: "read", path: displayPath, errno: errno)
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        var after = stat()
        guard fstat(file.rawValue, &after) == 0 else {
            throw ArchiveError.io(operation: "stat", path: displayPath, errno: errno)
        }
        let isStill =
            UInt64(after.st_ino) == entry.inode && Int64(after.st_size) == entry.size
            && SnapshotTime(after.st_mtim) == entry.mtime && SnapshotTime(after.st_ctim) == entry.ctime
        return isStill ? hasher.finalize() : nil
    }
}
