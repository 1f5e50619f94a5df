// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// Small, real images for tests, written straight into a store.
public enum TestImages {
    /// Writes a one-layer image whose layer is a gzip tar made by GNU tar from `files`
    /// (path → content), with the given config settings.
    /// - Returns: the manifest descriptor (not tagged).
    public static func makeImage(
        in store: any ContentStore, files: [String: String], cmd: [String] = ["/bin/true"],
        created: String = "2024-01-01T00:00:00Z", scratch: TemporaryDirectory
    ) throws -> Descriptor {
        let rootfs = scratch.child("rootfs-\(UUID().uuidString)")
        for (path, content) in files {
            let file = rootfs + "/" + path
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(content.utf8).write(to: URL(fileURLWithPath: file))
        }
        let tarball = rootfs + ".tar"
        let tar = try Subprocess.run([
            "tar", "--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", rootfs, "-cf",
            tarball, ".",
        ])
        guard tar.succeeded else { throw TestSupportError.setup("tar failed: \(tar.stderr)") }
        let uncompressed = try Data(contentsOf: URL(fileURLWithPath: tarball))
        let gzip = try Subprocess.run(["gzip", "-n", "-c", tarball])
        guard gzip.succeeded else { throw TestSupportError.setup("gzip failed: \(gzip.stderr)") }
        let (layerDigest, layerSize) = try store.writeBlob(gzip.stdoutBytes)
        var container = ContainerConfig()
        container.Cmd = cmd
        container.Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        let config = ImageConfiguration(
            platform: .host, created: created, config: container,
            rootfs: .init(diff_ids: [SHA256Hasher.digest(of: uncompressed)]),
            history: [.init(created: created, created_by: "test image")])
        let configDescriptor = try store.writeJSON(config, mediaType: .ociConfig)
        let manifest = ImageManifest(
            config: configDescriptor,
            layers: [Descriptor(mediaType: .ociLayerGzip, digest: layerDigest, size: layerSize)])
        return try store.writeJSON(manifest, mediaType: .ociManifest)
    }
}
