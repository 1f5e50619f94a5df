// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import OCIImage

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
        var material = [isAdd ? "ADD" : "COPY", copy.destination, image.config.WorkingDir ?? "/"]
        material += copy.sources + copy.heredocSources.map { $0.name + "\u{0}" + $0.content }
        material +=
            [
                "from=" + (copy.from ?? ""), "chown=" + (copy.chown ?? ""), "chmod=" + (copy.chmod ?? ""),
                "parents=\(copy.parents)", "link=\(copy.link)", "checksum=" + (copy.checksum ?? ""),
            ] + copy.excludes.map { "exclude=" + $0 }
        var extra: [String] = []
        let usesURL = isAdd && copy.sources.contains { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
        if let from = copy.from {
            let source = try await sourceImage(from)
            extra.append(source.cacheKey?.description ?? source.base?.digest.description ?? "unknown:" + from)
        }
        var cache = stepCache(material, extra: extra, position: step.position)
        let result = CopyResultBox()
        if copy.from == nil || usesURL {
            // What was copied is only known once it has been: the key is finished after the copy, and a hit
            // then discards it.
            cache = lateStepCache(cache) {
                (result.value?.sourceDigest ?? SHA256Hasher.digest(of: [UInt8]()), result.value?.entries ?? [:])
            }
        }
        return try await filesystemStep(createdBy: text, step: step, cache: cache) { root in
            result.value = try await operation.perform(into: root)
        }
    }
}

/// Carries a copy's result out of the step's body.
final class CopyResultBox: @unchecked Sendable {
    var value: CopyResult?
}
