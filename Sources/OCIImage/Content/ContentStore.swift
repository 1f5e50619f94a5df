// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// A place that holds blobs by digest and names images by tag.
///
/// The calls block on file I/O: run large transfers off the cooperative pool. Implementations are
/// safe to use from several threads and several processes at once.
public protocol ContentStore: Sendable {
    /// The size of a stored blob, or `nil` when the store does not have it.
    func blobSize(_ digest: Digest) throws -> Int64?

    /// Starts writing a new blob. Bytes go to a temporary file and become visible under their
    /// digest only when `BlobWriter.commit` succeeds.
    func makeBlobWriter() throws -> BlobWriter

    /// Opens a stored blob for streaming reads.
    /// - Parameters:
    ///   - digest: the blob.
    ///   - offset: where to start. From 0 the reader verifies size and digest when it reaches the end
    ///     and throws on a mismatch; from any other offset it cannot, and does not.
    /// - Throws: `OCIImageError.blobNotFound`.
    func openBlob(_ digest: Digest, offset: Int64) throws -> BlobReader

    /// Removes a blob. Absent blobs are not an error.
    func deleteBlob(_ digest: Digest) throws

    /// Reads the image index (`index.json`); an empty index when there is none yet.
    func readIndex() throws -> ImageIndex

    /// Changes the image index under the store's lock: read, `body`, write atomically.
    /// Concurrent updaters, in this process or another, are serialised and none is lost.
    func updateIndex<T>(_ body: (inout ImageIndex) throws -> T) throws -> T
}

// MARK: - Conveniences

extension ContentStore {
    /// Whether the store holds the blob.
    public func hasBlob(_ digest: Digest) throws -> Bool { try blobSize(digest) != nil }

    /// Opens a blob from its start, verifying it as it is read.
    public func openBlob(_ digest: Digest) throws -> BlobReader { try openBlob(digest, offset: 0) }

    /// Reads a whole (small) blob into memory, verified.
    /// - Parameters:
    ///   - digest: the blob.
    ///   - limit: the largest size accepted; manifests and configs are small, layers are never read this way.
    /// - Throws: `blobNotFound`, `blobTooLarge`, `digestMismatch`.
    public func readBlob(_ digest: Digest, limit: Int64 = 16 << 20) throws -> [UInt8] {
        let reader = try openBlob(digest)
        guard reader.size <= limit else { throw OCIImageError.blobTooLarge(digest, size: reader.size, limit: limit) }
        return try reader.readToEnd()
    }

    /// Stores a small in-memory blob.
    /// - Returns: its digest and size.
    @discardableResult
    public func writeBlob(_ bytes: some Collection<UInt8>) throws -> (digest: Digest, size: Int64) {
        let writer = try makeBlobWriter()
        try writer.write(bytes)
        return try writer.commit()
    }

    /// Decodes a JSON blob (manifest, index, config) after verifying it.
    public func readJSON<T: Decodable>(_ type: T.Type, digest: Digest) throws -> T {
        let bytes = try readBlob(digest)
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw OCIImageError.invalidDocument("blob \(digest) is not a valid \(T.self): \(error)")
        }
    }

    /// Encodes a value with the canonical encoder and stores it.
    /// - Returns: a descriptor of the stored blob with the given media type.
    @discardableResult
    public func writeJSON(_ value: some Encodable, mediaType: MediaType) throws -> Descriptor {
        let bytes = try CanonicalJSON.encode(value)
        let (digest, size) = try writeBlob(bytes)
        return Descriptor(mediaType: mediaType, digest: digest, size: size)
    }

    /// Points a tag at a manifest or index, replacing whatever the tag named before.
    public func tag(_ descriptor: Descriptor, as name: String) throws {
        try updateIndex { index in
            index.manifests.removeAll { $0.referenceName == name }
            var tagged = descriptor
            var annotations = tagged.annotations ?? [:]
            annotations[AnnotationKey.refName] = name
            tagged.annotations = annotations
            index.manifests.append(tagged)
        }
    }

    /// Removes a tag.
    /// - Returns: the descriptor the tag named.
    /// - Throws: `OCIImageError.tagNotFound`.
    @discardableResult
    public func untag(_ name: String) throws -> Descriptor {
        try updateIndex { index in
            guard let position = index.manifests.firstIndex(where: { $0.referenceName == name }) else {
                throw OCIImageError.tagNotFound(name)
            }
            return index.manifests.remove(at: position)
        }
    }

    /// The descriptor a tag names, or `nil`.
    public func resolveTag(_ name: String) throws -> Descriptor? {
        try readIndex().manifests.last { $0.referenceName == name }
    }
}
