// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// Copies images of the store into an OCI image layout directory (`hoist build --output type=oci,dest=DIR`).
///
/// The directory is created when missing; an existing layout gains the blobs and the tags (a tag already there
/// is moved). Each tag is listed in `index.json` with `org.opencontainers.image.ref.name` set to the tag
/// (`1`, as `umoci --image DIR:1` and `skopeo oci:DIR:1` name it) and `io.containerd.image.name` to the full
/// name; an image without tags is listed as `latest`.
public struct OCILayoutExporter: Sendable {
    public let store: any ContentStore

    /// - Parameter store: where the images are.
    public init(store: any ContentStore) { self.store = store }

    /// Writes `entries` into the layout at `path`.
    public func export(_ entries: [DockerArchiveExporter.Entry], to path: String) throws {
        let layout = try LayoutContentStore(path: path, create: true)
        for entry in entries {
            let manifest = try store.readJSON(ImageManifest.self, digest: entry.manifest.digest)
            for descriptor in manifest.layers + [manifest.config, entry.manifest]
            where try !layout.hasBlob(descriptor.digest) {
                let reader = try store.openBlob(descriptor.digest)
                let writer = try layout.makeBlobWriter()
                var buffer = [UInt8](repeating: 0, count: 1 << 20)
                while true {
                    let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
                    if count == 0 { break }
                    try writer.write(buffer[..<count])
                }
                _ = try writer.commit(expectedDigest: descriptor.digest)
            }
            let tags = entry.tags.isEmpty ? [nil] : entry.tags.map { Optional($0) }
            for tag in tags {
                let short = tag?.withDefaultTag.tag ?? "latest"
                try layout.updateIndex { index in
                    index.manifests.removeAll { $0.annotations?[AnnotationKey.refName] == short }
                    var descriptor = entry.manifest
                    var annotations = [AnnotationKey.refName: short]
                    if let tag { annotations["io.containerd.image.name"] = tag.withDefaultTag.description }
                    descriptor.annotations = annotations
                    index.manifests.append(descriptor)
                }
            }
        }
    }
}
