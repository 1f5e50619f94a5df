// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// What `hoist images` and `hoist inspect` show of an image.
public struct ImageSummary: Sendable, Codable, Equatable {
    /// The tag (full reference), if the image has one.
    public var name: String?
    /// The digest of the manifest or index: what to deploy.
    public var digest: Digest
    public var mediaType: MediaType
    /// The digest of the platform manifest described below (equal to `digest` for a plain manifest).
    public var manifestDigest: Digest
    public var configDigest: Digest
    public var platform: Platform
    /// The config's `created` time, as stored.
    public var created: String?
    /// Bytes of the manifest, config and layers, as stored (compressed).
    public var size: Int64
    public var layers: [Descriptor]
    public var config: ImageConfiguration
    public var annotations: [String: String]?

    /// Reads an image's manifest and config from the store.
    /// - Parameters:
    ///   - image: the image, as `LocalImages.resolve` found it.
    ///   - images: the store's images.
    ///   - platform: the platform to describe when the image is an index.
    public init(of image: LocalImages.Image, in images: LocalImages, platform: Platform = .host) throws {
        let (manifestDescriptor, manifest) = try images.manifest(of: image, platform: platform)
        let config = try images.store.readJSON(ImageConfiguration.self, digest: manifest.config.digest)
        self.name = image.name
        self.digest = image.descriptor.digest
        self.mediaType = image.descriptor.mediaType
        self.manifestDigest = manifestDescriptor.digest
        self.configDigest = manifest.config.digest
        self.platform = config.platform
        self.created = config.created
        self.size = manifestDescriptor.size + manifest.config.size + manifest.layers.reduce(0) { $0 + $1.size }
        self.layers = manifest.layers
        self.config = config
        self.annotations = manifest.annotations
    }
}
