// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension LayoutContentStore {
    /// Adds a blob of another layout store to this one without copying its bytes when both are on one
    /// filesystem: a hard link to the same file. Elsewhere the blob is copied through a verified read.
    ///
    /// The link is made at the blob's final name in one step, so the blob appears whole or not at all, and
    /// existing content wins. The source file is trusted to be what its name says, as a blob of a Hoist store
    /// is; every later read through `openBlob` verifies it.
    /// - Parameters:
    ///   - digest: the blob.
    ///   - source: the store holding it.
    /// - Throws: `OCIImageError.blobNotFound` when `source` lacks it; `io` when neither linking nor copying works.
    public func linkBlob(_ digest: Digest, from source: LayoutContentStore) throws {
        try holdWriterLock()
        if try blobSize(digest) != nil { return }
        guard try source.blobSize(digest) != nil else { throw OCIImageError.blobNotFound(digest) }
        let destination = blobPath(digest)
        if link(source.blobPath(digest), destination) == 0 {
            Self.syncDirectory(path + "/blobs/" + digest.algorithm)
            return
        }
        if errno == EEXIST { return }
        // EXDEV (another filesystem), EPERM (a filesystem without hard links), EMLINK: copy instead.
        let reader = try source.openBlob(digest)
        let writer = try makeBlobWriter()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try reader.read(into: buffer)
            if count == 0 { break }
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        _ = try writer.commit(expectedDigest: digest)
    }
}
