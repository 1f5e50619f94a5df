// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Registry
import TestSupport
import Testing

/// The request pipeline against scripted exchanges: auth challenges, token caching, retries, resume.
struct RegistryClientScriptedTests {
    static let bearer: HTTPFields = [
        "WWW-Authenticate": #"Bearer realm="https://auth.example.test/token",service="reg.test""#
    ]
    static let manifestBody = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}
        """
    static let fastRetry = RetryPolicy(
        maximumAttempts: 4, initialDelay: .milliseconds(1), maximumDelay: .milliseconds(5))

    func client(
        _ transport: ScriptedTransport, credentials: CredentialResolver = .anonymous, options: RegistryOptions? = nil
    )
        throws -> RegistryClient
    {
        var options = options ?? RegistryOptions()
        options.retry = Self.fastRetry
        return try RegistryClient(
            registry: "reg.test", options: options, credentials: credentials, transport: transport)
    }

    @Test func bearerTokenIsFetchedWithScopeAndCached() async throws {
        let transport = ScriptedTransport([
            .respond("GET", "https://reg.test/v2/", 401, headers: Self.bearer),
            .respond("GET", "auth.example.test/token", 200, body: #"{"token":"T1","expires_in":300}"#),
            .respond(
                "GET", "/v2/team/app/manifests/1", 200, headers: ["Content-Type": MediaType.ociManifest.rawValue],
                body: Self.manifestBody),
            .respond(
                "GET", "/v2/team/app/manifests/2", 200, headers: ["Content-Type": MediaType.ociManifest.rawValue],
                body: Self.manifestBody),
        ])
        let client = try client(transport)
        let (first, _) = try await client.fetchManifest("team/app", reference: "1")
        _ = try await client.fetchManifest("team/app", reference: "2")
        #expect(first.mediaType == .ociManifest)
        #expect(first.digest == SHA256Hasher.digest(of: Array(Self.manifestBody.utf8)))
        let sent = transport.sent
        let tokenURL = try #require(URLComponents(url: sent[1].url, resolvingAgainstBaseURL: false))
        #expect(tokenURL.queryItems?.contains(URLQueryItem(name: "scope", value: "repository:team/app:pull")) == true)
        #expect(tokenURL.queryItems?.contains(URLQueryItem(name: "service", value: "reg.test")) == true)
        #expect(sent[2].headers["Authorization"] == "Bearer T1")
        #expect(sent[3].headers["Authorization"] == "Bearer T1")
        #expect(await client.tokenFetchCount == 1)
        #expect(transport.remaining == 0)
    }

    @Test func unauthorizedAnswerGetsAFreshTokenWithTheChallengedScopes() async throws {
        let insufficient: HTTPFields = [
            "WWW-Authenticate":
                #"Bearer realm="https://auth.example.test/token",service="reg.test",scope="repository:team/app:pull,push",error="insufficient_scope""#
        ]
        let transport = ScriptedTransport([
            .respond("GET", "https://reg.test/v2/", 401, headers: Self.bearer),
            .respond("GET", "/token", 200, body: #"{"access_token":"OLD"}"#),
            .respond("GET", "/manifests/1", 401, headers: insufficient),
            .respond("GET", "/token", 200, body: #"{"token":"NEW"}"#),
            .respond(
                "GET", "/manifests/1", 200, headers: ["Content-Type": MediaType.ociManifest.rawValue],
                body: Self.manifestBody),
        ])
        let client = try client(
            transport, credentials: CredentialResolver(explicit: .basic(username: "u", password: "p")))
        _ = try await client.fetchManifest("team/app", reference: "1")
        let sent = transport.sent
        #expect(sent[1].headers["Authorization"] == "Basic dTpw")
        #expect(sent[3].url.absoluteString.contains("repository:team/app:pull,push"))
        #expect(sent[4].headers["Authorization"] == "Bearer NEW")
    }

    @Test func transientFailuresAreRetried() async throws {
        let transport = ScriptedTransport([
            .respond("GET", "/v2/", 200),
            .fail("GET", "/manifests/1"),
            .respond("GET", "/manifests/1", 503, headers: ["Retry-After": "0"]),
            .respond("GET", "/manifests/1", 429, headers: ["Retry-After": "0"]),
            .respond(
                "GET", "/manifests/1", 200, headers: ["Content-Type": MediaType.ociManifest.rawValue],
                body: Self.manifestBody),
        ])
        _ = try await client(transport).fetchManifest("team/app", reference: "1")
        #expect(transport.remaining == 0)
    }

    @Test func retriesAreBounded() async throws {
        let transport = ScriptedTransport(
            [.respond("GET", "/v2/", 200)] + Array(repeating: .respond("GET", "/manifests/1", 500), count: 4))
        let error = await #expect(throws: RegistryError.self) {
            _ = try await client(transport).fetchManifest("team/app", reference: "1")
        }
        #expect(error?.description.contains("500") == true)
        #expect(transport.remaining == 0)
    }

    @Test func schemaOneIsRefusedClearly() async throws {
        let transport = ScriptedTransport([
            .respond("GET", "/v2/", 200),
            .respond(
                "GET", "/manifests/old", 200, headers: ["Content-Type": MediaType.dockerManifestSchema1Signed.rawValue],
                body: #"{"schemaVersion":1,"name":"team/app","tag":"old","fsLayers":[]}"#),
        ])
        let error = await #expect(throws: RegistryError.self) {
            _ = try await client(transport).fetchManifest("team/app", reference: "old")
        }
        #expect(error?.description.contains("schema 1") == true)
    }

    @Test func refusedAccessNamesRegistryRepositoryAndScopeButNoSecret() async throws {
        let transport = ScriptedTransport([
            .respond("GET", "/v2/", 401, headers: ["WWW-Authenticate": #"Basic realm="r""#]),
            .respond(
                "GET", "/manifests/1", 401, headers: ["WWW-Authenticate": #"Basic realm="r""#],
                body: #"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#),
        ])
        let credentials = CredentialResolver(explicit: .basic(username: "alice", password: "s3cret-pw"))
        let error = await #expect(throws: RegistryError.self) {
            _ = try await client(transport, credentials: credentials).fetchManifest("team/app", reference: "1")
        }
        let text = try #require(error?.description)
        #expect(text.contains("reg.test") && text.contains("team/app") && text.contains("repository:team/app:pull"))
        #expect(text.contains("UNAUTHORIZED"))
        #expect(!text.contains("s3cret-pw"))
        #expect(
            transport.sent[1].headers["Authorization"] == "Basic " + Data("alice:s3cret-pw".utf8).base64EncodedString())
    }

    @Test func interruptedChunkedUploadResumesWhereTheRegistryStopped() async throws {
        let directory = try TemporaryDirectory("hoist-registry-unit")
        let store = try LayoutContentStore(path: directory.path)
        let size = 200 * 1024
        let image = try RegistryTestImage.make(in: store, layerSizes: [size], seed: 7)
        let blob = image.layers[0]
        let transport = ScriptedTransport([
            .respond("GET", "/v2/", 200),
            .respond("HEAD", "/blobs/\(blob.digest)", 404),
            .respond("POST", "/blobs/uploads/", 202, headers: ["Location": "/v2/team/app/blobs/uploads/u1?_state=a"]),
            .respond(
                "PATCH", "uploads/u1?_state=a", 202,
                headers: ["Location": "/v2/team/app/blobs/uploads/u1?_state=b", "Range": "0-65535"]),
            .fail("PATCH", "uploads/u1?_state=b"),
            .respond("HEAD", "/blobs/\(blob.digest)", 404),
            .respond(
                "GET", "uploads/u1?_state=b", 204,
                headers: ["Location": "/v2/team/app/blobs/uploads/u1?_state=c", "Range": "0-65535"]),
            .respond(
                "PATCH", "uploads/u1?_state=c", 202, headers: ["Location": "/v2/team/app/blobs/uploads/u1?_state=d"]),
            .respond(
                "PATCH", "uploads/u1?_state=d", 202, headers: ["Location": "/v2/team/app/blobs/uploads/u1?_state=e"]),
            .respond(
                "PATCH", "uploads/u1?_state=e", 202, headers: ["Location": "/v2/team/app/blobs/uploads/u1?_state=f"]),
            .respond("PUT", "uploads/u1?_state=f&digest=\(blob.digest)", 201),
        ])
        let options = RegistryOptions(monolithicUploadLimit: 1024, chunkSize: 64 * 1024)
        try await client(transport, options: options).pushBlobs([blob], from: store, repository: "team/app")
        let patches = transport.sent.filter { $0.method == "PATCH" }
        #expect(
            patches.map { $0.headers["Content-Range"] ?? "" } == [
                "0-65535", "65536-131071", "65536-131071", "131072-196607", "196608-204799",
            ])
        #expect(patches[2].body.count == 65536)
        let uploaded = patches[0].body + patches[2].body + patches[3].body + patches[4].body
        #expect(SHA256Hasher.digest(of: uploaded) == blob.digest)
        #expect(transport.remaining == 0)
    }

    @Test func presentBlobsAreSkippedAndSmallOnesGoInOnePut() async throws {
        let directory = try TemporaryDirectory("hoist-registry-unit")
        let store = try LayoutContentStore(path: directory.path)
        let image = try RegistryTestImage.make(in: store, layerSizes: [1000], seed: 1)
        let transport = ScriptedTransport([
            .respond("GET", "/v2/", 200),
            .respond("HEAD", "/blobs/\(image.config.digest)", 200),
            .respond("HEAD", "/blobs/\(image.layers[0].digest)", 404),
            .respond(
                "POST", "/blobs/uploads/", 202, headers: ["Location": "https://reg.test/v2/team/app/blobs/uploads/u9"]),
            .respond("PUT", "uploads/u9?digest=\(image.layers[0].digest)", 201),
            .respond(
                "PUT", "/manifests/v1", 201, headers: ["Docker-Content-Digest": image.manifest.digest.description]),
        ])
        var options = RegistryOptions()
        options.maximumConcurrentTransfers = 1
        let destination = try ImageReference(parsing: "reg.test/team/app:v1")
        try await client(transport, options: options).push(image.manifest, from: store, to: destination)
        let put = try #require(transport.sent.first { $0.method == "PUT" && $0.url.path.contains("uploads") })
        #expect(put.body.count == 1000)
        let manifestPut = try #require(transport.sent.last)
        #expect(manifestPut.headers["Content-Type"] == MediaType.ociManifest.rawValue)
        #expect(transport.remaining == 0)
    }

    @Test func blobRedirectsAreFollowedWithoutTheAuthorizationHeader() async throws {
        let directory = try TemporaryDirectory("hoist-registry-unit")
        let store = try LayoutContentStore(path: directory.path)
        let bytes = Array("layer bytes".utf8)
        let blob = Descriptor(
            mediaType: .ociLayerGzip, digest: SHA256Hasher.digest(of: bytes), size: Int64(bytes.count))
        let transport = ScriptedTransport([
            .respond("GET", "https://reg.test/v2/", 401, headers: ["WWW-Authenticate": #"Basic realm="r""#]),
            .respond(
                "GET", "/blobs/\(blob.digest)", 307, headers: ["Location": "https://storage.test/objects/1?sig=x"]),
            .respond("GET", "https://storage.test/objects/1", 200, bytes: bytes),
        ])
        let credentials = CredentialResolver(explicit: .basic(username: "u", password: "p"))
        try await client(transport, credentials: credentials).fetchBlob(blob, repository: "team/app", into: store)
        #expect(try store.readBlob(blob.digest) == bytes)
        #expect(transport.sent[1].headers["Authorization"] != nil)
        #expect(transport.sent[2].headers["Authorization"] == nil)
    }

    @Test func aForgottenUploadSessionStartsOver() async throws {
        let directory = try TemporaryDirectory("hoist-registry-unit")
        let store = try LayoutContentStore(path: directory.path)
        let image = try RegistryTestImage.make(in: store, layerSizes: [100 * 1024], seed: 9)
        let blob = image.layers[0]
        let transport = ScriptedTransport([
            .respond("GET", "/v2/", 200),
            .respond("HEAD", "/blobs/\(blob.digest)", 404),
            .respond("POST", "/blobs/uploads/", 202, headers: ["Location": "/v2/team/app/blobs/uploads/u1?_state=a"]),
            .fail("PATCH", "uploads/u1?_state=a"),
            .respond("HEAD", "/blobs/\(blob.digest)", 404),
            .respond(
                "GET", "uploads/u1?_state=a", 404, body: #"{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"x"}]}"#),
            .respond("POST", "/blobs/uploads/", 202, headers: ["Location": "/v2/team/app/blobs/uploads/u2"]),
            .respond("PATCH", "uploads/u2", 202, headers: ["Location": "/v2/team/app/blobs/uploads/u2?n=1"]),
            .respond("PATCH", "uploads/u2?n=1", 202, headers: ["Location": "/v2/team/app/blobs/uploads/u2?n=2"]),
            .respond("PUT", "uploads/u2?n=2&digest=", 201),
        ])
        let options = RegistryOptions(monolithicUploadLimit: 1024, chunkSize: 64 * 1024)
        try await client(transport, options: options).pushBlobs([blob], from: store, repository: "team/app")
        #expect(
            transport.sent.filter { $0.method == "PATCH" }.map { $0.headers["Content-Range"] ?? "" } == [
                "0-65535", "0-65535", "65536-102399",
            ])
        #expect(transport.remaining == 0)
    }
}
