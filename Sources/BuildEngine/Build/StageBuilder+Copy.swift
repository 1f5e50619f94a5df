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
        var sourceLayers: [String] = []
        var extra: [StepRead] = []
        if let from = copy.from {
            let source = try await sourceImage(from)
            tree = .rootFilesystem(directory: try await session.rootView(of: source, key: from.lowercased()))
            if session.rootMode == .overlay { sourceLayers = try await source.layerDirectories() }
            extra.append(StepRead(from: from, source: source))
        } else {
            tree = .context(directory: session.request.contextDirectory, ignore: session.ignore)
        }
        let temporary = session.workspace.path + "/step-\(step.number)-copy"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        var operation = CopyOperation(
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
        let usesURL = isAdd && copy.sources.contains { $0.hasPrefix("http://") || $0.hasPrefix("https://") }
        // With --from, the key names the source stage's result: what was copied needn't be hashed.
        operation.hashesContent = copy.from == nil || usesURL
        let prepared = operation
        var cache = stepCache(material, extra: extra, position: step.position)
        let result = CopyResultBox()
        if copy.from == nil || usesURL {
            // What was copied is only known once it has been: the key is finished after the copy, and a hit
            // then discards it.
            cache = lateStepCache(cache) {
                (result.value?.sourceDigest ?? SHA256Hasher.digest(of: [UInt8]()), result.value?.entries ?? [:])
            }
        }
        // Copying into a path the stage doesn't have yet needs no overlay semantics: once the nearest existing
        // directory is copied up, the copy can be written into the upper directory directly, several times
        // faster than through the overlay mount. Names in --chown need the image's /etc/passwd, so only
        // numeric owners take this path.
        let direct = DirectCopyTarget()
        let workingDirectory = image.config.WorkingDir ?? "/"
        let eligible =
            session.rootMode == .overlay && !isAdd
            && (copy.chown.map { $0.allSatisfy { $0.isNumber || $0 == ":" } } ?? true)
        return try await filesystemStep(
            createdBy: text, step: step, cache: cache,
            afterUnmount: { upper in
                guard let destination = direct.destination else { return }
                var moved = prepared
                moved.destination = destination
                moved.workingDirectory = "/"
                // Written into a plain directory: files of the source stage's layers can be shared, not copied.
                moved.linkableLayers = sourceLayers
                result.value = try await moved.perform(into: upper)
            }
        ) { root in
            if eligible,
                let destination = try DirectCopyTarget.prepare(
                    copy.destination, workingDirectory: workingDirectory, root: root)
            {
                direct.destination = destination
            } else {
                result.value = try await prepared.perform(into: root)
            }
        }
    }
}

/// Carries a copy's result out of the step's body.
final class CopyResultBox: @unchecked Sendable {
    var value: CopyResult?
}

/// Where a COPY can write straight into the upper directory, if it can.
final class DirectCopyTarget: @unchecked Sendable {
    var destination: String?

    /// When `destination` (resolved in the mounted `root`) doesn't exist yet, copies up its nearest existing
    /// ancestor through the overlay (by creating and removing a file in it, which keeps its metadata) and returns
    /// the resolved destination, to be written into the upper directory after unmounting. Otherwise nil.
    static func prepare(_ destination: String, workingDirectory: String, root: String) throws -> String? {
        let absolute = RootedPath.absolute(destination, from: workingDirectory)
        let host = try RootedPath.resolve(absolute, in: root)
        guard host.hasPrefix(root + "/") else { return nil }
        var info = stat()
        guard lstat(host, &info) != 0, errno == ENOENT else { return nil }
        var ancestor = (host as NSString).deletingLastPathComponent
        while ancestor.count > root.count, lstat(ancestor, &info) != 0 {
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        guard lstat(ancestor, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        let probe = ancestor + "/.hoist-copy-up-\(getpid())"
        let descriptor = open(probe, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        close(descriptor)
        unlink(probe)
        let relative = String(host.dropFirst(root.count))
        return destination.hasSuffix("/") ? relative + "/" : relative
    }
}
