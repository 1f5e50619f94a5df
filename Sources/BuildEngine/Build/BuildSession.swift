// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import LayerArchive
import OCIImage
import Registry

/// One build in progress: what every stage shares.
final class BuildSession: Sendable {
    let root: HoistRoot
    let store: LayoutContentStore
    let request: BuildRequest
    let typed: TypedDockerfile
    let plan: BuildPlan
    let workspace: Workspace
    let observer: BuildObserver
    let layers: LayerDirectories
    let ignore: IgnoreMatcher?
    let state = SessionState()
    /// How stage roots are made: overlay mounts, or (where overlayfs is unavailable) directories compared
    /// before and after each step.
    let rootMode: RootMode
    /// The target stage and the stages it is built on (FROM chain): the stages whose layers the image carries.
    let exportedStages: Set<Int>
    /// The local build cache (`ROOT/cache`), or nil when it can't be opened.
    let cache: BuildCache?
    /// Compressed blocks of earlier layers (`ROOT/cache/gzip-blocks`): a layer that is mostly like one written
    /// before compresses only what differs.
    let blockMemo: GzipBlockMemo
    /// The `--cache-from` caches that could be read, if any.
    let remoteCache: RemoteCacheImporter?
    /// The cache keys this build hit or wrote, for `--cache-to`.
    let cacheKeys = CacheKeyLog()

    init(
        root: HoistRoot, store: LayoutContentStore, request: BuildRequest, typed: TypedDockerfile, plan: BuildPlan,
        workspace: Workspace, observer: @escaping BuildObserver, remoteCache: RemoteCacheImporter? = nil
    ) throws {
        self.root = root
        self.store = store
        self.request = request
        self.typed = typed
        self.plan = plan
        self.workspace = workspace
        self.observer = observer
        self.layers = try LayerDirectories(path: root.layersPath, store: store)
        self.ignore = try Self.loadIgnore(request)
        self.rootMode = RootMode.detect(workspace: workspace, empty: layers.emptyPath, observer: observer)
        self.cache = try? BuildCache(path: root.cachePath, store: store, layersPath: root.layersPath)
        self.blockMemo = GzipBlockMemo(directory: root.blockIndexesPath) { store.blobPath($0) }
        self.remoteCache = remoteCache
        var exported: Set<Int> = [plan.target]
        var current = plan.target
        while case .stage(let earlier) = plan.stages[current].base {
            exported.insert(earlier)
            current = earlier
        }
        self.exportedStages = exported
    }

    private static func loadIgnore(_ request: BuildRequest) throws -> IgnoreMatcher? {
        for candidate in IgnoreFile.candidates(
            dockerfilePath: request.dockerfilePath, contextDirectory: request.contextDirectory)
        {
            guard let text = try? String(contentsOfFile: candidate, encoding: .utf8) else { continue }
            return try IgnoreMatcher(patterns: IgnoreFile.patterns(in: text))
        }
        return nil
    }

    /// The writer of new layers: the build's compression, and its times clamping mtimes.
    var layerWriter: LayerWriter {
        var writer = LayerWriter(
            store: store, options: .init(compression: request.compression, sourceDateEpoch: request.sourceDateEpoch))
        writer.blockMemo = blockMemo
        return writer
    }

    /// Writes `diff` as step `step`'s layer into the store and reports it.
    func writeLayer(_ diff: FilesystemDiff, step: Int) async throws -> LayerBlob {
        let started = Date()
        let result = try await layerWriter.write(diff)
        observer(
            .layerWritten(
                step: step, digest: result.descriptor.digest, size: result.descriptor.size,
                elapsed: Date().timeIntervalSince(started)))
        return LayerBlob(descriptor: result.descriptor, diffID: result.diffID)
    }

    /// The time every new part of the image carries: SOURCE_DATE_EPOCH when given, else now.
    func created() -> String {
        Timestamp.rfc3339(epochSeconds: request.sourceDateEpoch ?? Int64(Date().timeIntervalSince1970))
    }

    /// Runs every required stage and commits the target's image.
    func run() async throws -> BuildResult {
        for index in plan.requiredStages {
            let task = Task {
                var builder = StageBuilder(session: self, index: index)
                return try await builder.build()
            }
            await state.register(stage: index, task: task)
        }
        let target = plan.target
        let image: ImageState
        do {
            image = try await withTaskCancellationHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in plan.requiredStages {
                        group.addTask { _ = try await self.state.stage(index) }
                    }
                    try await group.waitForAll()
                }
                return try await state.stage(target)
            } onCancel: {
                Task { await self.state.cancelStages() }
            }
        } catch {
            await state.cancelStages()
            await state.waitForStages()
            throw error
        }
        return try await ImageCommitter(session: self).commit(image)
    }

    /// Waits for background work, unmounts views, keeps the new layers' directories and removes the workspace.
    func finish() async {
        await state.waitForStages()
        await state.unmountViews()
        for (upper, blob, keptAs) in await state.takeNewLayers() {
            if blob.isStarted, let finished = try? await blob.value() {
                _ = await layers.adopt(upper, diffID: finished.diffID)
            } else if let keptAs, !FileManager.default.fileExists(atPath: layers.path + "/" + keptAs),
                rename(upper, layers.path + "/" + keptAs) == 0
            {
                // Kept for the build cache: a stage only copied from, whose layer was never compressed.
            } else {
                try? FileManager.default.removeItem(atPath: upper)
            }
        }
        workspace.remove()
    }

    /// The image a stage (by index) produced.
    func stageImage(_ index: Int) async throws -> ImageState {
        try await state.stage(index)
    }

    /// Starts a step: numbers it and reports it.
    func beginStep(stage: String, position: Int, count: Int, instruction: String, location: SourceRange) async
        -> BuildStep
    {
        let number = await state.nextStepNumber()
        let step = BuildStep(
            number: number, stage: stage, position: position, stageStepCount: count, instruction: instruction,
            location: location)
        observer(.stepStarted(step))
        return step
    }

    /// A read-only view of an image's root filesystem (COPY --from, RUN --mount=from=), mounted once per build.
    func rootView(of image: ImageState, key: String) async throws -> String {
        if let existing = await state.view(key) { return existing }
        let target = workspace.path + "/view-" + SHA256Hasher.digest(of: Array(key.utf8)).encoded.prefix(16)
        if rootMode == .snapshot {
            if !FileManager.default.fileExists(atPath: target) { try await materialize(image, at: target) }
            return target
        }
        let directories = try await image.layerDirectories()
        if directories.isEmpty { return layers.emptyPath }
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let mount = try OverlayMount.mount(
            lowers: directories, upper: nil, work: nil, at: target, empty: layers.emptyPath)
        if let existing = await state.addView(key, mount) {
            _ = mount.unmountQuietly()
            return existing
        }
        return target
    }

    /// Applies every layer of `image` onto a new directory: a stage root without overlay.
    func materialize(_ image: ImageState, at path: String) async throws {
        let staging = path + ".new"
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        _ = chmod(staging, 0o755)
        let applier = LayerApplier(store: store, options: .init(whiteouts: .apply))
        for blob in try await image.layerBlobs() {
            _ = try await applier.apply(blob.descriptor.digest, onto: staging)
        }
        guard rename(staging, path) == 0 else {
            throw BuildError.exportFailed(path: path, reason: systemErrorMessage(errno))
        }
    }

    // MARK: - Base images

    /// Resolves a `FROM` or `--from` image: the local store first (unless --pull=always), else its registry.
    func baseImage(_ name: String, platform: Platform) async throws -> ImageState {
        try await state.base(name + "\u{0}" + platform.description) {
            try await self.loadBase(name, platform: platform)
        }
    }

    private func loadBase(_ name: String, platform: Platform) async throws -> ImageState {
        let locator = BaseImageLocator(root: root, store: store, request: request)
        let image: LocalImages.Image
        // A base the lock file pins is loaded by its pinned digest (specs/lock.md).
        if let reference = try? ImageReference(parsing: name),
            let locked = try await lockedBase(reference, name: name, platform: platform)
        {
            image = locked
        } else {
            image = try await locator.locate(name, platform: platform)
        }
        let local = LocalImages(store: store)
        let (manifestDescriptor, manifest) = try local.manifest(of: image, platform: platform)
        let configuration = try store.readJSON(ImageConfiguration.self, digest: manifest.config.digest)
        guard configuration.rootfs.diff_ids.count == manifest.layers.count else {
            throw BuildError.baseImageUnavailable(
                name: name,
                reason: "its config lists \(configuration.rootfs.diff_ids.count) diffIDs for "
                    + "\(manifest.layers.count) layers")
        }
        let stageLayers = zip(manifest.layers, configuration.rootfs.diff_ids).map { descriptor, diffID in
            StageLayer.stored(LayerBlob(descriptor: descriptor, diffID: diffID), directories: layers)
        }
        return ImageState(
            configuration: configuration, layers: stageLayers,
            base: BuildResult.BaseImage(name: name, digest: manifestDescriptor.digest))
    }
}

/// The mutable part of a build session.
actor SessionState {
    private var stepCounter = 0
    private var stages: [Int: Task<ImageState, any Error>] = [:]
    private var bases: [String: Task<ImageState, any Error>] = [:]
    private var views: [String: OverlayMount] = [:]
    private var newLayers: [(upper: String, blob: LayerBlobSource, keptAs: String?)] = []
    private var cacheWrites: [Task<Void, Never>] = []

    func nextStepNumber() -> Int {
        stepCounter += 1
        return stepCounter
    }

    func register(stage index: Int, task: Task<ImageState, any Error>) { stages[index] = task }

    func stage(_ index: Int) async throws -> ImageState {
        guard let task = stages[index] else { throw CancellationError() }
        return try await task.value
    }

    func cancelStages() { for task in stages.values { task.cancel() } }

    func waitForStages() async {
        for task in stages.values { _ = try? await task.value }
        for layer in newLayers where layer.blob.isStarted { _ = try? await layer.blob.value() }
        for write in cacheWrites { await write.value }
    }

    func addCacheWrite(_ task: Task<Void, Never>) { cacheWrites.append(task) }

    func base(_ key: String, load: @escaping @Sendable () async throws -> ImageState) async throws -> ImageState {
        if let task = bases[key] { return try await task.value }
        let task = Task { try await load() }
        bases[key] = task
        return try await task.value
    }

    /// Every base image resolved so far, by name.
    func resolvedBases() async -> [BuildResult.BaseImage] {
        var found: Set<BuildResult.BaseImage> = []
        for task in bases.values {
            if let base = try? await task.value.base { found.insert(base) }
        }
        return found.sorted { ($0.name, $0.digest.description) < ($1.name, $1.digest.description) }
    }

    func view(_ key: String) -> String? { views[key]?.target }

    /// Records a view; returns the existing one's target when another task mounted it first.
    func addView(_ key: String, _ mount: OverlayMount) -> String? {
        if let existing = views[key] { return existing.target }
        views[key] = mount
        return nil
    }

    func unmountViews() {
        for mount in views.values { _ = mount.unmountQuietly() }
        views = [:]
    }

    func addNewLayer(upper: String, blob: LayerBlobSource, keptAs: String?) {
        newLayers.append((upper, blob, keptAs))
    }

    func takeNewLayers() -> [(upper: String, blob: LayerBlobSource, keptAs: String?)] {
        defer { newLayers = [] }
        return newLayers
    }
}

/// How a build makes its stages' root filesystems.
enum RootMode: Sendable, Equatable {
    /// An overlay mount per step; the upper directory is the step's diff.
    case overlay
    /// A plain directory per stage, snapshotted before each step and compared after it (slower: every step
    /// walks the tree, and layers are written before the next step starts).
    case snapshot

    /// Overlay when the kernel lets this process mount one, else snapshot (with a warning);
    /// `HOIST_ROOTS=snapshot` forces the fallback.
    static func detect(workspace: Workspace, empty: String, observer: BuildObserver) -> RootMode {
        if ProcessInfo.processInfo.environment["HOIST_ROOTS"] == "snapshot" { return .snapshot }
        let probe = workspace.path + "/overlay-probe"
        defer { try? FileManager.default.removeItem(atPath: probe) }
        do {
            for part in ["upper", "work", "root"] {
                try FileManager.default.createDirectory(atPath: probe + "/" + part, withIntermediateDirectories: true)
            }
            let mount = try OverlayMount.mount(
                lowers: [], upper: probe + "/upper", work: probe + "/work", at: probe + "/root", empty: empty)
            try mount.unmount()
            return .overlay
        } catch {
            observer(.warning("overlay mounts are unavailable (\(error)); using snapshot roots, which are slower"))
            return .snapshot
        }
    }
}
