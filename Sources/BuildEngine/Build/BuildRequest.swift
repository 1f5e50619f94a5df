// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import LayerArchive
import OCIImage
import Registry

/// Everything a build needs to know, as `hoist build` collects it from its flags.
public struct BuildRequest: Sendable {
    /// The image format written to the store.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// OCI media types (the default).
        case oci
        /// Docker schema 2 media types.
        case docker
    }

    /// The build context directory.
    public var contextDirectory: String
    /// The Dockerfile's text.
    public var dockerfileText: String
    /// The Dockerfile's name for diagnostics (a path as the user gave it).
    public var dockerfileName: String
    /// The Dockerfile's own path, used to find `NAME.dockerignore` beside it; nil for standard input.
    public var dockerfilePath: String?
    /// Names to tag the image with in the local store.
    public var tags: [ImageReference]
    /// `--build-arg` values.
    public var buildArguments: [String: String]
    /// `--target`.
    public var target: String?
    /// `--platform`: the target platform (default: this machine's).
    public var platform: PlatformTriple
    /// The network of RUN steps that don't say otherwise.
    public var network: DockerfileSyntax.NetworkMode
    /// `--secret id=…,src=…`: secret id → host file.
    public var secrets: [String: String]
    /// `--label`: labels added to the image's config.
    public var labels: [String: String]
    /// Seconds since 1970 for every time in the image; nil means now.
    public var sourceDateEpoch: Int64?
    /// OCI or Docker media types.
    public var format: Format
    /// How new layers are compressed.
    public var compression: LayerCompression
    /// Registry options for pulling bases.
    public var registryOptions: RegistryOptions
    /// Registry credentials for pulling bases.
    public var credentials: CredentialResolver
    /// `--pull`: `missing` uses a local base when there is one; `always` resolves it in the registry.
    public var pullAlways: Bool
    /// `--no-cache`: run every step (cache entries are still written).
    public var noCache: Bool
    /// `--no-cache-filter`: stages (by name or index) whose steps all run.
    public var noCacheStages: Set<String>
    /// The lock file to build with (`DOCKERFILE.lock`, `--locked`); nil builds every base as its name resolves.
    public var lock: LockPolicy?
    /// `--cache-from`: caches whose entries are used on a local miss.
    public var cacheFrom: [CacheImport]
    /// `--cache-to`: where this build's cache entries are written once it succeeded.
    public var cacheTo: [CacheExport]

    /// Creates a request with defaults for everything but the context and the Dockerfile.
    public init(
        contextDirectory: String, dockerfileText: String, dockerfileName: String = "Dockerfile",
        dockerfilePath: String? = nil
    ) {
        self.contextDirectory = contextDirectory
        self.dockerfileText = dockerfileText
        self.dockerfileName = dockerfileName
        self.dockerfilePath = dockerfilePath
        self.tags = []
        self.buildArguments = [:]
        self.target = nil
        self.platform = .host
        self.network = .default
        self.secrets = [:]
        self.labels = [:]
        self.sourceDateEpoch = nil
        self.format = .oci
        self.compression = .gzip()
        self.registryOptions = RegistryOptions()
        self.credentials = CredentialResolver()
        self.pullAlways = false
        self.noCache = false
        self.noCacheStages = []
        self.lock = nil
        self.cacheFrom = []
        self.cacheTo = []
    }
}

/// What a build produced.
public struct BuildResult: Sendable {
    /// The image manifest, as stored.
    public var manifest: Descriptor
    /// The manifest's content.
    public var imageManifest: ImageManifest
    /// The image configuration.
    public var configuration: ImageConfiguration
    /// The names it was tagged with.
    public var tags: [ImageReference]
    /// The base images the stages used: the reference as written, and the manifest digest used.
    public var baseImages: [BaseImage]
    /// The git revision of the context, when it is a checkout.
    public var sourceRevision: String?

    /// A base image a stage was built on.
    public struct BaseImage: Sendable, Hashable, Codable {
        /// The reference as the Dockerfile names it (expanded).
        public var name: String
        /// The manifest digest it resolved to.
        public var digest: Digest
    }
}
