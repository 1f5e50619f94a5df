// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation

extension StageBuilder {
    /// `COPY` and `ADD`: the sources (the context, or the tree of `--from`) copied into the stage's root by
    /// `CopyOperation` (specs/build.md ("COPY and ADD")); what changed becomes a layer.
    mutating func copy(_ copy: Copy, isAdd: Bool, instruction: Instruction, text: String, step: BuildStep) async throws
        -> StepOutcome
    {
        let tree: CopyOperation.SourceTree
        if let from = copy.from {
            tree = .rootFilesystem(directory: try await sourceRoot(from))
        } else {
            tree = .context(directory: session.request.contextDirectory, ignore: session.ignore)
        }
        let temporary = session.workspace.path + "/step-\(step.number)-copy"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let operation = CopyOperation(
            sources: copy.sources, heredocs: copy.heredocSources, destination: copy.destination,
            workingDirectory: image.config.WorkingDir ?? "/", isAdd: isAdd, sourceTree: tree,
            options: .init(
                chown: copy.chown, chmod: copy.chmod, parents: copy.parents, excludes: copy.excludes,
                checksum: copy.checksum, link: copy.link),
            temporaryDirectory: temporary)
        return try await filesystemStep(createdBy: text, step: step) { root in
            _ = try await operation.perform(into: root)
        }
    }
}
