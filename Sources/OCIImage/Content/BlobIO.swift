// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Streams the bytes of one new blob into a temporary file while hashing and counting them.
///
/// Nothing is visible under the blob's digest until `commit` succeeds; a writer dropped without
/// `commit` removes its temporary file. Not `Sendable`: one task owns it.
public final class BlobWriter {
    private let fd: Int32
    private let temporaryPath: String
    private let publish: (_ temporaryPath: String, _ digest: Digest) throws -> Void
    private let hasher = SHA256Hasher()
    private var isClosed = false
    /// How many bytes have been written so far.
    public private(set) var bytesWritten: Int64 = 0

    /// Creates a writer over an open temporary file.
    /// - Parameters:
    ///   - fd: a file descriptor open for writing, owned by the writer from now on.
    ///   - temporaryPath: the path of that file, removed on abort.
    ///   - publish: moves the finished, synced file to its final name; called once by `commit`.
    public init(fd: Int32, temporaryPath: String, publish: @escaping (String, Digest) throws -> Void) {
        self.fd = fd
        self.temporaryPath = temporaryPath
        self.publish = publish
    }

    deinit { if !isClosed { abort() } }

    /// Appends bytes.
    /// - Throws: `OCIImageError.io` when the disk write fails.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!isClosed, "BlobWriter used after commit or abort")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        hasher.update(bytes)
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw OCIImageError.io(operation: "write", path: temporaryPath, errno: errno)
            }
            offset += written
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Appends the bytes of a collection.
    public func write(_ bytes: some Collection<UInt8>) throws {
        if let done = try bytes.withContiguousStorageIfAvailable({ try write(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        try Array(bytes).withUnsafeBytes { try write($0) }
    }

    /// Finishes the blob: syncs it to disk and publishes it under its digest.
    /// - Parameters:
    ///   - expectedDigest: when given, the bytes must hash to it.
    ///   - expectedSize: when given, exactly this many bytes must have been written.
    /// - Returns: the digest and size of what was written.
    /// - Throws: `digestMismatch` or `sizeMismatch` (the temporary file is removed), or `io`.
    @discardableResult
    public func commit(expectedDigest: Digest? = nil, expectedSize: Int64? = nil) throws -> (
        digest: Digest, size: Int64
    ) {
        precondition(!isClosed, "BlobWriter committed twice")
        let digest = hasher.finalize()
        if let expectedDigest, expectedDigest != digest {
            abort()
            throw OCIImageError.digestMismatch(expected: expectedDigest, actual: digest)
        }
        if let expectedSize, expectedSize != bytesWritten {
            abort()
            throw OCIImageError.sizeMismatch(digest: digest, expected: expectedSize, actual: bytesWritten)
        }
        if fsync(fd) != 0 {
            let code = errno
            abort()
            throw OCIImageError.io(operation: "fsync", path: temporaryPath, errno: code)
        }
        close(fd)
        isClosed = true
        do {
            try publish(temporaryPath, digest)
        } catch {
            unlink(temporaryPath)
            throw error
        }
        return (digest, bytesWritten)
    }

    /// Drops the blob and removes the temporary file.
    public func abort() {
        guard !isClosed else { return }
        isClosed = true
        close(fd)
        unlink(temporaryPath)
    }
}

/// Streams the bytes of a stored blob, verifying size and digest at the end when read from the start.
///
/// Not `Sendable`: one task owns it.
public final class BlobReader {
    /// The digest that names the blob.
    public let digest: Digest
    /// The blob's size on disk.
    public let size: Int64
    /// Where reading started.
    public let startOffset: Int64
    private let fd: Int32
    private let path: String
    private let hasher: SHA256Hasher?
    private var position: Int64
    private var isVerified = false

    /// Opens a blob file.
    /// - Throws: `blobNotFound` when the file does not exist, `io` for other failures.
    public init(path: String, digest: Digest, offset: Int64) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw OCIImageError.blobNotFound(digest) }
            throw OCIImageError.io(operation: "open", path: path, errno: errno)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw OCIImageError.io(operation: "stat", path: path, errno: code)
        }
        if offset > 0, lseek(fd, off_t(offset), SEEK_SET) < 0 {
            let code = errno
            close(fd)
            throw OCIImageError.io(operation: "seek", path: path, errno: code)
        }
        self.fd = fd
        self.path = path
        self.digest = digest
        self.size = Int64(info.st_size)
        self.startOffset = offset
        self.position = offset
        self.hasher = offset == 0 && digest.algorithm == "sha256" ? SHA256Hasher() : nil
    }

    deinit { close(fd) }

    /// Reads up to `buffer.count` bytes.
    /// - Returns: the number of bytes read; 0 at the end, after verification succeeded.
    /// - Throws: `digestMismatch` when the blob's bytes no longer hash to its name; `io` on read failure.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw OCIImageError.io(operation: "read", path: path, errno: errno)
            }
            if count == 0 {
                try verifyAtEnd()
                return 0
            }
            hasher?.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            position += Int64(count)
            return count
        }
    }

    /// Reads everything from the current position to the end, verified.
    public func readToEnd() throws -> [UInt8] {
        var result = [UInt8]()
        result.reserveCapacity(Int(max(0, size - position)))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if count == 0 { return result }
            result.append(contentsOf: chunk[..<count])
        }
    }

    private func verifyAtEnd() throws {
        guard let hasher, !isVerified else { return }
        isVerified = true
        let actual = hasher.finalize()
        if actual != digest { throw OCIImageError.digestMismatch(expected: digest, actual: actual) }
    }
}
