// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import NIOCore
import OCIImage

/// What a pull produced.
public struct PullResult: Sendable, Equatable {
    /// The digest the reference resolved to at the registry: an index or a manifest.
    public var digest: Digest
    /// The media type of what the reference resolved to.
    public var mediaType: MediaType
    /// The platform's image manifest, as stored (and tagged, when a name was given).
    public var manifest: Descriptor
}

extension RegistryClient {
    /// The manifest media types Hoist asks for. Schema 1 is listed only so it can be recognised and refused.
    static let manifestAccept = [
        MediaType.ociIndex, .ociManifest, .dockerManifestList, .dockerManifest, .dockerManifestSchema1Signed,
        .dockerManifestSchema1,
    ].map(\.rawValue).joined(separator: ", ")

    /// The largest manifest accepted.
    static let manifestLimit = 4 << 20

    // MARK: - API

    /// Pulls an image into a store: the manifest (chosen from an index by platform), its config and
    /// layers, each verified against its digest as it streams; blobs already stored are not fetched.
    /// - Parameters:
    ///   - reference: the image; its registry must be this client's.
    ///   - platform: the platform to choose from an index.
    ///   - store: where blobs go.
    ///   - name: when given, the store tags the platform manifest with it (`localhost:5000/app:1`).
    ///   - origins: when given, records that the blobs live in the reference's repository.
    ///   - progress: receives events.
    /// - Returns: the resolved digest and the stored manifest descriptor.
    /// - Throws: `RegistryError` (`noMatchingPlatform`, `unsupportedManifest`, `contentMismatch`, …).
    public func pull(
        _ reference: ImageReference, platform: Platform = .host, into store: any ContentStore,
        tagAs name: String? = nil,
        origins: BlobOriginLog? = nil, progress: TransferProgress? = nil
    ) async throws -> PullResult {
        let repository = reference.repository
        let (top, topBytes) = try await fetchManifest(repository, reference: reference.manifestReference)
        if let pinned = reference.digest, pinned != top.digest {
            throw RegistryError.contentMismatch(
                digest: pinned, reason: "the registry sent a manifest hashing to \(top.digest)")
        }
        var chosen = top
        var manifestBytes = topBytes
        if top.mediaType.isIndex {
            let index = try decode(ImageIndex.self, topBytes, digest: top.digest)
            guard var entry = index.manifests(matching: platform).first else {
                throw RegistryError.noMatchingPlatform(
                    reference: reference.description, platform: platform.description,
                    available: index.manifests.compactMap { $0.platform?.description })
            }
            let (child, childBytes) = try await fetchManifest(repository, reference: entry.digest.description)
            guard child.digest == entry.digest, child.size == entry.size else {
                throw RegistryError.contentMismatch(
                    digest: entry.digest, reason: "the manifest does not match the index")
            }
            guard child.mediaType.isManifest else {
                throw RegistryError.unsupportedManifest(
                    reference: "\(reference.name)@\(entry.digest)", mediaType: child.mediaType.rawValue)
            }
            entry.mediaType = child.mediaType
            entry.annotations = nil
            chosen = entry
            manifestBytes = childBytes
        }
        let manifest = try decode(ImageManifest.self, manifestBytes, digest: chosen.digest)
        let blobs = [manifest.config] + manifest.layers
        try await fetchBlobs(blobs, repository: repository, into: store, progress: progress)
        // The manifest goes in last, so a stored manifest always has its blobs.
        try storeVerified(manifestBytes, digest: chosen.digest, in: store)
        if top.mediaType.isIndex { try storeVerified(topBytes, digest: top.digest, in: store) }
        await progress?(.manifestDone(chosen.digest))
        if let name {
            try wrapStore {
                try store.tag(
                    Descriptor(
                        mediaType: chosen.mediaType, digest: chosen.digest, size: chosen.size, platform: chosen.platform
                    ), as: name)
            }
        }
        origins?.record(blobs.map(\.digest) + [chosen.digest, top.digest], registry: registry, repository: repository)
        return PullResult(digest: top.digest, mediaType: top.mediaType, manifest: chosen)
    }

    /// Fetches a manifest or index and checks it hashes to what it is called.
    /// - Parameters:
    ///   - repository: the repository.
    ///   - reference: a tag or a digest.
    /// - Returns: its descriptor (media type from the registry, digest computed from the bytes) and the bytes.
    /// - Throws: `RegistryError.unsupportedManifest` for schema 1 and unknown types.
    public func fetchManifest(_ repository: String, reference: String) async throws -> (Descriptor, [UInt8]) {
        let request = HTTPRequest(
            method: "GET", url: try await url(repository, "manifests/\(reference)"),
            headers: ["Accept": Self.manifestAccept])
        let scopes = [Scope.pull(repository)]
        let response = try await send(request, scopes: scopes)
        guard response.status == 200 else { throw await failure(response, request: request, scopes: scopes) }
        let bytes = try await response.body.collect(upTo: Self.manifestLimit, url: request.url)
        let digest = SHA256Hasher.digest(of: bytes)
        if let named = try? Digest(parsing: reference), named != digest {
            throw RegistryError.contentMismatch(digest: named, reason: "the manifest received hashes to \(digest)")
        }
        let mediaType = Self.manifestMediaType(header: response.headers["Content-Type"], bytes: bytes)
        let display = "\(registry)/\(repository)\(reference.contains(":") ? "@" : ":")\(reference)"
        guard mediaType.isIndex || mediaType.isManifest else {
            throw RegistryError.unsupportedManifest(reference: display, mediaType: mediaType.rawValue)
        }
        return (Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count)), bytes)
    }

    /// Asks the registry what a tag points at, without downloading the manifest (`HEAD`).
    /// - Returns: the descriptor from `Docker-Content-Digest`, `Content-Type` and `Content-Length`, or
    ///   the fetched manifest's when the registry does not send a digest.
    public func resolve(_ reference: ImageReference) async throws -> Descriptor {
        let repository = reference.repository
        let request = HTTPRequest(
            method: "HEAD", url: try await url(repository, "manifests/\(reference.manifestReference)"),
            headers: ["Accept": Self.manifestAccept])
        let scopes = [Scope.pull(repository)]
        let response = try await send(request, scopes: scopes)
        guard response.status == 200 else { throw await failure(response, request: request, scopes: scopes) }
        await discard(response)
        if let digestText = response.headers["Docker-Content-Digest"], let digest = try? Digest(parsing: digestText),
            let type = response.headers["Content-Type"],
            let length = response.headers["Content-Length"].flatMap({ Int64($0) })
        {
            return Descriptor(mediaType: MediaType(Self.stripParameters(type)), digest: digest, size: length)
        }
        return try await fetchManifest(repository, reference: reference.manifestReference).0
    }

    /// Downloads blobs the store lacks, at most `maximumConcurrentTransfers` at once.
    public func fetchBlobs(
        _ blobs: [Descriptor], repository: String, into store: any ContentStore, progress: TransferProgress? = nil
    ) async throws {
        var seen = Set<Digest>()
        let unique = blobs.filter { seen.insert($0.digest).inserted }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for blob in unique {
                if running >= options.maximumConcurrentTransfers {
                    try await group.next()
                    running -= 1
                }
                group.addTask {
                    try await self.fetchBlob(blob, repository: repository, into: store, progress: progress)
                }
                running += 1
            }
            try await group.waitForAll()
        }
    }

    /// Downloads one blob into the store, verified as it streams; does nothing when the store has it.
    /// A transient failure restarts the download, bounded by the retry policy.
    public func fetchBlob(
        _ blob: Descriptor, repository: String, into store: any ContentStore, progress: TransferProgress? = nil
    ) async throws {
        if try wrapStore({ try store.hasBlob(blob.digest) }) {
            await progress?(.blobSkipped(blob.digest, size: blob.size))
            return
        }
        await progress?(.blobStarted(blob.digest, size: blob.size))
        let clock = ContinuousClock()
        let start = clock.now
        var attempts = 0
        while true {
            attempts += 1
            do {
                try await downloadOnce(blob, repository: repository, into: store)
                break
            } catch let error as RegistryError where error.isRetryable {
                guard options.retry.allowsRetry(afterAttempts: attempts, elapsed: clock.now - start) else {
                    throw error
                }
                await progress?(.retrying(blob.digest, reason: error.description))
                try await Task.sleep(for: options.retry.delay(beforeRetry: attempts))
            }
        }
        await progress?(.blobFinished(blob.digest, size: blob.size))
    }

    // MARK: - Helpers

    private func downloadOnce(_ blob: Descriptor, repository: String, into store: any ContentStore) async throws {
        let request = HTTPRequest(method: "GET", url: try await url(repository, "blobs/\(blob.digest)"))
        let scopes = [Scope.pull(repository)]
        let response = try await send(request, scopes: scopes, timeout: options.transferTimeout)
        guard response.status == 200 else { throw await failure(response, request: request, scopes: scopes) }
        let writer = try wrapStore { try store.makeBlobWriter() }
        defer { writer.abort() }
        for try await buffer in response.body {
            guard writer.bytesWritten + Int64(buffer.readableBytes) <= blob.size else {
                throw RegistryError.contentMismatch(
                    digest: blob.digest, reason: "more than the \(blob.size) bytes the descriptor announces")
            }
            try wrapStore { try buffer.withUnsafeReadableBytes { try writer.write($0) } }
            try Task.checkCancellation()
        }
        do {
            try writer.commit(expectedDigest: blob.digest, expectedSize: blob.size)
        } catch let error as OCIImageError {
            switch error {
            case .digestMismatch, .sizeMismatch:
                throw RegistryError.contentMismatch(digest: blob.digest, reason: error.description)
            default: throw RegistryError.store(underlying: error)
            }
        }
    }

    private func storeVerified(_ bytes: [UInt8], digest: Digest, in store: any ContentStore) throws {
        try wrapStore {
            let writer = try store.makeBlobWriter()
            try writer.write(bytes)
            try writer.commit(expectedDigest: digest, expectedSize: Int64(bytes.count))
        }
    }

    private func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], digest: Digest) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw RegistryError.invalidResponse(url: "\(registry) \(digest)", reason: "not a valid \(T.self)")
        }
    }

    /// The media type from `Content-Type`, else from the document's own `mediaType`, else guessed from its shape.
    static func manifestMediaType(header: String?, bytes: [UInt8]) -> MediaType {
        if let header {
            let type = stripParameters(header)
            if !type.isEmpty, type != "application/json", type != "text/plain" { return MediaType(type) }
        }
        struct Shape: Decodable {
            var mediaType: String?
            var schemaVersion: Int?
            var manifests: [Descriptor]?
            var config: Descriptor?
        }
        guard let shape = try? JSONDecoder().decode(Shape.self, from: Data(bytes)) else {
            return MediaType(header ?? "unknown")
        }
        if let type = shape.mediaType { return MediaType(type) }
        if shape.schemaVersion == 1 { return .dockerManifestSchema1 }
        if shape.manifests != nil { return .ociIndex }
        if shape.config != nil { return .ociManifest }
        return MediaType(header ?? "unknown")
    }

    static func stripParameters(_ contentType: String) -> String {
        String(contentType.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }
}

/// Runs a store operation, wrapping its `OCIImageError` as `RegistryError.store`.
func wrapStore<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as OCIImageError {
        throw RegistryError.store(underlying: error)
    }
}
