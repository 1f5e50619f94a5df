// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage

/// Writes the target stage's image (config and manifest) into the store and tags it.
struct ImageCommitter {
    let session: BuildSession

    func commit(_ image: ImageState) async throws -> BuildResult {
        let request = session.request
        var blobs = try await image.layerBlobs()
        var configuration = image.configuration
        let created = session.created()
        if blobs.isEmpty {
            // The image spec requires at least one layer; Docker's classic builder added an empty one too.
            blobs = [try await emptyLayer()]
            var history = configuration.history ?? []
            history.append(.init(created: created, created_by: "hoist: empty layer (a manifest needs one)"))
            configuration.history = history
        }
        configuration.rootfs = .init(diff_ids: blobs.map(\.diffID))
        configuration.created = created
        if !request.labels.isEmpty {
            var config = configuration.config ?? ContainerConfig()
            var labels = config.Labels ?? [:]
            for (key, value) in request.labels { labels[key] = value }
            config.Labels = labels
            configuration.config = config
        }
        try configuration.validate()

        let docker = request.format == .docker
        var layers = blobs.map(\.descriptor)
        if docker {
            for index in layers.indices {
                guard layers[index].mediaType == .ociLayerGzip else {
                    throw BuildError.invalidOption(
                        "--format docker needs gzip layers; layer \(layers[index].digest) is \(layers[index].mediaType)"
                    )
                }
                layers[index].mediaType = .dockerLayerGzip
            }
        }
        let configDescriptor = try session.store.writeJSON(
            configuration, mediaType: docker ? .dockerConfig : .ociConfig)
        let revision = GitSource.read(session.request.contextDirectory)
        var annotations: [String: String] = ["org.opencontainers.image.created": created]
        if let revision {
            annotations["org.opencontainers.image.revision"] = revision.commit
            if let source = revision.source { annotations["org.opencontainers.image.source"] = source }
        }
        if let base = image.base {
            annotations["org.opencontainers.image.base.name"] = base.name
            annotations["org.opencontainers.image.base.digest"] = base.digest.description
        }
        let manifest = ImageManifest(
            mediaType: docker ? .dockerManifest : .ociManifest, config: configDescriptor, layers: layers,
            annotations: docker ? nil : annotations)
        try manifest.validate()
        let descriptor = try session.store.writeJSON(manifest, mediaType: manifest.mediaType ?? .ociManifest)
        for tag in request.tags {
            try session.store.tag(descriptor, as: LocalImages.storedName(for: tag))
        }
        session.observer(.imageCommitted(manifest: descriptor, tags: request.tags))
        return BuildResult(
            manifest: descriptor, imageManifest: manifest, configuration: configuration, tags: request.tags,
            baseImages: await session.state.resolvedBases(), sourceRevision: revision?.commit)
    }

    private func emptyLayer() async throws -> LayerBlob {
        let directory = session.workspace.path + "/empty-layer"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let result = try await session.layerWriter.write(directory: directory)
        return LayerBlob(descriptor: result.descriptor, diffID: result.diffID)
    }
}

/// The git commit (and remote) of a build context that is a git checkout.
public struct GitSource {
    var commit: String
    var source: String?

    static func read(_ directory: String) -> GitSource? {
        guard let commit = git(["rev-parse", "HEAD"], in: directory), commit.count >= 40 else { return nil }
        var source = git(["remote", "get-url", "origin"], in: directory)
        if let url = source, let scheme = url.range(of: "://"), let at = url.range(of: "@"),
            at.lowerBound > scheme.upperBound
        {
            // Never publish credentials embedded in a remote URL.
            source = String(url[..<scheme.upperBound]) + String(url[at.upperBound...])
        }
        return GitSource(commit: commit, source: source)
    }

    /// The commit time (seconds since 1970) of HEAD of the checkout holding `directory`, if it is one.
    public static func commitTime(_ directory: String) -> Int64? {
        git(["log", "-1", "--format=%ct", "HEAD"], in: directory).flatMap { Int64($0) }
    }

    private static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
