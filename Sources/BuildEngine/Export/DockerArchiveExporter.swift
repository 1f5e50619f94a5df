// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// Writes images of the store as a docker-archive: the tar that `docker save` writes and `docker load`
/// and `skopeo copy docker-archive:…` read.
///
/// The archive holds an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`, as Docker 25 and
/// later write it) plus the `manifest.json` that every Docker version reads: for each image its config,
/// its layers (as stored, compressed; `docker load` detects the compression) and its tags in familiar
/// form (`busybox:latest`). Blobs stream from the store, verified, and each is written once.
public struct DockerArchiveExporter: Sendable {
    /// One image to put in the archive.
    public struct Entry: Sendable {
        /// The image's platform manifest descriptor.
        public var manifest: Descriptor
        /// Names to load it under (full references).
        public var tags: [ImageReference]

        public init(manifest: Descriptor, tags: [ImageReference]) {
            self.manifest = manifest
            self.tags = tags
        }
    }

    public let store: any ContentStore

    public init(store: any ContentStore) { self.store = store }

    /// Writes the archive to a temporary name beside `path` and renames it into place when complete.
    /// With `dockerManifest` false, `manifest.json` is left out: the archive is a plain OCI layout tar
    /// (`hoist build --output type=oci,dest=FILE.tar`).
    /// - Throws: `BuildError.exportFailed`, or `OCIImageError` when a blob is missing or corrupt.
    public func export(_ entries: [Entry], to path: String, dockerManifest: Bool = true) throws {
        let temporary = path + ".hoist-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        do {
            try write(entries, to: temporary, dockerManifest: dockerManifest)
            guard rename(temporary, path) == 0 else {
                throw BuildError.exportFailed(path: path, reason: systemErrorMessage(errno))
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    private struct ManifestEntry: Encodable {
        var Config: String
        var RepoTags: [String]
        var Layers: [String]
    }

    private func write(_ entries: [Entry], to path: String, dockerManifest: Bool) throws {
        let tar = try TarFileWriter(path: path)
        var written = Set<Digest>()
        var manifestEntries = [ManifestEntry]()
        var indexEntries = [Descriptor]()
        try tar.addDirectory("blobs")
        try tar.addDirectory("blobs/sha256")
        for entry in entries {
            let manifest = try store.readJSON(ImageManifest.self, digest: entry.manifest.digest)
            for descriptor in [entry.manifest, manifest.config] + manifest.layers
            where written.insert(descriptor.digest).inserted {
                try addBlob(descriptor.digest, to: tar)
            }
            manifestEntries.append(
                ManifestEntry(
                    Config: Self.blobName(manifest.config.digest),
                    RepoTags: entry.tags.map { $0.withDefaultTag.familiarDescription },
                    Layers: manifest.layers.map { Self.blobName($0.digest) }))
            if entry.tags.isEmpty {
                indexEntries.append(entry.manifest)
            }
            for tag in entry.tags {
                var descriptor = entry.manifest
                descriptor.annotations = [
                    "io.containerd.image.name": tag.withDefaultTag.description,
                    AnnotationKey.refName: tag.withDefaultTag.tag ?? "latest",
                ]
                indexEntries.append(descriptor)
            }
        }
        try tar.addFile("index.json", bytes: try CanonicalJSON.encode(ImageIndex(manifests: indexEntries)))
        if dockerManifest { try tar.addFile("manifest.json", bytes: try CanonicalJSON.encode(manifestEntries)) }
        try tar.addFile("oci-layout", bytes: try CanonicalJSON.encode(ImageLayoutHeader()))
        try tar.finish()
    }

    private func addBlob(_ digest: Digest, to tar: TarFileWriter) throws {
        let reader = try store.openBlob(digest)
        try tar.addFile(Self.blobName(digest), size: reader.size) { buffer in try reader.read(into: buffer) }
    }

    static func blobName(_ digest: Digest) -> String { "blobs/\(digest.algorithm)/\(digest.encoded)" }
}
