// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// An image manifest: one config and an ordered list of layers.
///
/// See [manifest.md](https://github.com/opencontainers/image-spec/blob/main/manifest.md). Docker
/// schema 2 manifests have the same shape and decode into this type too.
public struct ImageManifest: Codable, Hashable, Sendable {
    public var schemaVersion: Int
    public var mediaType: MediaType?
    public var artifactType: MediaType?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var subject: Descriptor?
    public var annotations: [String: String]?

    public init(
        mediaType: MediaType? = .ociManifest, config: Descriptor, layers: [Descriptor],
        artifactType: MediaType? = nil, subject: Descriptor? = nil, annotations: [String: String]? = nil
    ) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.config = config
        self.layers = layers
        self.subject = subject
        self.annotations = annotations
    }

    /// Checks the rules of the manifest schema that decoding alone does not.
    /// - Throws: `OCIImageError.invalidDocument`.
    public func validate() throws {
        guard schemaVersion == 2 else {
            throw OCIImageError.invalidDocument("manifest schemaVersion is \(schemaVersion), must be 2")
        }
        try mediaType?.validateSyntax()
        try artifactType?.validateSyntax()
        guard !layers.isEmpty else {
            throw OCIImageError.invalidDocument("manifest has no layers; the schema requires at least one")
        }
        try config.validate()
        for layer in layers { try layer.validate() }
        try subject?.validate()
    }
}

/// An image index: a list of manifests, usually one per platform.
///
/// See [image-index.md](https://github.com/opencontainers/image-spec/blob/main/image-index.md). Docker
/// manifest lists decode into this type too. An image layout's `index.json` is one.
public struct ImageIndex: Codable, Hashable, Sendable {
    public var schemaVersion: Int
    public var mediaType: MediaType?
    public var artifactType: MediaType?
    public var manifests: [Descriptor]
    public var subject: Descriptor?
    public var annotations: [String: String]?

    public init(
        mediaType: MediaType? = .ociIndex, manifests: [Descriptor] = [], artifactType: MediaType? = nil,
        subject: Descriptor? = nil, annotations: [String: String]? = nil
    ) {
        self.schemaVersion = 2
        self.mediaType = mediaType
        self.artifactType = artifactType
        self.manifests = manifests
        self.subject = subject
        self.annotations = annotations
    }

    /// Checks the rules of the index schema that decoding alone does not.
    /// - Throws: `OCIImageError.invalidDocument`.
    public func validate() throws {
        guard schemaVersion == 2 else {
            throw OCIImageError.invalidDocument("index schemaVersion is \(schemaVersion), must be 2")
        }
        try mediaType?.validateSyntax()
        try artifactType?.validateSyntax()
        for manifest in manifests { try manifest.validate() }
        try subject?.validate()
    }

    /// The manifest descriptors whose platform satisfies `platform`, best first: exact variant
    /// matches before entries that name no variant.
    public func manifests(matching platform: Platform) -> [Descriptor] {
        let wanted = platform.normalized
        return manifests.filter { $0.platform.map(platform.matches) ?? false }
            .sorted { lhs, rhs in
                let left = lhs.platform?.normalized.variant == wanted.variant
                let right = rhs.platform?.normalized.variant == wanted.variant
                return left && !right
            }
    }
}

/// The `oci-layout` file at the top of an image layout.
///
/// See [image-layout.md](https://github.com/opencontainers/image-spec/blob/main/image-layout.md).
public struct ImageLayoutHeader: Codable, Hashable, Sendable {
    public var imageLayoutVersion: String
    public init(imageLayoutVersion: String = "1.0.0") { self.imageLayoutVersion = imageLayoutVersion }

    /// - Throws: `OCIImageError.invalidDocument` for any version but 1.0.0.
    public func validate() throws {
        guard imageLayoutVersion == "1.0.0" else {
            throw OCIImageError.invalidDocument("imageLayoutVersion '\(imageLayoutVersion)' is not 1.0.0")
        }
    }
}
