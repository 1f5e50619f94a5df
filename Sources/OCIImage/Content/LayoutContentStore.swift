// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A content store that is an OCI image layout directory, readable by skopeo, umoci and other tools.
///
/// ```
/// oci-layout            {"imageLayoutVersion":"1.0.0"}
/// index.json            tags as org.opencontainers.image.ref.name annotations
/// blobs/sha256/<hex>    content, named by digest
/// .hoist/ingest/        blobs being written (<pid>-<random>), renamed into blobs/ when complete
/// .hoist/index.lock     serialises index.json updates across processes
/// .hoist/gc.lock        held shared by every writer, exclusively by garbage collection
/// ```
/// See [image-layout.md](https://github.com/opencontainers/image-spec/blob/main/image-layout.md) and
/// specs/image-store.md for the guarantees.
public final class LayoutContentStore: ContentStore, @unchecked Sendable {
    // @unchecked: every stored property is immutable except `writerLock`, which `stateLock` guards.

    /// The layout directory.
    public let path: String
    private let blobsPath: String
    private let ingestPath: String
    private let indexLockPath: String
    private let gcLockPath: String
    private let stateLock = NSLock()
    private var writerLock: FileLock?

    /// Opens an image layout, creating it when `create` is true and it does not exist.
    /// Leftover ingest files of processes that no longer run are removed.
    /// - Throws: `notALayout` when the directory holds another kind of layout; `io` on failures.
    public init(path: String, create: Bool = true) throws {
        self.path = path
        self.blobsPath = path + "/blobs/sha256"
        self.ingestPath = path + "/.hoist/ingest"
        self.indexLockPath = path + "/.hoist/index.lock"
        self.gcLockPath = path + "/.hoist/gc.lock"
        let layoutFile = path + "/oci-layout"
        if FileManager.default.fileExists(atPath: layoutFile) {
            let data = try Self.readFile(layoutFile)
            guard let header = try? JSONDecoder().decode(ImageLayoutHeader.self, from: data),
                (try? header.validate()) != nil
            else {
                throw OCIImageError.notALayout(
                    path: path, reason: "oci-layout is not {\"imageLayoutVersion\":\"1.0.0\"}")
            }
        } else if !create {
            throw OCIImageError.notALayout(path: path, reason: "no oci-layout file")
        }
        for directory in [blobsPath, ingestPath] { try Self.makeDirectories(directory) }
        if !FileManager.default.fileExists(atPath: layoutFile) {
            try Self.writeFileAtomically(
                layoutFile, bytes: CanonicalJSON.encode(ImageLayoutHeader()), temporaryDirectory: ingestPath)
        }
        removeAbandonedIngests()
    }

    /// Where a blob lives, whether or not it exists. For tools that need a path; reads through
    /// `openBlob` are verified, reads of this path are not.
    public func blobPath(_ digest: Digest) -> String {
        "\(path)/blobs/\(digest.algorithm)/\(digest.encoded)"
    }

    // MARK: - ContentStore

    public func blobSize(_ digest: Digest) throws -> Int64? {
        var info = stat()
        let blob = blobPath(digest)
        if stat(blob, &info) == 0 { return Int64(info.st_size) }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw OCIImageError.io(operation: "stat", path: blob, errno: errno)
    }

    public func makeBlobWriter() throws -> BlobWriter {
        try holdWriterLock()
        let temporary = "\(ingestPath)/\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OCIImageError.io(operation: "create", path: temporary, errno: errno) }
        return BlobWriter(fd: fd, temporaryPath: temporary) { [self] temporaryPath, digest in
            try publishBlob(from: temporaryPath, as: digest)
        }
    }

    public func openBlob(_ digest: Digest, offset: Int64) throws -> BlobReader {
        try BlobReader(path: blobPath(digest), digest: digest, offset: offset)
    }

    public func deleteBlob(_ digest: Digest) throws {
        let blob = blobPath(digest)
        if unlink(blob) != 0 && errno != ENOENT {
            throw OCIImageError.io(operation: "remove", path: blob, errno: errno)
        }
    }

    public func readIndex() throws -> ImageIndex {
        let indexPath = path + "/index.json"
        guard FileManager.default.fileExists(atPath: indexPath) else { return ImageIndex() }
        let data = try Self.readFile(indexPath)
        do {
            return try JSONDecoder().decode(ImageIndex.self, from: data)
        } catch {
            throw OCIImageError.invalidDocument("\(indexPath) is not an image index: \(error)")
        }
    }

    public func updateIndex<T>(_ body: (inout ImageIndex) throws -> T) throws -> T {
        try holdWriterLock()
        let lock = try FileLock(path: indexLockPath)
        return try lock.withLock(.exclusive) {
            var index = try readIndex()
            let result = try body(&index)
            try Self.writeFileAtomically(
                path + "/index.json", bytes: CanonicalJSON.encode(index), temporaryDirectory: ingestPath)
            return result
        }
    }

    // MARK: - Garbage collection

    /// What a garbage collection removed.
    public struct CollectionReport: Sendable, Equatable {
        /// The blobs removed, sorted.
        public var removed: [Digest]
        /// The bytes they took.
        public var bytesFreed: Int64
    }

    /// The store's collection lock, held exclusively: while it is held no store (in any process) writes, so
    /// blobs may be removed. Released when this value is freed.
    public final class CollectionLock {
        fileprivate let lock: FileLock
        fileprivate let storePath: String

        fileprivate init(lock: FileLock, storePath: String) {
            self.lock = lock
            self.storePath = storePath
        }

        deinit { lock.unlock() }
    }

    /// Takes the collection lock exclusively, waiting for no one. This store's own hold on it as a writer is
    /// given up first (a process that wrote and now collects is not another writer).
    /// - Returns: the lock; removal is allowed until it is freed.
    /// - Throws: `storeBusy` when another open store, in this process or another, may be writing.
    public func lockForCollection() throws -> CollectionLock {
        let gcLock = try FileLock(path: gcLockPath)
        stateLock.lock()
        let ownWriterLock = writerLock
        writerLock = nil
        stateLock.unlock()
        ownWriterLock?.unlock()
        guard try gcLock.tryLock(.exclusive) else { throw OCIImageError.storeBusy(path: path) }
        return CollectionLock(lock: gcLock, storePath: path)
    }

    /// Holds the collection lock shared from now until this store is freed, as its first write would. A caller
    /// that will name blobs it has only checked so far (a build reusing cache entries) calls this first, so that
    /// no collection removes them meanwhile. Waits while a collection runs.
    /// - Throws: `io` when the lock file cannot be opened or locked.
    public func beginWriting() throws {
        try holdWriterLock()
    }

    /// Every blob that a tag in `index.json` or one of `extraRoots` reaches, through indexes, manifests, configs,
    /// layers and subjects. Blobs named but absent from the store are included.
    /// - Parameter extraRoots: more blobs to start from.
    /// - Returns: the digests reached.
    public func reachableBlobs(extraRoots: Set<Digest> = []) throws -> Set<Digest> {
        var reachable = Set<Digest>()
        var pending =
            try readIndex().manifests
            + extraRoots.map { Descriptor(mediaType: "application/octet-stream", digest: $0, size: 0) }
        while let descriptor = pending.popLast() {
            guard reachable.insert(descriptor.digest).inserted, try hasBlob(descriptor.digest) else { continue }
            pending.append(contentsOf: try children(of: descriptor))
        }
        return reachable
    }

    /// Removes every blob that no tag in `index.json` reaches (through indexes, manifests, configs,
    /// layers and subjects) and that is not in `extraRoots`.
    ///
    /// Waits for nothing: when another open store (in any process) may be writing, it throws
    /// `storeBusy` rather than delete a blob that is about to be tagged.
    /// - Parameter extraRoots: blobs to keep although no tag reaches them (for example build-cache layers).
    /// - Returns: what was removed.
    public func collectGarbage(extraRoots: Set<Digest> = []) throws -> CollectionReport {
        let lock = try lockForCollection()
        return try collectGarbage(extraRoots: extraRoots, holding: lock)
    }

    /// `collectGarbage(extraRoots:)` for a caller that already holds the collection lock (and may remove other
    /// things under it).
    /// - Parameters:
    ///   - extraRoots: blobs to keep although no tag reaches them.
    ///   - lock: this store's collection lock, from `lockForCollection()`.
    /// - Returns: what was removed.
    public func collectGarbage(extraRoots: Set<Digest> = [], holding lock: CollectionLock) throws
        -> CollectionReport
    {
        precondition(lock.storePath == path, "the collection lock of another store")
        let reachable = try reachableBlobs(extraRoots: extraRoots)
        var report = CollectionReport(removed: [], bytesFreed: 0)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: blobsPath)) ?? []
        for name in names.sorted() {
            guard let digest = try? Digest(algorithm: "sha256", encoded: name), !reachable.contains(digest) else {
                continue
            }
            report.bytesFreed += try blobSize(digest) ?? 0
            try deleteBlob(digest)
            report.removed.append(digest)
        }
        return report
    }

    /// The descriptors a manifest or index blob points at; none for other blobs.
    private func children(of descriptor: Descriptor) throws -> [Descriptor] {
        if descriptor.mediaType.isManifest || descriptor.mediaType == .ociDescriptor {
            let manifest = try readJSON(ImageManifest.self, digest: descriptor.digest)
            return [manifest.config] + manifest.layers + [manifest.subject].compactMap { $0 }
        }
        if descriptor.mediaType.isIndex {
            let index = try readJSON(ImageIndex.self, digest: descriptor.digest)
            return index.manifests + [index.subject].compactMap { $0 }
        }
        return []
    }

    // MARK: - Private helpers

    /// Every store that writes holds the GC lock shared, so a collection never removes a blob
    /// that a running build has written but not yet tagged.
    func holdWriterLock() throws {
        stateLock.lock()
        defer { stateLock.unlock() }
        guard writerLock == nil else { return }
        let lock = try FileLock(path: gcLockPath)
        try lock.lock(.shared)
        writerLock = lock
    }

    private func publishBlob(from temporaryPath: String, as digest: Digest) throws {
        let destination = blobPath(digest)
        if try blobSize(digest) != nil {
            // Existing content wins: same digest, same bytes.
            unlink(temporaryPath)
            return
        }
        guard rename(temporaryPath, destination) == 0 else {
            throw OCIImageError.io(operation: "rename", path: destination, errno: errno)
        }
        Self.syncDirectory(blobsPath)
    }

    private func removeAbandonedIngests() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: ingestPath) else { return }
        for name in names {
            guard let pidText = name.split(separator: "-").first, let pid = pid_t(pidText), pid != getpid() else {
                continue
            }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink("\(ingestPath)/\(name)") }
        }
    }

    /// `mkdir -p`.
    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw OCIImageError.io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    static func readFile(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OCIImageError.io(operation: "read", path: path, errno: errno == 0 ? ENOENT : errno)
        }
        return data
    }

    /// Writes a file under a temporary name, syncs it and renames it into place, so readers see
    /// either the old or the new content, never a part.
    static func writeFileAtomically(_ path: String, bytes: [UInt8], temporaryDirectory: String) throws {
        let temporary = "\(temporaryDirectory)/\(getpid())-\(UInt64.random(in: 0...UInt64.max)).json"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OCIImageError.io(operation: "create", path: temporary, errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw OCIImageError.io(operation: "write", path: temporary, errno: code)
            }
            offset += written
        }
        let synced = fsync(fd) == 0
        let code = errno
        close(fd)
        guard synced else {
            unlink(temporary)
            throw OCIImageError.io(operation: "fsync", path: temporary, errno: code)
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw OCIImageError.io(operation: "rename", path: path, errno: code)
        }
        syncDirectory((path as NSString).deletingLastPathComponent)
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
