// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import LayerArchive
import OCIImage

/// Something a step reads besides its instruction (a stage or image it copies or mounts from, a context tree it
/// mounts): what it is, for explanations, and its digest, for the key.
struct StepRead {
    var what: String
    var digest: String
}

extension StepRead {
    /// What a `--from`/`from=` names: a stage's result (its chain value) or an image (its manifest digest).
    init(from: String, source: ImageState) {
        if let key = source.cacheKey {
            self.init(what: "stage \(from)", digest: key.description)
        } else {
            self.init(
                what: "image \(from)", digest: source.base?.digest.description ?? "unknown:\(from)")
        }
    }
}

/// A filesystem step's identity in the build cache.
struct StepCache {
    /// The key, when it is known before the step runs (RUN, WORKDIR, COPY --from).
    var key: Digest?
    /// Computes the key after the step's body ran, for steps whose inputs are only known then (COPY and ADD
    /// from the context: the digest of what was copied).
    var lateKey: (() -> (Digest, [String: String]))?
    /// The step's inputs, for explaining a later miss (key and sources filled in when known).
    var inputs: BuildCache.Inputs
    /// Which step of which Dockerfile this is.
    var slot: Digest
}

extension StageBuilder {
    /// Whether this stage may reuse cache entries (`--no-cache`, `--no-cache-filter`).
    var cacheLookupsEnabled: Bool {
        let request = session.request
        if request.noCache { return false }
        if request.noCacheStages.contains(label) { return false }
        if let name = stage.name, request.noCacheStages.contains(name) { return false }
        return !request.noCacheStages.contains(String(index))
    }

    /// The cache identity of a filesystem step with `material` (the instruction as it runs) and `extra` inputs
    /// (bind-mount sources, `--from` results). A RUN sees the ARG and ENV values in scope, so they are inputs;
    /// COPY, ADD and WORKDIR see none (their expanded text is in `material`).
    func stepCache(_ material: [String], extra: [StepRead] = [], position: Int, seesVariables: Bool = false)
        -> StepCache
    {
        let variables =
            seesVariables
            ? Dictionary(scope.runEnvironment.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            : [:]
        let builder = CacheKeyBuilder("hoist-step-v1")
        builder.add(chain.description)
        builder.add(platform.description)
        builder.add(material)
        builder.add(variables.keys.sorted().map { $0 + "=" + (variables[$0] ?? "") })
        builder.add(extra.map(\.digest))
        let key = builder.finalize()
        let slotKey = CacheKeyBuilder("hoist-slot-v1")
        slotKey.add(session.request.contextDirectory)
        slotKey.add(session.request.dockerfileName)
        slotKey.add(String(index))
        slotKey.add(String(position))
        let inputs = BuildCache.Inputs(
            key: key, parent: chain, baseName: image.base?.name, baseDigest: image.base?.digest,
            instruction: material.joined(separator: " "), variables: variables, sources: nil,
            reads: extra.isEmpty ? nil : Dictionary(extra.map { ($0.what, $0.digest) }, uniquingKeysWith: { $1 }),
            imageTime: session.request.sourceDateEpoch)
        return StepCache(key: key, lateKey: nil, inputs: inputs, slot: slotKey.finalize())
    }

    /// The same step identity, with the key finished after the body ran from the digest of what it copied.
    func lateStepCache(_ base: StepCache, digest: @escaping () -> (Digest, [String: String])) -> StepCache {
        var late = base
        let early = base.key
        late.key = nil
        late.lateKey = {
            let (content, sources) = digest()
            let builder = CacheKeyBuilder("hoist-copy-v1")
            builder.add(early?.description ?? "")
            builder.add(content.description)
            return (builder.finalize(), sources)
        }
        return late
    }

    /// Reuses the entry for `key` when there is one: the image state after the step, its layers already in the
    /// store. - Returns: nil on a hit, else why it missed.
    mutating func reuse(_ key: Digest, cache: StepCache) -> String? {
        guard let buildCache = session.cache else { return "the cache is not available" }
        guard cacheLookupsEnabled else { return "--no-cache" }
        let (entry, missingBlob) = buildCache.entry(key)
        guard let entry else {
            let previous = buildCache.inputs(slot: cache.slot)
            return BuildCache.explain(cache.inputs, previous: previous, missingBlob: missingBlob)
        }
        buildCache.markUsed(key)
        image.configuration = entry.configuration
        let exported = session.exportedStages.contains(index)
        let writer = session.layerWriter
        image.layers = entry.layers.map { layer in
            if let descriptor = layer.descriptor, let diffID = layer.diffID {
                return StageLayer.stored(LayerBlob(descriptor: descriptor, diffID: diffID), directories: session.layers)
            }
            let directory = buildCache.layersPath + "/" + (layer.directory ?? "")
            let blob = LayerBlobSource.deferred(eager: exported) {
                let result = try await writer.write(try FilesystemDiff.fromOverlayUpper(path: directory))
                return LayerBlob(descriptor: result.descriptor, diffID: result.diffID)
            }
            return StageLayer(directory: { directory }, blob: blob, keptAs: layer.directory)
        }
        if let stale = snapshotRoot { try? FileManager.default.removeItem(atPath: stale) }
        snapshotRoot = nil
        chain = key
        try? buildCache.record(cache.inputs, slot: cache.slot)
        session.cacheKeys.record(stage: index, key: key)
        return nil
    }

    /// Writes the entry for a step that ran, once its layer (and every earlier one) is in the store, and
    /// remembers its inputs.
    func remember(_ key: Digest, cache: StepCache) async {
        guard let buildCache = session.cache else { return }
        var inputs = cache.inputs
        inputs.key = key
        let state = image
        // Layers of stages the image doesn't carry are never compressed unless needed: the entry then names the
        // directory that keeps their tree.
        guard state.layers.allSatisfy({ $0.blob.isStarted || $0.keptAs != nil }) else { return }
        let slot = cache.slot
        session.cacheKeys.record(stage: index, key: key)
        let task = Task<Void, Never> {
            var layers: [BuildCache.Entry.Layer] = []
            for layer in state.layers {
                if layer.blob.isStarted {
                    guard let blob = try? await layer.blob.value() else { return }
                    layers.append(.init(descriptor: blob.descriptor, diffID: blob.diffID, directory: nil))
                } else {
                    layers.append(.init(descriptor: nil, diffID: nil, directory: layer.keptAs))
                }
            }
            let entry = BuildCache.Entry(
                configuration: state.configuration, layers: layers, written: Int64(Date().timeIntervalSince1970))
            try? buildCache.save(entry, for: key)
            try? buildCache.record(inputs, slot: slot)
        }
        await session.state.addCacheWrite(task)
    }

    /// Advances the chain past a step that changes only the configuration.
    mutating func chainConfigurationStep(_ text: String) {
        let builder = CacheKeyBuilder("hoist-config-v1")
        builder.add(chain.description)
        builder.add(text)
        chain = builder.finalize()
    }

    /// The chain's start: what the stage is built on.
    func chainStart() -> Digest {
        let builder = CacheKeyBuilder("hoist-base-v1")
        builder.add(platform.description)
        // A fixed image time is an input of every step: it is in the history and clamps the layers' mtimes, so a
        // hit must come from a build with the same time (as BuildKit's SOURCE_DATE_EPOCH reaches RUN steps).
        builder.add(session.request.sourceDateEpoch.map { "epoch=\($0)" } ?? "epoch=now")
        switch planned.base {
        case .scratch: builder.add("scratch")
        case .stage: builder.add(image.cacheKey?.description ?? "stage")
        case .image: builder.add(image.base?.digest.description ?? "image")
        }
        return builder.finalize()
    }
}
