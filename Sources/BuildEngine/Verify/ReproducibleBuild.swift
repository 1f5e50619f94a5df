// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import OCIImage

/// `hoist build --verify-reproducible`: builds the request twice, each time in a fresh temporary root with no
/// build cache, and compares the two image digests. When they are equal, the image of the first build is
/// added to the real store and tagged, exactly as a normal build would leave it; when not, the build fails
/// naming the first difference. See specs/build.md, "Verifying reproducibility".
public struct ReproducibleBuild: Sendable {
    /// The real Hoist root: where the bases come from and where the verified image goes.
    public let root: HoistRoot
    /// Gives the progress observer of build 1 and of build 2.
    public let observer: @Sendable (_ build: Int) -> BuildObserver
    /// Receives what the verification itself has to say (where each build runs, the verdict), one line each.
    public let report: @Sendable (String) -> Void

    /// - Parameters:
    ///   - root: the real root.
    ///   - observer: the progress observer for each build (1 and 2).
    ///   - report: called with the verification's own lines.
    public init(
        root: HoistRoot, observer: @escaping @Sendable (_ build: Int) -> BuildObserver = { _ in { _ in } },
        report: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.root = root
        self.observer = observer
        self.report = report
    }

    /// Builds twice, compares, and on success commits the image to the real store under the request's tags.
    ///
    /// The bases are resolved (and pulled, when needed) once, in the real root; each temporary root gets them
    /// by hard links to the real store's blobs. Both builds run with `--no-cache` and with one image time:
    /// the request's, or the current time when it has none.
    /// - Parameter request: the build, as for `Builder.build`. Its cache options do not matter.
    /// - Returns: the verified build's result, tagged with the request's tags.
    /// - Throws: `ReproducibilityError.notReproducible` when the digests differ; anything `Builder.build`
    ///   throws. Nothing is left under `ROOT/tmp` either way.
    public func build(_ request: BuildRequest) async throws -> BuildResult {
        try Workspace.removeLeftovers(in: root)
        let plan = try Self.plan(request)
        var fixed = request
        if fixed.sourceDateEpoch == nil {
            // Two builds that take "now" each differ in every time they record, and files written by RUN
            // keep their own mtimes: one time for both is what makes them comparable at all.
            let now = Int64(Date().timeIntervalSince1970)
            fixed.sourceDateEpoch = now
            report("image times: \(Timestamp.rfc3339(epochSeconds: now)), fixed for both builds")
        }
        let store = try root.openStore()
        let workspace = try Workspace.create(in: root)
        defer { workspace.remove() }
        let bases = try await locateBases(plan, request: fixed, store: store)
        var results: [(result: BuildResult, root: HoistRoot)] = []
        for number in 1...2 {
            try Task.checkCancellation()
            let temporary = HoistRoot(path: workspace.path + "/root-\(number)")
            try seed(temporary, with: bases, from: store)
            report("verify-reproducible: build \(number) of 2, in \(temporary.path)")
            let result = try await Builder(root: temporary, observer: observer(number)).build(
                Self.temporaryRequest(fixed))
            results.append((result, temporary))
        }
        let (first, second) = (results[0], results[1])
        guard first.result.manifest.digest == second.result.manifest.digest else {
            report(
                "build 1 made \(first.result.manifest.digest); build 2 made \(second.result.manifest.digest)")
            let differences = try await ImageComparison(
                first: first.result, in: try first.root.openStore(), second: second.result,
                in: try second.root.openStore()
            ).differences()
            throw ReproducibilityError.notReproducible(
                first: first.result.manifest.digest, second: second.result.manifest.digest, differences: differences)
        }
        report("reproducible: \(first.result.manifest.digest)")
        return try commit(first.result, from: first.root, into: store, tags: request.tags)
    }

    // MARK: - Private helpers

    private static func plan(_ request: BuildRequest) throws -> BuildPlan {
        let dockerfile = try Dockerfile.parse(request.dockerfileText, fileName: request.dockerfileName)
        return try dockerfile.typed().plan(
            BuildOptions(
                buildArguments: request.buildArguments, target: request.target, targetPlatform: request.platform))
    }

    /// What each build runs: no tags (the temporary stores are thrown away), no cache (local or remote), no
    /// pulls (the bases are already there).
    private static func temporaryRequest(_ request: BuildRequest) -> BuildRequest {
        var temporary = request
        temporary.tags = []
        temporary.noCache = true
        temporary.noCacheStages = []
        temporary.pullAlways = false
        temporary.cacheFrom = []
        temporary.cacheTo = []
        return temporary
    }

    /// The images the required stages start from or copy from, resolved in the real root (pulled there when
    /// missing, or with `--pull`). A `--from` image that can't be resolved here is left to the builds, which
    /// report it as they would.
    private func locateBases(_ plan: BuildPlan, request: BuildRequest, store: LayoutContentStore) async throws
        -> [LocalImages.Image]
    {
        let locator = BaseImageLocator(root: root, store: store, request: request)
        var found: [LocalImages.Image] = []
        for index in plan.requiredStages {
            let stage = plan.stages[index]
            let platform =
                try stage.platform.map { try Platform(parsing: $0) }
                ?? Platform(
                    os: request.platform.os, architecture: request.platform.architecture,
                    variant: request.platform.variant)
            // A base the lock file pins is given as pinned; the builds check the pin themselves.
            if case .image(let name) = stage.base {
                if let pinned = try await locator.locatePinned(name, platform: platform) { found.append(pinned) }
                found.append(try await locator.locate(name, platform: platform))
            }
            for name in stage.externalImages {
                if let pinned = try? await locator.locatePinned(name, platform: platform) { found.append(pinned) }
                if let image = try? await locator.locate(name, platform: platform) { found.append(image) }
            }
        }
        return found
    }

    /// Gives a temporary root the base images: their blobs linked from the real store, their tags set.
    private func seed(_ temporary: HoistRoot, with bases: [LocalImages.Image], from store: LayoutContentStore)
        throws
    {
        let target = try temporary.openStore()
        for image in bases {
            try ImageTransfer(source: store, destination: target).transfer(image.descriptor)
            if let name = image.name { try target.tag(image.descriptor, as: name) }
        }
    }

    /// Adds the verified image to the real store and tags it, and keeps the first build's layer directories
    /// (its new layers, and the bases it extracted) under `ROOT/layers`, as a normal build's finish does.
    private func commit(
        _ result: BuildResult, from temporary: HoistRoot, into store: LayoutContentStore, tags: [ImageReference]
    ) throws -> BuildResult {
        try ImageTransfer(source: try temporary.openStore(), destination: store).transfer(result.manifest)
        for tag in tags { try store.tag(result.manifest, as: LocalImages.storedName(for: tag)) }
        keepLayerDirectories(from: temporary)
        var committed = result
        committed.tags = tags
        if !tags.isEmpty { report("tagged " + tags.map(\.description).joined(separator: ", ")) }
        return committed
    }

    private func keepLayerDirectories(from temporary: HoistRoot) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.layersPath) else { return }
        try? FileManager.default.createDirectory(atPath: root.layersPath, withIntermediateDirectories: true)
        for name in names where name.count == 64 && name.allSatisfy(\.isHexDigit) {
            let destination = root.layersPath + "/" + name
            // Existing directories win; a failed rename only costs a later extraction.
            if !FileManager.default.fileExists(atPath: destination) {
                _ = rename(temporary.layersPath + "/" + name, destination)
            }
        }
    }
}

/// Copies an image (index, manifests, configs, layers) from one layout store to another by hard links, children
/// before their parents, so the destination never holds a manifest whose blobs are missing.
struct ImageTransfer {
    let source: LayoutContentStore
    let destination: LayoutContentStore

    /// Transfers what `descriptor` reaches; a blob the source lacks (another platform's manifest of an index)
    /// is skipped.
    func transfer(_ descriptor: Descriptor) throws {
        guard try source.hasBlob(descriptor.digest) else { return }
        if descriptor.mediaType.isIndex {
            let index = try source.readJSON(ImageIndex.self, digest: descriptor.digest)
            for child in index.manifests { try transfer(child) }
        } else if descriptor.mediaType.isManifest {
            let manifest = try source.readJSON(ImageManifest.self, digest: descriptor.digest)
            for child in [manifest.config] + manifest.layers {
                if try source.hasBlob(child.digest) { try destination.linkBlob(child.digest, from: source) }
            }
        }
        try destination.linkBlob(descriptor.digest, from: source)
    }
}

/// Why `--verify-reproducible` failed.
public enum ReproducibilityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The two builds made different images: their digests, and what differs (config fields, the first
    /// differing layer and file), in the order a reader should look.
    case notReproducible(first: Digest, second: Digest, differences: [String])

    public var description: String {
        switch self {
        case .notReproducible(_, _, let differences):
            "not reproducible: " + differences.joined(separator: "; ")
        }
    }
}
