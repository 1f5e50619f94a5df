// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import OCIImage

/// An image a build reads: a `FROM` that is neither `scratch` nor a stage, or an image named by `COPY --from`
/// or `RUN --mount=from=`, with the platform the build asks it for.
public struct BaseReference: Hashable, Sendable, Comparable {
    /// The reference as the Dockerfile names it, after expansion (`localhost/busybox:test`).
    public var name: String
    /// The platform the stage that reads it is built for.
    public var platform: Platform

    /// - Parameters:
    ///   - name: the reference as written, expanded.
    ///   - platform: the platform.
    public init(name: String, platform: Platform) {
        self.name = name
        self.platform = platform
    }

    public static func < (lhs: BaseReference, rhs: BaseReference) -> Bool {
        (lhs.name, LockFile.key(for: lhs.platform)) < (rhs.name, LockFile.key(for: rhs.platform))
    }

    /// The references a build of `request` would resolve: the stages the target needs, planned exactly as
    /// `Builder` plans them (global `ARG`s and `--build-arg`s expanded, `--target` honoured).
    /// - Parameter request: the build's Dockerfile, arguments, target and platform.
    /// - Returns: the references, sorted and unique.
    /// - Throws: `DockerfileError` for the Dockerfile; `OCIImageError` for a malformed `FROM --platform`.
    public static func references(of request: BuildRequest) throws -> [BaseReference] {
        let dockerfile = try Dockerfile.parse(request.dockerfileText, fileName: request.dockerfileName)
        let plan = try dockerfile.typed().plan(
            BuildOptions(
                buildArguments: request.buildArguments, target: request.target, targetPlatform: request.platform))
        let buildPlatform = Platform(
            os: request.platform.os, architecture: request.platform.architecture, variant: request.platform.variant)
        var found: Set<BaseReference> = []
        for index in plan.requiredStages {
            let stage = plan.stages[index]
            // The stage's platform, as StageBuilder chooses it.
            let platform = try stage.platform.map { try Platform(parsing: $0) } ?? buildPlatform
            if case .image(let name) = stage.base { found.insert(BaseReference(name: name, platform: platform)) }
            for name in stage.externalImages { found.insert(BaseReference(name: name, platform: platform)) }
        }
        return found.sorted()
    }
}
