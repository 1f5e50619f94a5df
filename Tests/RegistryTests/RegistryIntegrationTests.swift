// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Registry
import TestSupport
import Testing

/// Pushes and pulls against the real CNCF distribution registry in its four set-ups.
@Suite(.serialized)
struct RegistryIntegrationTests {
    static let fastRetry = RetryPolicy(
        maximumAttempts: 6, initialDelay: .milliseconds(20), maximumDelay: .milliseconds(200))

    let work: TemporaryDirectory
    let source: LayoutContentStore

    init() throws {
        work = try TemporaryDirectory("hoist-registry-it")
        source = try LayoutContentStore(path: work.child("source"))
    }

    func options(_ changes: (inout RegistryOptions) -> Void = { _ in }) -> RegistryOptions {
        var options = RegistryOptions(certificateDirectories: [], retry: Self.fastRetry)
        changes(&options)
        return options
    }

    /// Pushes, pulls back into a fresh store, and checks every blob arrived intact.
    func roundTrip(
        _ registry: String, options: RegistryOptions, credentials: CredentialResolver = .anonymous,
        repository: String = "test/img"
    ) async throws -> (RegistryTestImage, PullResult) {
        let image = try RegistryTestImage.make(in: source, layerSizes: [300_000, 1_000], seed: 11)
        let reference = try ImageReference(parsing: "\(registry)/\(repository):1")
        let pulled = try await RegistryClient.withClient(registry: registry, options: options, credentials: credentials)
        {
            client in
            try await client.push(image.manifest, from: source, to: reference)
            let target = try LayoutContentStore(path: work.child("target-\(UUID().uuidString)"))
            let result = try await client.pull(reference, into: target, tagAs: reference.description)
            for blob in image.blobs + [image.manifest] {
                #expect(try target.readBlob(blob.digest, limit: 1 << 30).count == Int(blob.size))
            }
            #expect(try target.resolveTag(reference.description)?.digest == image.manifest.digest)
            return result
        }
        #expect(pulled.digest == image.manifest.digest)
        return (image, pulled)
    }

    @Test func plainHTTP() async throws {
        let server = try RegistryServer()
        defer { server.stop() }
        let (image, _) = try await roundTrip(server.address, options: options())
        // A second push finds every blob present and uploads nothing (its speed is bench/push.sh's business).
        let events = EventLog()
        let destination = try ImageReference(parsing: "\(server.address)/test/img:2")
        _ = try await RegistryClient.withClient(registry: server.address, options: options(), credentials: .anonymous) {
            try await $0.push(image.manifest, from: source, to: destination, progress: events.record)
        }
        #expect(await events.skipped == 3)
        #expect(await events.started == 0)
    }

    @Test func httpsWithCertsDirectory() async throws {
        let server = try RegistryServer(tls: true)
        defer { server.stop() }
        let directory = try #require(server.certificateDirectory)
        _ = try await roundTrip(server.address, options: options { $0.certificateDirectories = [directory] })
        // Without the CA the TLS failure is reported, not hidden behind a plain-HTTP fallback.
        let impatient = options { $0.connectTimeout = .seconds(2) }
        let error = await #expect(throws: RegistryError.self) {
            try await RegistryClient.withClient(registry: server.address, options: impatient, credentials: .anonymous) {
                _ = try await $0.fetchManifest("test/img", reference: "1")
            }
        }
        #expect(error?.description.contains("https://\(server.address)") == true)
    }

    @Test func httpsWithClientCertificate() async throws {
        let server = try RegistryServer(tls: true, requireClientCertificate: true)
        defer { server.stop() }
        let directory = try #require(server.certificateDirectory)
        _ = try await roundTrip(server.address, options: options { $0.certificateDirectories = [directory] })
        // The same CA without the client certificate is refused in the handshake.
        let caOnly = work.child("ca-only/\(server.address)")
        try FileManager.default.createDirectory(atPath: caOnly, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: directory + "/\(server.address)/ca.crt", toPath: caOnly + "/ca.crt")
        let refused = options {
            $0.certificateDirectories = [work.child("ca-only")]
            $0.connectTimeout = .seconds(2)
        }
        await #expect(throws: RegistryError.self) {
            try await RegistryClient.withClient(registry: server.address, options: refused, credentials: .anonymous) {
                _ = try await $0.fetchManifest("test/img", reference: "1")
            }
        }
    }

    @Test func htpasswdBasicAuth() async throws {
        let server = try RegistryServer(auth: .htpasswd(user: "alice", password: "wonder-pass-1"))
        defer { server.stop() }
        let good = CredentialResolver(explicit: .basic(username: "alice", password: "wonder-pass-1"))
        _ = try await roundTrip(server.address, options: options(), credentials: good)
        for wrong in [
            CredentialResolver.anonymous,
            CredentialResolver(explicit: .basic(username: "alice", password: "bad-pass-2")),
        ] {
            let error = await #expect(throws: RegistryError.self) {
                try await RegistryClient.withClient(registry: server.address, options: options(), credentials: wrong) {
                    _ = try await $0.fetchManifest("test/img", reference: "1")
                }
            }
            let text = try #require(error?.description)
            #expect(text.contains("authentication required by \(server.address)"))
            #expect(text.contains("test/img"))
            #expect(!text.contains("bad-pass-2") && !text.contains("wonder-pass-1"))
        }
    }

    @Test func bearerTokenAuthWithCachingAndCrossRepositoryMount() async throws {
        let tokens = try RegistryTokenServer(users: ["bob": "builder-pass-3"])
        defer { tokens.stop() }
        let server = try RegistryServer(auth: .token(tokens))
        defer { server.stop() }
        let credentials = CredentialResolver(explicit: .basic(username: "bob", password: "builder-pass-3"))
        let (image, _) = try await roundTrip(server.address, options: options(), credentials: credentials)
        #expect(tokens.issuedTokens <= 4)

        // A push to another repository mounts the blobs the origin log places in test/img.
        let origins = BlobOriginLog(path: work.child("origins.json"))
        origins.record(image.blobs.map(\.digest), registry: server.address, repository: "test/img")
        let events = EventLog()
        try await RegistryClient.withClient(registry: server.address, options: options(), credentials: credentials) {
            try await $0.push(
                image.manifest, from: source, to: ImageReference(parsing: "\(server.address)/other/copy:1"),
                origins: origins, progress: events.record)
        }
        #expect(await events.mounted == 3)
        #expect(await events.started == 0)

        // Without pull access to the sources (both now in the origin log) the registry declines the mount and the blobs are uploaded.
        tokens.deny(repository: "test/img")
        tokens.deny(repository: "other/copy")
        let fallback = EventLog()
        try await RegistryClient.withClient(registry: server.address, options: options(), credentials: credentials) {
            try await $0.push(
                image.manifest, from: source, to: ImageReference(parsing: "\(server.address)/third/copy:1"),
                origins: origins, progress: fallback.record)
        }
        let fallbackEvents = await fallback.events
        #expect(await fallback.mounted == 0, "\(fallbackEvents)")
        #expect(await fallback.finished == 3)

        // Wrong credentials are refused by the token service, and the message keeps the password out.
        let wrong = CredentialResolver(explicit: .basic(username: "bob", password: "not-the-pass-4"))
        let error = await #expect(throws: RegistryError.self) {
            try await RegistryClient.withClient(registry: server.address, options: options(), credentials: wrong) {
                _ = try await $0.fetchManifest("test/img", reference: "1")
            }
        }
        #expect(error?.description.contains("not-the-pass-4") == false)
    }

    @Test func loginChecksCredentialsWithBasicAndBearerRegistries() async throws {
        let tokens = try RegistryTokenServer(users: ["bob": "right-pass"])
        defer { tokens.stop() }
        let bearer = try RegistryServer(auth: .token(tokens))
        defer { bearer.stop() }
        let basic = try RegistryServer(auth: .htpasswd(user: "bob", password: "right-pass"))
        defer { basic.stop() }
        for server in [bearer, basic] {
            let good = CredentialResolver(explicit: .basic(username: "bob", password: "right-pass"))
            try await RegistryClient.withClient(registry: server.address, options: options(), credentials: good) {
                try await $0.verifyCredentials()
            }
            let bad = CredentialResolver(explicit: .basic(username: "bob", password: "wrong-pass"))
            let error = await #expect(throws: RegistryError.self) {
                try await RegistryClient.withClient(registry: server.address, options: options(), credentials: bad) {
                    try await $0.verifyCredentials()
                }
            }
            #expect(error?.description.contains(server.address) == true)
            #expect(error?.description.contains("wrong-pass") == false)
        }
    }

    @Test func identityTokenIsExchangedAtTheTokenService() async throws {
        let tokens = try RegistryTokenServer(users: ["bob": "pw"], refreshTokens: ["refresh-xyz": "bob"])
        defer { tokens.stop() }
        let server = try RegistryServer(auth: .token(tokens))
        defer { server.stop() }
        _ = try await roundTrip(
            server.address, options: options(), credentials: CredentialResolver(explicit: .identityToken("refresh-xyz"))
        )
    }
}

/// Collects transfer events.
actor EventLog {
    var events: [TransferEvent] = []
    func add(_ event: TransferEvent) { events.append(event) }
    nonisolated var record: TransferProgress { { event in await self.add(event) } }
    var skipped: Int { events.filter { if case .blobSkipped = $0 { true } else { false } }.count }
    var mounted: Int { events.filter { if case .blobMounted = $0 { true } else { false } }.count }
    var started: Int { events.filter { if case .blobStarted = $0 { true } else { false } }.count }
    var finished: Int { events.filter { if case .blobFinished = $0 { true } else { false } }.count }
    var retries: Int { events.filter { if case .retrying = $0 { true } else { false } }.count }
}
