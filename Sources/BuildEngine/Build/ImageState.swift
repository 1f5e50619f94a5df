// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage

/// A layer's blob in the store: what the manifest lists and the config's diffID.
struct LayerBlob: Sendable, Hashable {
    var descriptor: Descriptor
    var diffID: Digest
}

/// One layer of an image being built. Both halves may still be in progress: a base layer is extracted when
/// a step first needs its tree, and a new layer is compressed in the background while later steps run on its
/// directory.
struct StageLayer: Sendable {
    /// The layer's tree as an overlay lower directory (extracted on first use for stored layers).
    let directory: @Sendable () async throws -> String
    /// The layer's blob.
    let blob: LayerBlobSource
    /// For a layer whose blob may never be written (a stage the image doesn't carry): the name of the
    /// directory under `ROOT/layers` that keeps its tree for the build cache.
    var keptAs: String? = nil

    /// A layer already in the store, extracted on demand.
    static func stored(_ blob: LayerBlob, directories: LayerDirectories) -> StageLayer {
        StageLayer(
            directory: { try await directories.directory(diffID: blob.diffID, layer: blob.descriptor) },
            blob: .known(blob))
    }
}

/// An image as a stage builds it: its configuration (history included; diffIDs filled in at commit) and layers.
struct ImageState: Sendable {
    var configuration: ImageConfiguration
    var layers: [StageLayer]
    /// The image (not stage) this one descends from, for the `.base.*` annotations.
    var base: BuildResult.BaseImage?
    /// The cache chain key of a finished stage: what a stage built on it, or copying from it, depends on.
    var cacheKey: Digest?

    /// An empty image for `FROM scratch`.
    static func scratch(platform: Platform) -> ImageState {
        var config = ContainerConfig()
        config.Env = ["PATH=" + ImageState.defaultPath]
        return ImageState(
            configuration: ImageConfiguration(platform: platform, config: config, history: []), layers: [],
            base: nil)
    }

    /// The PATH that RUN steps get when the image sets none, as Docker's.
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    var config: ContainerConfig {
        get { configuration.config ?? ContainerConfig() }
        set { configuration.config = newValue }
    }

    /// The layer directories, bottom first, extracting what isn't yet.
    func layerDirectories() async throws -> [String] {
        var directories: [String] = []
        for layer in layers { directories.append(try await layer.directory()) }
        return directories
    }

    /// The finished blobs, bottom first, waiting for compression still running.
    func layerBlobs() async throws -> [LayerBlob] {
        var blobs: [LayerBlob] = []
        for layer in layers { blobs.append(try await layer.blob.value()) }
        return blobs
    }

    /// Adds a history entry.
    mutating func record(_ createdBy: String, created: String, emptyLayer: Bool) {
        var history = configuration.history ?? []
        history.append(
            ImageConfiguration.History(created: created, created_by: createdBy, empty_layer: emptyLayer ? true : nil))
        configuration.history = history
    }
}

/// A layer's blob, written when first asked for: at once for the stages whose layers the image will carry
/// (compression then overlaps the next steps), and never for stages only copied from, unless something needs
/// their blobs.
final class LayerBlobSource: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<LayerBlob, any Error>?
    private let make: (@Sendable () async throws -> LayerBlob)?

    private init(task: Task<LayerBlob, any Error>?, make: (@Sendable () async throws -> LayerBlob)?) {
        self.task = task
        self.make = make
    }

    /// A blob already in the store.
    static func known(_ blob: LayerBlob) -> LayerBlobSource {
        LayerBlobSource(task: Task { blob }, make: nil)
    }

    /// A blob `make` writes; started now when `eager`.
    static func deferred(eager: Bool, _ make: @escaping @Sendable () async throws -> LayerBlob) -> LayerBlobSource {
        let source = LayerBlobSource(task: nil, make: make)
        if eager { _ = source.start() }
        return source
    }

    /// Whether the blob is being (or has been) written.
    var isStarted: Bool {
        lock.lock()
        defer { lock.unlock() }
        return task != nil
    }

    /// Starts writing the blob, once.
    @discardableResult
    func start() -> Task<LayerBlob, any Error> {
        lock.lock()
        defer { lock.unlock() }
        if let task { return task }
        let make = self.make
        let started = Task<LayerBlob, any Error> {
            guard let make else { throw CancellationError() }
            return try await make()
        }
        task = started
        return started
    }

    /// The blob, writing it first if needed.
    func value() async throws -> LayerBlob { try await start().value }
}
