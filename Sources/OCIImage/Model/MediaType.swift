// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A media type string. Open: unknown types decode and round-trip unchanged.
///
/// See [media-types.md](https://github.com/opencontainers/image-spec/blob/main/media-types.md).
public struct MediaType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    // MARK: - OCI

    public static let ociDescriptor: MediaType = "application/vnd.oci.descriptor.v1+json"
    public static let ociLayoutHeader: MediaType = "application/vnd.oci.layout.header.v1+json"
    public static let ociManifest: MediaType = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex: MediaType = "application/vnd.oci.image.index.v1+json"
    public static let ociConfig: MediaType = "application/vnd.oci.image.config.v1+json"
    public static let ociLayer: MediaType = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerGzip: MediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerZstd: MediaType = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let ociEmpty: MediaType = "application/vnd.oci.empty.v1+json"

    // MARK: - Docker image manifest v2, schema 2

    public static let dockerManifest: MediaType = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList: MediaType = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerConfig: MediaType = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip: MediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    public static let dockerForeignLayerGzip: MediaType =
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    /// Schema 1 manifests are refused; the constants exist to recognise them.
    public static let dockerManifestSchema1: MediaType = "application/vnd.docker.distribution.manifest.v1+json"
    public static let dockerManifestSchema1Signed: MediaType =
        "application/vnd.docker.distribution.manifest.v1+prettyjws"

    // MARK: - Classification

    /// An image manifest, OCI or Docker schema 2.
    public var isManifest: Bool { self == .ociManifest || self == .dockerManifest }
    /// An index of manifests, OCI or Docker manifest list.
    public var isIndex: Bool { self == .ociIndex || self == .dockerManifestList }
    /// A filesystem layer of any known compression.
    public var isLayer: Bool {
        [.ociLayer, .ociLayerGzip, .ociLayerZstd, .dockerLayerGzip, .dockerForeignLayerGzip].contains(self)
            || rawValue.hasPrefix("application/vnd.oci.image.layer.")
    }
}
