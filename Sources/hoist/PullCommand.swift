// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import Foundation
import OCIImage
import Registry

/// Options shared by the commands that talk to registries.
struct RegistryCommandOptions: ParsableArguments {
    @Option(
        name: .customLong("insecure-registry"),
        help: ArgumentHelp(
            "Allow plain HTTP and unverified HTTPS for this registry (repeatable).", valueName: "host[:port]"))
    var insecureRegistries: [String] = []

    @Option(name: .customLong("tls-verify"), help: "Verify TLS certificates and require HTTPS (default true).")
    var tlsVerify: Bool = true

    @Option(
        name: .customLong("cert-dir"),
        help: ArgumentHelp("A certs.d-style directory: HOST[:PORT]/ca.crt, client.cert, client.key.", valueName: "dir"))
    var certDirectory: String?

    @Option(help: ArgumentHelp("Credentials for the registry, instead of the stored ones.", valueName: "user:password"))
    var creds: String?

    @Option(
        help: ArgumentHelp(
            "Credentials file to read (default $REGISTRY_AUTH_FILE, then Docker's config.json).", valueName: "file"))
    var authfile: String?

    @Option(help: "How many blobs to transfer at once.")
    var jobs: Int = 4

    @Option(help: ArgumentHelp("Upload blobs larger than this in chunks of this size (MiB).", valueName: "MiB"))
    var chunkSize: Int = 32

    @Option(help: "Attempts per request before giving up on transient failures.")
    var retries: Int = 6

    @Flag(name: .shortAndLong, help: "Print only the result.")
    var quiet = false

    func registryOptions() -> RegistryOptions {
        var directories = ["/etc/containers/certs.d", "/etc/docker/certs.d"]
        if let certDirectory { directories.insert(certDirectory, at: 0) }
        var retry = RetryPolicy.standard
        retry.maximumAttempts = max(1, retries)
        let chunk = Int64(max(1, chunkSize)) << 20
        return RegistryOptions(
            insecureRegistries: Set(insecureRegistries), tlsVerify: tlsVerify, certificateDirectories: directories,
            retry: retry, maximumConcurrentTransfers: jobs, monolithicUploadLimit: chunk, chunkSize: chunk)
    }

    func credentialResolver() throws -> CredentialResolver {
        var resolver = CredentialResolver(explicit: try creds.map { try Credential(parsingUserColonPassword: $0) })
        if let authfile { resolver.authFile = authfile }
        return resolver
    }

    /// Prints transfer events on standard error unless `--quiet`.
    func progressPrinter() -> TransferProgress? {
        guard !quiet else { return nil }
        return { event in
            let line: String? =
                switch event {
                case .blobSkipped(let digest, _): "\(digest.shortForm): already there"
                case .blobMounted(let digest, let source): "\(digest.shortForm): mounted from \(source)"
                case .blobStarted(let digest, let size): "\(digest.shortForm): transferring \(formatBytes(size))"
                case .blobFinished(let digest, _): "\(digest.shortForm): done"
                case .retrying(let digest, let reason): "\(digest?.shortForm ?? "request"): retrying after \(reason)"
                case .manifestDone(let digest): "\(digest.shortForm): manifest done"
                }
            if let line { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
    }

    /// The file that remembers which repositories hold which blobs, for cross-repository mounts.
    static func originLog(root: HoistRoot) -> BlobOriginLog {
        BlobOriginLog(path: root.path + "/registry/blob-origins.json")
    }
}

extension Digest {
    fileprivate var shortForm: String { "\(algorithm):\(encoded.prefix(12))" }
}

struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Download an image from a registry into the local store; prints its digest.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registryOptions: RegistryCommandOptions

    @Option(
        help: ArgumentHelp(
            "The platform to pick from a multi-platform image (default: this machine's).",
            valueName: "os/arch[/variant]"))
    var platform: String?

    @Argument(help: "The image: [registry/]repository[:tag][@digest].")
    var reference: String

    func run() async throws {
        global.bootstrapLogging()
        let reference = try ImageReference(parsing: Self.stripTransport(reference))
        let platform = try platform.map { try Platform(parsing: $0) } ?? .host
        let store = try global.openStore()
        let origins = RegistryCommandOptions.originLog(root: global.hoistRoot)
        let progress = registryOptions.progressPrinter()
        let result = try await RegistryClient.withClient(
            registry: reference.registry, options: registryOptions.registryOptions(),
            credentials: try registryOptions.credentialResolver()
        ) { client in
            try await client.pull(
                reference, platform: platform, into: store, tagAs: LocalImages.storedName(for: reference),
                origins: origins, progress: progress)
        }
        print(result.digest)
    }

    /// Accepts `docker://REF` as skopeo spells it.
    static func stripTransport(_ text: String) -> String {
        text.hasPrefix("docker://") ? String(text.dropFirst("docker://".count)) : text
    }
}
