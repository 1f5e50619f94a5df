// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// One entry of the distribution spec's error body: `{"errors":[{"code":…,"message":…,"detail":…}]}`.
///
/// See [the error codes](https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes).
public struct RegistryErrorDetail: Sendable, Equatable, Decodable, CustomStringConvertible {
    /// The spec's error code, such as `MANIFEST_UNKNOWN` or `DENIED`.
    public var code: String
    /// The registry's human-readable message.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message.isEmpty ? code : "\(code): \(message.lowercased())" }

    private enum CodingKeys: String, CodingKey { case code, message }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = (try? container.decode(String.self, forKey: .code)) ?? "UNKNOWN"
        message = (try? container.decode(String.self, forKey: .message)) ?? ""
    }

    /// Decodes an error body; an empty list when the body is not the spec's error JSON.
    public static func decodeList(_ body: [UInt8]) -> [RegistryErrorDetail] {
        struct Envelope: Decodable { var errors: [RegistryErrorDetail]? }
        return ((try? JSONDecoder().decode(Envelope.self, from: Data(body)))?.errors) ?? []
    }
}

/// Everything that can go wrong talking to a registry.
///
/// No case ever carries a credential or a token; URLs are the registry's own (upload locations carry
/// only the registry's opaque upload state).
public enum RegistryError: Error, Sendable, CustomStringConvertible {
    /// The registry answered with a status the operation does not accept.
    case unexpectedStatus(method: String, url: String, status: Int, errors: [RegistryErrorDetail])
    /// Authentication or authorisation was refused (401/403) for a scope.
    case unauthorized(registry: String, repository: String?, scope: String?, status: Int, errors: [RegistryErrorDetail])
    /// The token service refused to issue a token or answered with something unusable.
    case tokenService(url: String, status: Int, reason: String)
    /// The connection failed: refused, reset, timed out, or the TLS handshake failed.
    case transport(method: String, url: String, reason: String, isRetryable: Bool)
    /// A request kept failing with a transient error until the retry budget ran out.
    case retriesExhausted(attempts: Int, last: String)
    /// A manifest kind Hoist does not read (Docker schema 1 and anything unknown).
    case unsupportedManifest(reference: String, mediaType: String)
    /// An index has no manifest for the requested platform.
    case noMatchingPlatform(reference: String, platform: String, available: [String])
    /// The registry sent something that breaks the protocol (missing `Location`, malformed JSON…).
    case invalidResponse(url: String, reason: String)
    /// Bytes received do not match the digest or size that names them.
    case contentMismatch(digest: Digest, reason: String)
    /// A blob or manifest the push needs is not in the local store.
    case missingLocalContent(Digest)
    /// Plain HTTP was needed but the registry is neither loopback nor listed as insecure.
    case insecureRegistryRefused(registry: String)
    /// Reading or writing credentials failed.
    case credentials(source: String, reason: String)
    /// A `docker-credential-*` helper failed.
    case credentialHelper(name: String, status: Int32, reason: String)
    /// A TLS file under the certificate directory could not be loaded.
    case tlsConfiguration(path: String, reason: String)
    /// The content store failed underneath a transfer.
    case store(underlying: OCIImageError)

    public var description: String {
        switch self {
        case .unexpectedStatus(let method, let url, let status, let errors):
            "registry answered \(status) to \(method) \(url)" + Self.render(errors)
        case .unauthorized(let registry, let repository, let scope, let status, let errors):
            "\(status == 403 ? "access denied" : "authentication required") by \(registry)"
                + (repository.map { " for repository \($0)" } ?? "") + (scope.map { " (scope \($0))" } ?? "")
                + Self.render(errors)
        case .tokenService(let url, let status, let reason):
            "token service \(url) refused a token (status \(status)): \(reason)"
        case .transport(let method, let url, let reason, _): "\(method) \(url) failed: \(reason)"
        case .retriesExhausted(let attempts, let last): "gave up after \(attempts) attempts: \(last)"
        case .unsupportedManifest(let reference, let mediaType):
            mediaType.contains("manifest.v1")
                ? "\(reference) is a docker schema 1 manifest, which hoist does not support; push it again with a current docker or skopeo"
                : "\(reference) has unsupported manifest media type '\(mediaType)'"
        case .noMatchingPlatform(let reference, let platform, let available):
            "\(reference) has no image for platform \(platform); available: \(available.joined(separator: ", "))"
        case .invalidResponse(let url, let reason): "invalid response from \(url): \(reason)"
        case .contentMismatch(let digest, let reason): "content received for \(digest) is wrong: \(reason)"
        case .missingLocalContent(let digest): "blob \(digest) is not in the local store"
        case .insecureRegistryRefused(let registry):
            "\(registry) does not speak https; pass --insecure-registry \(registry) to allow plain http"
        case .credentials(let source, let reason): "credentials from \(source): \(reason)"
        case .credentialHelper(let name, let status, let reason):
            "credential helper docker-credential-\(name) failed (status \(status)): \(reason)"
        case .tlsConfiguration(let path, let reason): "tls file \(path): \(reason)"
        case .store(let underlying): underlying.description
        }
    }

    /// Whether trying the same request again may succeed.
    public var isRetryable: Bool {
        switch self {
        case .transport(_, _, _, let isRetryable): isRetryable
        case .unexpectedStatus(_, _, let status, _): Self.isRetryableStatus(status)
        case .tokenService(_, let status, _): Self.isRetryableStatus(status)
        default: false
        }
    }

    static func isRetryableStatus(_ status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status) && status != 501 && status != 505
    }

    private static func render(_ errors: [RegistryErrorDetail]) -> String {
        errors.isEmpty ? "" : ": " + errors.map(\.description).joined(separator: "; ")
    }
}
