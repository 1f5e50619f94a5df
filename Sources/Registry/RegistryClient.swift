// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import Logging
import OCIImage

/// A client for one registry, speaking the
/// [OCI distribution API](https://github.com/opencontainers/distribution-spec/blob/main/spec.md).
///
/// Every request goes through one pipeline: authorization (anonymous, Basic or Bearer, learned from the
/// `/v2/` ping and refreshed on 401), bounded retries with backoff for transient failures, and redirects
/// followed by hand. Call `shutdown()` when done.
public final class RegistryClient: Sendable {
    /// The registry as references name it: `docker.io`, `localhost:5000`.
    public let registry: String
    /// The options in effect.
    public let options: RegistryOptions
    let transport: any HTTPTransport
    let session: AuthSession
    let endpoint: Endpoint
    let logger: Logger

    /// Creates a client.
    /// - Parameters:
    ///   - registry: the registry host and port, as in an `ImageReference`.
    ///   - options: connection and transfer options.
    ///   - credentials: where credentials come from.
    ///   - transport: the HTTP transport; by default AsyncHTTPClient configured from `options`.
    ///   - logger: receives debug messages (never secrets).
    /// - Throws: `RegistryError.tlsConfiguration` when a certs.d file cannot be loaded.
    public init(
        registry: String, options: RegistryOptions = RegistryOptions(),
        credentials: CredentialResolver = CredentialResolver(), transport: (any HTTPTransport)? = nil,
        logger: Logger = Logger(label: "hoist.registry")
    ) throws {
        self.registry = registry
        self.options = options
        self.transport =
            try transport
            ?? AsyncHTTPClientTransport(
                tls: options.tlsConfiguration(for: registry), idleTimeout: options.idleTimeout,
                connectTimeout: options.connectTimeout)
        self.session = AuthSession(registry: registry, resolver: credentials)
        self.endpoint = Endpoint(registry: registry)
        self.logger = logger
    }

    /// Closes connections.
    public func shutdown() async throws { try await transport.shutdown() }

    /// Runs `body` with a client and shuts it down afterwards, also when `body` throws.
    public static func withClient<T: Sendable>(
        registry: String, options: RegistryOptions = RegistryOptions(),
        credentials: CredentialResolver = CredentialResolver(), _ body: (RegistryClient) async throws -> T
    ) async throws -> T {
        let client = try RegistryClient(registry: registry, options: options, credentials: credentials)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// How many tokens were fetched from the token service so far.
    public var tokenFetchCount: Int { get async { await session.tokenFetches } }

    /// Checks that the credential is accepted: for Basic by an authenticated `GET /v2/`, for Bearer by
    /// obtaining a token.
    /// - Throws: `RegistryError.unauthorized` when the registry refuses the credential.
    public func verifyCredentials() async throws {
        let base = try await baseURL()
        let request = HTTPRequest(method: "GET", url: base.appendingPathComponent("v2/"))
        let response = try await send(request, scopes: [])
        _ = try? await response.body.collect(upTo: 1 << 16, url: request.url)
        if response.status == 401 || response.status == 403 {
            throw RegistryError.unauthorized(
                registry: registry, repository: nil, scope: nil, status: response.status, errors: [])
        }
        guard response.status == 200 else { throw await failure(response, request: request, scopes: []) }
    }

    // MARK: - Endpoint

    /// `https://HOST` or, for loopback and insecure registries that do not speak TLS, `http://HOST`.
    /// Learned once, from the `/v2/` ping, which also yields the auth challenge.
    func baseURL() async throws -> URL {
        if let known = await endpoint.base { return known }
        let host = registry == "docker.io" ? "registry-1.docker.io" : registry
        guard let https = URL(string: "https://\(host)"), let http = URL(string: "http://\(host)") else {
            throw RegistryError.invalidResponse(url: host, reason: "not a valid host")
        }
        let base: URL
        let response: HTTPResponse
        if RegistryOptions.isLoopback(registry) && !options.hasCertificates(for: registry) {
            // Plain HTTP first on loopback: a plain-HTTP server never answers a TLS ClientHello (it waits for
            // a request line), so an https probe would hang until the connect timeout. A TLS server answers
            // plain HTTP with 400 at once, and then https is tried.
            let plain = try? await ping(http, retry: .none)
            if let plain, plain.status == 200 || plain.status == 401 {
                response = plain
                base = http
            } else {
                response = try await ping(https, retry: options.retry)
                base = https
            }
        } else if options.allowsInsecure(registry) {
            do {
                response = try await ping(https, retry: .none)
                base = https
            } catch let tlsError as RegistryError {
                guard case .transport = tlsError else { throw tlsError }
                logger.debug("https ping failed, trying http", metadata: ["registry": "\(registry)"])
                let plain = try await ping(http, retry: options.retry)
                // A TLS port answers plain HTTP with 400: then the TLS failure is the real problem.
                guard plain.status == 200 || plain.status == 401 else { throw tlsError }
                response = plain
                base = http
            }
        } else {
            response = try await ping(https, retry: options.retry)
            base = https
        }
        if response.status == 401 {
            let challenges = AuthChallenge.parse(response.headers["WWW-Authenticate"] ?? "")
            let chosen = challenges.first { $0.scheme == "bearer" } ?? challenges.first { $0.scheme == "basic" }
            await session.setChallenge(chosen)
        }
        await endpoint.set(base)
        return base
    }

    private func ping(_ base: URL, retry: RetryPolicy) async throws -> HTTPResponse {
        let request = HTTPRequest(method: "GET", url: base.appendingPathComponent("v2/"))
        let response = try await sendWithRetries(request, policy: retry, timeout: .seconds(30))
        _ = try? await response.body.collect(upTo: 1 << 16, url: request.url)
        return response
    }

    // MARK: - Request pipeline

    /// Sends a request to the registry with authorization, retries and redirects.
    /// - Parameters:
    ///   - request: the request; its body is re-created from the store on every attempt.
    ///   - scopes: the token scopes the request needs.
    ///   - retryTransient: whether transient failures are retried here (chunk uploads retry themselves).
    ///   - followRedirects: whether 3xx answers to `GET`/`HEAD` are followed.
    ///   - timeout: the time limit for one attempt.
    /// - Returns: the final response, whatever its status.
    func send(
        _ request: HTTPRequest, scopes: [Scope], retryTransient: Bool = true, followRedirects: Bool = true,
        timeout: Duration? = nil
    ) async throws -> HTTPResponse {
        let base = try await baseURL()
        let clock = ContinuousClock()
        let start = clock.now
        var current = request
        var attempts = 0
        var reauthenticated = false
        var redirects = 0
        while true {
            try Task.checkCancellation()
            attempts += 1
            var outgoing = current
            outgoing.headers["User-Agent"] = options.userAgent
            let sameOrigin = current.url.host == base.host && current.url.port == base.port
            if sameOrigin, let authorization = try await session.authorization(for: scopes, client: self) {
                outgoing.headers["Authorization"] = authorization
            }
            let response: HTTPResponse
            do {
                response = try await transport.send(outgoing, timeout: timeout ?? options.requestTimeout)
            } catch let error as RegistryError where retryTransient && error.isRetryable {
                guard options.retry.allowsRetry(afterAttempts: attempts, elapsed: clock.now - start) else {
                    throw attempts > 1
                        ? RegistryError.retriesExhausted(attempts: attempts, last: error.description) : error
                }
                logger.debug("retrying after transport failure", metadata: ["error": "\(error)"])
                try await Task.sleep(for: options.retry.delay(beforeRetry: attempts))
                continue
            }
            if response.status == 401, sameOrigin, !reauthenticated {
                reauthenticated = true
                await discard(response)
                if try await session.refresh(after: response.headers["WWW-Authenticate"], scopes: scopes, client: self)
                {
                    attempts -= 1
                    continue
                }
                return response
            }
            if retryTransient, RegistryError.isRetryableStatus(response.status),
                options.retry.allowsRetry(afterAttempts: attempts, elapsed: clock.now - start)
            {
                let retryAfter = RetryPolicy.parseRetryAfter(response.headers["Retry-After"])
                await discard(response)
                logger.debug("retrying after status", metadata: ["status": "\(response.status)"])
                try await Task.sleep(for: options.retry.delay(beforeRetry: attempts, retryAfter: retryAfter))
                continue
            }
            if followRedirects, [301, 302, 303, 307, 308].contains(response.status),
                current.method == "GET" || current.method == "HEAD",
                let location = response.headers["Location"], let next = URL(string: location, relativeTo: current.url),
                redirects < 10
            {
                redirects += 1
                await discard(response)
                current = HTTPRequest(method: current.method, url: next.absoluteURL, headers: current.headers)
                current.headers["Authorization"] = nil
                attempts = 0
                continue
            }
            return response
        }
    }

    /// Sends a request without registry authorization (token service, ping), retrying transient failures.
    func sendUnauthenticated(_ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        request.headers["User-Agent"] = options.userAgent
        return try await sendWithRetries(request, policy: options.retry, timeout: options.requestTimeout)
    }

    private func sendWithRetries(_ request: HTTPRequest, policy: RetryPolicy, timeout: Duration) async throws
        -> HTTPResponse
    {
        let clock = ContinuousClock()
        let start = clock.now
        var attempts = 0
        while true {
            attempts += 1
            do {
                let response = try await transport.send(request, timeout: timeout)
                if RegistryError.isRetryableStatus(response.status),
                    policy.allowsRetry(afterAttempts: attempts, elapsed: clock.now - start)
                {
                    let retryAfter = RetryPolicy.parseRetryAfter(response.headers["Retry-After"])
                    await discard(response)
                    try await Task.sleep(for: policy.delay(beforeRetry: attempts, retryAfter: retryAfter))
                    continue
                }
                return response
            } catch let error as RegistryError where error.isRetryable {
                guard policy.allowsRetry(afterAttempts: attempts, elapsed: clock.now - start) else { throw error }
                try await Task.sleep(for: policy.delay(beforeRetry: attempts))
            }
        }
    }

    /// Reads and drops a small body so the connection can be reused.
    func discard(_ response: HTTPResponse) async {
        _ = try? await response.body.collect(upTo: 1 << 20, url: URL(fileURLWithPath: "/"))
    }

    /// Turns an unexpected response into an error, decoding the spec's error JSON.
    func failure(_ response: HTTPResponse, request: HTTPRequest, scopes: [Scope]) async -> RegistryError {
        let body = (try? await response.body.collect(upTo: 1 << 20, url: request.url)) ?? []
        let errors = RegistryErrorDetail.decodeList(body)
        if response.status == 401 || response.status == 403 {
            return .unauthorized(
                registry: registry, repository: scopes.first?.repository,
                scope: scopes.isEmpty ? nil : Scope.merged(scopes).map(\.description).joined(separator: " "),
                status: response.status, errors: errors)
        }
        return .unexpectedStatus(
            method: request.method, url: request.url.redactedString, status: response.status, errors: errors)
    }

    /// `BASE/v2/REPOSITORY/SUFFIX`.
    func url(_ repository: String, _ suffix: String) async throws -> URL {
        let base = try await baseURL()
        guard let url = URL(string: "\(base.absoluteString)/v2/\(repository)/\(suffix)") else {
            throw RegistryError.invalidResponse(
                url: base.absoluteString, reason: "cannot build a URL for \(repository)")
        }
        return url
    }
}

/// The base URL once learned.
actor Endpoint {
    let registry: String
    private(set) var base: URL?
    init(registry: String) { self.registry = registry }
    func set(_ url: URL) { base = url }
}
