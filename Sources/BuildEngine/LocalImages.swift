// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// The images of a local store, as people name them: by reference, tag, or digest.
///
/// Tags are stored as `org.opencontainers.image.ref.name` annotations holding the full, normalised
/// reference (`docker.io/library/busybox:latest`, `localhost:5000/app:1`), so one store can hold
/// images of many registries without ambiguity.
public struct LocalImages: Sendable {
    /// The store.
    public let store: any ContentStore

    public init(store: any ContentStore) { self.store = store }

    /// One image of the store.
    public struct Image: Sendable, Equatable {
        /// The tag (full reference), or `nil` for an image found by digest only.
        public var name: String?
        /// The manifest or index descriptor.
        public var descriptor: Descriptor
    }

    /// The name under which a reference is stored: its full form, with `latest` when it has neither
    /// tag nor digest.
    public static func storedName(for reference: ImageReference) -> String {
        reference.withDefaultTag.description
    }

    /// Every tagged image, sorted by name.
    public func list() throws -> [Image] {
        try store.readIndex().manifests.compactMap { descriptor in
            descriptor.referenceName.map { Image(name: $0, descriptor: descriptor) }
        }.sorted { ($0.name ?? "") < ($1.name ?? "") }
    }

    /// Finds an image by what a person typed: a reference (`busybox`, `localhost:5000/app:1`), an
    /// exact stored name, a full digest, or an unambiguous hex prefix of at least 12 characters.
    /// - Throws: `BuildError.imageNotFound` or `BuildError.ambiguousImage`.
    public func resolve(_ text: String) throws -> Image {
        let images = try list()
        if let exact = images.first(where: { $0.name == text }) { return exact }
        if let reference = try? ImageReference(parsing: text) {
            let name = Self.storedName(for: reference)
            if let found = images.first(where: { $0.name == name }) { return found }
            if let digest = reference.digest, let found = images.first(where: { $0.descriptor.digest == digest }) {
                return found
            }
        }
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        if hex.count >= 12, hex.allSatisfy(\.isHexDigit) {
            // One image tagged under several names is still one image: compare digests, not descriptors.
            let matches = images.map(\.descriptor).filter { $0.digest.encoded.hasPrefix(hex.lowercased()) }
            let digests = Set(matches.map(\.digest))
            if digests.count == 1, let only = matches.first {
                return Image(name: nil, descriptor: only)
            }
            if digests.count > 1 { throw BuildError.ambiguousImage(text) }
            if let digest = try? Digest(algorithm: "sha256", encoded: hex), let size = try store.blobSize(digest) {
                return Image(
                    name: nil,
                    descriptor: Descriptor(mediaType: try storedMediaType(digest), digest: digest, size: size))
            }
        }
        throw BuildError.imageNotFound(text)
    }

    /// The manifest of an image for a platform: the image's own manifest, or the matching entry of its index.
    /// - Throws: `BuildError.noMatchingPlatform` when an index has no entry for the platform.
    public func manifest(of image: Image, platform: Platform = .host) throws -> (Descriptor, ImageManifest) {
        var descriptor = image.descriptor
        if descriptor.mediaType.isIndex {
            let index = try store.readJSON(ImageIndex.self, digest: descriptor.digest)
            guard let chosen = index.manifests(matching: platform).first else {
                throw BuildError.noMatchingPlatform(image.name ?? descriptor.digest.description, platform: platform)
            }
            descriptor = chosen
        }
        return (descriptor, try store.readJSON(ImageManifest.self, digest: descriptor.digest))
    }

    /// The media type an untagged manifest or index blob declares (an index when it lists manifests and says
    /// nothing else), so that a digest naming a multi-platform index resolves to its platform's manifest.
    private func storedMediaType(_ digest: Digest) throws -> MediaType {
        struct Probe: Decodable {
            var mediaType: MediaType?
            var manifests: [Descriptor]?
        }
        let probe = try store.readJSON(Probe.self, digest: digest)
        return probe.mediaType ?? (probe.manifests != nil ? .ociIndex : .ociManifest)
    }
}
