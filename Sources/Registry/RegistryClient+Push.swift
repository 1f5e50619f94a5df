// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

extension RegistryClient {
    // MARK: - API

    /// Pushes an image (a manifest, or an index and the children the store holds) from a store.
    ///
    /// Blobs go first, at most `maximumConcurrentTransfers` at once: each is checked with `HEAD` and
    /// skipped when present, mounted from another repository of this registry when `origins` knows one,
    /// else uploaded (one `PUT` up to `monolithicUploadLimit`, `PATCH` chunks above it, resumed after
    /// interruptions). Then the manifest, children before their index; the top one by tag.
    /// - Parameters:
    ///   - descriptor: the manifest or index in the store.
    ///   - store: where the content comes from.
    ///   - destination: the repository and tag to push to (its registry must be this client's). Without a
    ///     tag the manifest is put by digest.
    ///   - origins: where blobs are known to live; updated with the destination.
    ///   - progress: receives events.
    /// - Returns: the descriptor of the pushed top-level manifest or index.
    /// - Throws: `RegistryError`.
    @discardableResult
    public func push(
        _ descriptor: Descriptor, from store: any ContentStore, to destination: ImageReference,
        origins: BlobOriginLog? = nil, progress: TransferProgress? = nil
    ) async throws -> Descriptor {
        let repository = destination.repository
        let tagOrDigest = destination.tag ?? descriptor.digest.description
        if descriptor.mediaType.isIndex {
            let index = try wrapStore { try store.readJSON(ImageIndex.self, digest: descriptor.digest) }
            for child in index.manifests where child.mediaType.isManifest || child.mediaType.isIndex {
                guard try wrapStore({ try store.hasBlob(child.digest) }) else {
                    throw RegistryError.missingLocalContent(child.digest)
                }
                try await push(
                    child, from: store, to: destination.pinned(to: child.digest).untagged, origins: origins,
                    progress: progress)
            }
        } else {
            let manifest = try wrapStore { try store.readJSON(ImageManifest.self, digest: descriptor.digest) }
            try await pushBlobs(
                [manifest.config] + manifest.layers, from: store, repository: repository, origins: origins,
                progress: progress)
        }
        try await putManifest(descriptor, from: store, repository: repository, reference: tagOrDigest)
        origins?.record([descriptor.digest], registry: registry, repository: repository)
        await progress?(.manifestDone(descriptor.digest))
        return descriptor
    }

    /// Uploads blobs the repository lacks, at most `maximumConcurrentTransfers` at once.
    public func pushBlobs(
        _ blobs: [Descriptor], from store: any ContentStore, repository: String, origins: BlobOriginLog? = nil,
        progress: TransferProgress? = nil
    ) async throws {
        var seen = Set<Digest>()
        let unique = blobs.filter { seen.insert($0.digest).inserted }
        var sources: [Digest: String] = [:]
        for blob in unique {
            if let source = origins?.repositories(holding: blob.digest, on: registry).first(where: { $0 != repository })
            {
                sources[blob.digest] = source
            }
        }
        // One token for everything: push on the destination, pull on every mount source.
        let scopes = [Scope.push(repository)] + Set(sources.values).sorted().map(Scope.pull)
        _ = try await baseURL()
        _ = try await session.authorization(for: scopes, client: self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for blob in unique {
                if running >= options.maximumConcurrentTransfers {
                    try await group.next()
                    running -= 1
                }
                let source = sources[blob.digest]
                group.addTask {
                    try await self.pushBlob(
                        blob, from: store, repository: repository, mountFrom: source, scopes: scopes, progress: progress
                    )
                }
                running += 1
            }
            try await group.waitForAll()
        }
        origins?.record(unique.map(\.digest), registry: registry, repository: repository)
    }

    /// Whether the repository has a blob (`HEAD`).
    public func blobExists(_ digest: Digest, repository: String, scopes: [Scope]? = nil) async throws -> Bool {
        let request = HTTPRequest(method: "HEAD", url: try await url(repository, "blobs/\(digest)"))
        let scopes = scopes ?? [Scope.pull(repository)]
        let response = try await send(request, scopes: scopes)
        await discard(response)
        switch response.status {
        case 200: return true
        case 404: return false
        default: throw await failure(response, request: request, scopes: scopes)
        }
    }

    // MARK: - Blobs

    private func pushBlob(
        _ blob: Descriptor, from store: any ContentStore, repository: String, mountFrom source: String?,
        scopes: [Scope],
        progress: TransferProgress?
    ) async throws {
        guard let size = try wrapStore({ try store.blobSize(blob.digest) }) else {
            throw RegistryError.missingLocalContent(blob.digest)
        }
        if try await blobExists(blob.digest, repository: repository, scopes: scopes) {
            await progress?(.blobSkipped(blob.digest, size: size))
            return
        }
        var session: URL?
        if let source {
            switch try await mount(blob.digest, into: repository, from: source, scopes: scopes) {
            case .mounted:
                await progress?(.blobMounted(blob.digest, from: source))
                return
            case .uploadStarted(let location): session = location
            case .declined: session = nil
            }
        }
        await progress?(.blobStarted(blob.digest, size: size))
        try await upload(
            blob.digest, size: size, from: store, repository: repository, session: session, scopes: scopes,
            progress: progress)
        await progress?(.blobFinished(blob.digest, size: size))
    }

    private enum MountOutcome {
        case mounted
        case uploadStarted(URL)
        case declined
    }

    /// `POST /v2/DEST/blobs/uploads/?mount=DIGEST&from=SOURCE`: 201 mounted, 202 an ordinary upload
    /// session (the registry declined), 401/403 no access to the source.
    private func mount(_ digest: Digest, into repository: String, from source: String, scopes: [Scope]) async throws
        -> MountOutcome
    {
        let base = try await url(repository, "blobs/uploads/")
        guard var components = URLComponents(url: base, resolvingAgainstBaseURL: false) else { return .declined }
        components.queryItems = [
            URLQueryItem(name: "mount", value: digest.description), URLQueryItem(name: "from", value: source),
        ]
        guard let url = components.url else { return .declined }
        let request = HTTPRequest(method: "POST", url: url, headers: ["Content-Length": "0"])
        let response = try await send(request, scopes: scopes)
        await discard(response)
        switch response.status {
        case 201: return .mounted
        case 202: return (try? location(of: response, relativeTo: url)).map { .uploadStarted($0) } ?? .declined
        case 401, 403, 404: return .declined
        default: throw await failure(response, request: request, scopes: scopes)
        }
    }

    private func startUpload(repository: String, scopes: [Scope]) async throws -> URL {
        let request = HTTPRequest(
            method: "POST", url: try await url(repository, "blobs/uploads/"), headers: ["Content-Length": "0"])
        let response = try await send(request, scopes: scopes)
        guard response.status == 202 else { throw await failure(response, request: request, scopes: scopes) }
        await discard(response)
        return try location(of: response, relativeTo: request.url)
    }

    /// Uploads a blob into a session, resuming after interruptions.
    ///
    /// After a failed chunk the session is asked where it stopped (`GET` on the upload URL, `Range`
    /// header) and the upload continues from there; a session the registry no longer knows, or one
    /// it declares invalid, is replaced by a new one from byte 0. Bodies are re-read from the store.
    private func upload(
        _ digest: Digest, size: Int64, from store: any ContentStore, repository: String, session: URL?, scopes: [Scope],
        progress: TransferProgress?
    ) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        var location = session
        var offset: Int64 = 0
        var failures = 0
        let monolithic = size <= options.monolithicUploadLimit
        while true {
            do {
                var current: URL
                if let location {
                    current = location
                } else {
                    current = try await startUpload(repository: repository, scopes: scopes)
                }
                location = current
                if monolithic {
                    try await finish(
                        current, digest: digest, body: .blob(store: store, digest: digest, offset: 0, length: size),
                        scopes: scopes)
                    return
                }
                while offset < size {
                    let length = min(options.chunkSize, size - offset)
                    current = try await patch(
                        current, from: store, digest: digest, offset: offset, length: length, scopes: scopes)
                    location = current
                    offset += length
                }
                try await finish(current, digest: digest, body: nil, scopes: scopes)
                return
            } catch let error as RegistryError where error.isRetryable {
                failures += 1
                guard options.retry.allowsRetry(afterAttempts: failures + 1, elapsed: clock.now - start) else {
                    throw RegistryError.retriesExhausted(attempts: failures, last: error.description)
                }
                await progress?(.retrying(digest, reason: error.description))
                try await Task.sleep(for: options.retry.delay(beforeRetry: failures))
                if try await blobExists(digest, repository: repository, scopes: scopes) { return }
                if !monolithic, let known = location, let status = try await uploadStatus(known, scopes: scopes),
                    status.offset <= size
                {
                    location = status.location
                    offset = status.offset
                } else {
                    location = nil
                    offset = 0
                }
            } catch let error as RegistryError {
                // A session the registry forgot or refuses (404 BLOB_UPLOAD_UNKNOWN, 416 range) starts over once.
                guard case .unexpectedStatus(_, _, let status, let errors) = error,
                    status == 404 || status == 416
                        || errors.contains(where: {
                            $0.code == "BLOB_UPLOAD_INVALID" || $0.code == "BLOB_UPLOAD_UNKNOWN"
                        }),
                    failures < options.retry.maximumAttempts
                else {
                    throw error
                }
                failures += 1
                location = nil
                offset = 0
            }
        }
    }

    /// `PATCH` one chunk; returns the next upload URL. Transient failures are left to `upload`.
    private func patch(
        _ location: URL, from store: any ContentStore, digest: Digest, offset: Int64, length: Int64, scopes: [Scope]
    ) async throws -> URL {
        let request = HTTPRequest(
            method: "PATCH", url: location,
            headers: ["Content-Type": "application/octet-stream", "Content-Range": "\(offset)-\(offset + length - 1)"],
            body: .blob(store: store, digest: digest, offset: offset, length: length))
        let response = try await send(request, scopes: scopes, retryTransient: false, timeout: options.transferTimeout)
        guard response.status == 202 else { throw await failure(response, request: request, scopes: scopes) }
        await discard(response)
        return try self.location(of: response, relativeTo: location)
    }

    /// The final `PUT ?digest=`, with the whole blob (monolithic) or no body (after chunks).
    private func finish(_ location: URL, digest: Digest, body: RequestBody?, scopes: [Scope]) async throws {
        guard var components = URLComponents(url: location, resolvingAgainstBaseURL: true) else {
            throw RegistryError.invalidResponse(url: location.redactedString, reason: "malformed upload location")
        }
        let digestItem = "digest=" + digest.description
        components.percentEncodedQuery = components.percentEncodedQuery.map { $0 + "&" + digestItem } ?? digestItem
        guard let url = components.url else {
            throw RegistryError.invalidResponse(url: location.redactedString, reason: "malformed upload location")
        }
        var headers: HTTPFields = ["Content-Type": "application/octet-stream"]
        if body == nil { headers["Content-Length"] = "0" }
        let request = HTTPRequest(method: "PUT", url: url, headers: headers, body: body)
        let response = try await send(request, scopes: scopes, retryTransient: false, timeout: options.transferTimeout)
        guard response.status == 201 || response.status == 204 else {
            throw await failure(response, request: request, scopes: scopes)
        }
        await discard(response)
    }

    /// Where an upload session stands: `GET` on its URL answers 204 with `Range: 0-LAST` and a new `Location`.
    /// - Returns: `nil` when the session is gone or invalid.
    private func uploadStatus(_ location: URL, scopes: [Scope]) async throws -> (location: URL, offset: Int64)? {
        let request = HTTPRequest(method: "GET", url: location)
        let response = try await send(request, scopes: scopes)
        await discard(response)
        guard response.status == 204 || response.status == 202 else { return nil }
        let next = (try? self.location(of: response, relativeTo: location)) ?? location
        guard let range = response.headers["Range"] else { return (next, 0) }
        let text = range.hasPrefix("bytes=") ? String(range.dropFirst(6)) : range
        let parts = text.split(separator: "-")
        guard parts.count == 2, let last = Int64(parts[1]) else { return (next, 0) }
        // distribution answers "0-0" for an empty session too; a resend of one byte is harmless.
        return (next, last == 0 ? 0 : last + 1)
    }

    private func location(of response: HTTPResponse, relativeTo url: URL) throws -> URL {
        guard let value = response.headers["Location"], let resolved = URL(string: value, relativeTo: url) else {
            throw RegistryError.invalidResponse(url: url.redactedString, reason: "no Location header")
        }
        return resolved.absoluteURL
    }

    // MARK: - Manifests

    private func putManifest(
        _ descriptor: Descriptor, from store: any ContentStore, repository: String, reference: String
    )
        async throws
    {
        let bytes = try wrapStore { try store.readBlob(descriptor.digest, limit: Int64(Self.manifestLimit)) }
        let request = HTTPRequest(
            method: "PUT", url: try await url(repository, "manifests/\(reference)"),
            headers: ["Content-Type": descriptor.mediaType.rawValue], body: .bytes(bytes))
        let scopes = [Scope.push(repository)]
        let response = try await send(request, scopes: scopes)
        guard response.status == 201 || response.status == 200 || response.status == 202 else {
            throw await failure(response, request: request, scopes: scopes)
        }
        await discard(response)
        if let echoed = response.headers["Docker-Content-Digest"], let digest = try? Digest(parsing: echoed),
            digest != descriptor.digest
        {
            throw RegistryError.contentMismatch(
                digest: descriptor.digest, reason: "the registry stored it as \(digest)")
        }
    }
}

extension ImageReference {
    /// The same reference with its tag dropped (children of an index are put by digest).
    fileprivate var untagged: ImageReference {
        (try? ImageReference(registry: registry, repository: repository, tag: nil, digest: digest)) ?? self
    }
}
