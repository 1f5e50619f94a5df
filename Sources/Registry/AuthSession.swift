// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// The authentication state of one client: the registry's challenge, the credential and cached tokens.
///
/// Tokens are cached per scope set until shortly before they expire; a 401 replaces the cached token
/// with a fresh one asked for the scopes the registry's challenge names.
actor AuthSession {
    private let registry: String
    private let resolver: CredentialResolver
    private var credential: Credential?
    private var credentialLoaded = false
    private var challenge: AuthChallenge?
    private var tokens: [String: CachedToken] = [:]
    /// How many tokens this session fetched; tests assert caching with it.
    private(set) var tokenFetches = 0

    struct CachedToken {
        var value: String
        var expires: ContinuousClock.Instant
    }

    init(registry: String, resolver: CredentialResolver) {
        self.registry = registry
        self.resolver = resolver
    }

    /// Records the challenge from the `/v2/` ping (`nil` for anonymous access).
    func setChallenge(_ challenge: AuthChallenge?) { self.challenge = challenge }

    var currentChallenge: AuthChallenge? { challenge }

    func loadCredential() throws -> Credential? {
        if !credentialLoaded {
            credential = try resolver.credential(for: registry)
            credentialLoaded = true
        }
        return credential
    }

    /// The `Authorization` header value for a request needing `scopes`, or `nil`.
    func authorization(for scopes: [Scope], client: RegistryClient) async throws -> String? {
        guard let challenge else { return nil }
        switch challenge.scheme {
        case "basic": return try loadCredential()?.basicAuthorization
        case "bearer":
            let key = Self.key(scopes)
            if let cached = tokens[key], cached.expires > .now { return "Bearer " + cached.value }
            let token = try await fetchToken(challenge: challenge, scopes: Scope.merged(scopes), client: client)
            tokens[key] = token
            return "Bearer " + token.value
        default: return nil
        }
    }

    /// Handles a 401: adopts the new challenge and fetches a fresh token for the requested scopes plus
    /// those the challenge names.
    /// - Returns: whether a retry can succeed (a new token or newly learned Basic challenge).
    func refresh(after header: String?, scopes: [Scope], client: RegistryClient) async throws -> Bool {
        let offered = AuthChallenge.parse(header ?? "")
        guard
            let next = offered.first(where: { $0.scheme == "bearer" }) ?? offered.first(where: { $0.scheme == "basic" })
        else {
            return false
        }
        let hadChallenge = challenge
        challenge = next
        if next.scheme == "basic" {
            let credential = try loadCredential()
            return hadChallenge?.scheme != "basic" && credential != nil
        }
        let wanted = Scope.merged(scopes + next.scopes)
        let token = try await fetchToken(challenge: next, scopes: wanted, client: client)
        tokens[Self.key(scopes)] = token
        return true
    }

    private static func key(_ scopes: [Scope]) -> String {
        Scope.merged(scopes).map(\.description).joined(separator: " ")
    }

    /// Asks the token service for a token: `GET realm?service=…&scope=…` with Basic credentials, or the
    /// OAuth2 refresh-token `POST` for an identity token.
    private func fetchToken(challenge: AuthChallenge, scopes: [Scope], client: RegistryClient) async throws
        -> CachedToken
    {
        guard let realm = challenge.parameters["realm"], let realmURL = URL(string: realm),
            realmURL.scheme == "https" || realmURL.scheme == "http"
        else {
            throw RegistryError.invalidResponse(url: registry, reason: "bearer challenge without a usable realm")
        }
        let credential = try loadCredential()
        tokenFetches += 1
        let request: HTTPRequest
        if case .identityToken(let refreshToken) = credential {
            var form = URLComponents()
            form.queryItems = [
                URLQueryItem(name: "grant_type", value: "refresh_token"),
                URLQueryItem(name: "service", value: challenge.parameters["service"] ?? ""),
                URLQueryItem(name: "client_id", value: "hoist"),
                URLQueryItem(name: "refresh_token", value: refreshToken),
                URLQueryItem(name: "scope", value: scopes.map(\.description).joined(separator: " ")),
            ]
            let body = Array((form.percentEncodedQuery ?? "").utf8)
            request = HTTPRequest(
                method: "POST", url: realmURL, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: .bytes(body))
        } else {
            var components = URLComponents(url: realmURL, resolvingAgainstBaseURL: false)
            var items = components?.queryItems ?? []
            if let service = challenge.parameters["service"] {
                items.append(URLQueryItem(name: "service", value: service))
            }
            for scope in scopes { items.append(URLQueryItem(name: "scope", value: scope.description)) }
            components?.queryItems = items.isEmpty ? nil : items
            guard let url = components?.url else {
                throw RegistryError.invalidResponse(url: realmURL.redactedString, reason: "cannot build the token URL")
            }
            var headers: HTTPFields = [:]
            if let basic = credential?.basicAuthorization { headers["Authorization"] = basic }
            request = HTTPRequest(method: "GET", url: url, headers: headers)
        }
        let response = try await client.sendUnauthenticated(request)
        let body = try await response.body.collect(upTo: 1 << 20, url: realmURL)
        guard response.status == 200 else {
            if response.status == 401 || response.status == 403 {
                throw RegistryError.unauthorized(
                    registry: registry, repository: scopes.first?.repository,
                    scope: scopes.map(\.description).joined(separator: " "), status: response.status,
                    errors: RegistryErrorDetail.decodeList(body))
            }
            throw RegistryError.tokenService(
                url: realmURL.redactedString, status: response.status, reason: "unexpected status")
        }
        struct TokenResponse: Decodable {
            var token: String?
            var access_token: String?
            var expires_in: Int?
        }
        guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: Data(body)),
            let value = decoded.token ?? decoded.access_token, !value.isEmpty
        else {
            throw RegistryError.tokenService(
                url: realmURL.redactedString, status: 200, reason: "no token in the answer")
        }
        // The spec's default lifetime is 60 s; renew 10 s early so a token never expires in flight.
        let lifetime = max(decoded.expires_in ?? 60, 20)
        return CachedToken(value: value, expires: .now + .seconds(lifetime - 10))
    }
}
