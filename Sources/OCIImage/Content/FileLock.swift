// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An advisory `flock(2)` lock on a file, shared by every process that opens the same path.
///
/// `flock` locks belong to the open file description, so two `FileLock`s on one path exclude each
/// other even inside one process. Not `Sendable`: one owner at a time.
final class FileLock {
    let path: String
    private let fd: Int32

    /// Opens (creating) the lock file. Does not lock.
    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OCIImageError.io(operation: "open lock", path: path, errno: errno) }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    enum Mode { case shared, exclusive }

    /// Waits for the lock.
    func lock(_ mode: Mode) throws {
        while flock(fd, mode == .shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno != EINTR { throw OCIImageError.io(operation: "lock", path: path, errno: errno) }
        }
    }

    /// Takes the lock only if nobody holds a conflicting one.
    /// - Returns: whether the lock was taken.
    func tryLock(_ mode: Mode) throws -> Bool {
        if flock(fd, (mode == .shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw OCIImageError.io(operation: "lock", path: path, errno: errno)
    }

    func unlock() { flock(fd, LOCK_UN) }

    /// Runs `body` while holding the lock.
    func withLock<T>(_ mode: Mode, _ body: () throws -> T) throws -> T {
        try lock(mode)
        defer { unlock() }
        return try body()
    }
}
