// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import NIOSSL

/// How a `RegistryClient` connects and transfers.
public struct RegistryOptions: Sendable {
    /// Registries (`host[:port]`) that may be reached over plain HTTP or HTTPS without verification
    /// (`--insecure-registry`). Loopback registries may use plain HTTP without being listed.
    public var insecureRegistries: Set<String>
    /// `false` turns off certificate verification and allows plain HTTP for every registry (`--tls-verify=false`).
    public var tlsVerify: Bool
    /// Directories holding `HOST[:PORT]/ca.crt`, `*.crt` (extra CAs) and `*.cert` + `*.key` (client
    /// certificate), the certs.d convention of Docker and containers/image. The first with an entry wins.
    public var certificateDirectories: [String]
    /// An extra CA bundle (PEM) trusted for every registry.
    public var caFile: String?
    /// How transient failures are retried.
    public var retry: RetryPolicy
    /// How many blobs transfer at once.
    public var maximumConcurrentTransfers: Int
    /// Blobs up to this size are uploaded with one `PUT`; larger ones in `PATCH` chunks.
    public var monolithicUploadLimit: Int64
    /// The size of one `PATCH` chunk.
    public var chunkSize: Int64
    /// The longest a request without a large body may take.
    public var requestTimeout: Duration
    /// The longest one blob transfer may take.
    public var transferTimeout: Duration
    /// The longest a connection may stay silent while a response is awaited.
    public var idleTimeout: Duration
    /// The longest establishing a connection (TLS handshake included) may take; AsyncHTTPClient keeps
    /// retrying a failing connection until then, so this is also how long a TLS error takes to surface.
    public var connectTimeout: Duration = .seconds(10)
    /// The `User-Agent` header.
    public var userAgent: String

    public init(
        insecureRegistries: Set<String> = [], tlsVerify: Bool = true,
        certificateDirectories: [String] = ["/etc/containers/certs.d", "/etc/docker/certs.d"],
        caFile: String? = nil, retry: RetryPolicy = .standard, maximumConcurrentTransfers: Int = 4,
        monolithicUploadLimit: Int64 = 32 << 20, chunkSize: Int64 = 32 << 20,
        requestTimeout: Duration = .seconds(60), transferTimeout: Duration = .seconds(3600),
        idleTimeout: Duration = .seconds(120), userAgent: String = "hoist"
    ) {
        self.insecureRegistries = insecureRegistries
        self.tlsVerify = tlsVerify
        self.certificateDirectories = certificateDirectories
        self.caFile = caFile
        self.retry = retry
        self.maximumConcurrentTransfers = max(1, maximumConcurrentTransfers)
        self.monolithicUploadLimit = monolithicUploadLimit
        self.chunkSize = max(64 * 1024, chunkSize)
        self.requestTimeout = requestTimeout
        self.transferTimeout = transferTimeout
        self.idleTimeout = idleTimeout
        self.userAgent = userAgent
    }

    /// Whether plain HTTP (and unverified HTTPS) is allowed for a registry.
    public func allowsInsecure(_ registry: String) -> Bool {
        !tlsVerify || insecureRegistries.contains(registry) || Self.isLoopback(registry)
    }

    static func isLoopback(_ registry: String) -> Bool {
        let host: String
        if registry.hasPrefix("["), let close = registry.firstIndex(of: "]") {
            host = String(registry[...close])
        } else {
            host = String(registry.split(separator: ":", maxSplits: 1).first ?? "")
        }
        return host == "localhost" || host.hasPrefix("127.") || host == "[::1]"
    }

    /// Whether a certs.d directory has an entry for the registry.
    public func hasCertificates(for registry: String) -> Bool {
        caFile != nil
            || certificateDirectories.contains { FileManager.default.fileExists(atPath: $0 + "/" + registry) }
    }

    /// The TLS configuration for a registry: system trust plus the certs.d CAs and client certificate.
    /// - Throws: `RegistryError.tlsConfiguration` when a file cannot be loaded.
    public func tlsConfiguration(for registry: String) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if !tlsVerify || insecureRegistries.contains(registry) { tls.certificateVerification = .none }
        if let caFile { tls.additionalTrustRoots.append(.file(caFile)) }
        let manager = FileManager.default
        for base in certificateDirectories {
            let directory = base + "/" + registry
            guard let names = try? manager.contentsOfDirectory(atPath: directory) else { continue }
            for name in names.sorted() {
                let path = directory + "/" + name
                if name.hasSuffix(".crt") {
                    tls.additionalTrustRoots.append(.file(path))
                } else if name.hasSuffix(".cert") {
                    let keyPath = directory + "/" + name.dropLast(5) + ".key"
                    do {
                        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(path).map { .certificate($0) }
                        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
                    } catch {
                        throw RegistryError.tlsConfiguration(
                            path: path, reason: "cannot load the client certificate or its key")
                    }
                }
            }
            break
        }
        return tls
    }
}
