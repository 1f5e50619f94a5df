// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import OCIImage

/// A ``CopyOperation`` with its flags parsed and its destination joined to the working directory; no I/O.
struct CopyPlan: Sendable {
    let localSources: [String]
    let urls: [String]
    let heredocs: [Heredoc]
    /// The destination as an absolute, lexically cleaned path inside the root.
    let destination: String
    /// Whether the destination names a directory: it ends with `/` (or `.`), or there are several sources,
    /// or `--parents` is set.
    let destinationIsDirectory: Bool
    let isAdd: Bool
    let sourceTree: CopyOperation.SourceTree
    let chown: String?
    let chmod: UInt32?
    let checksum: Digest?
    let parents: Bool
    let excludes: IgnoreMatcher?
    let linkableLayers: [String]
    let hashesContent: Bool

    init(operation: CopyOperation) throws(CopyError) {
        var local: [String] = []
        var urls: [String] = []
        for source in operation.sources {
            if operation.isURLSource(source) { urls.append(source) } else { local.append(source) }
        }
        localSources = local
        self.urls = urls
        heredocs = operation.heredocs
        isAdd = operation.isAdd
        sourceTree = operation.sourceTree
        parents = operation.options.parents
        chown = operation.options.chown
        linkableLayers = operation.linkableLayers
        hashesContent = operation.hashesContent

        let written = operation.destination
        let joined = written.hasPrefix("/") ? written : operation.workingDirectory + "/" + written
        destination = SlashPath.clean("/" + joined)
        let namesDirectory =
            written.isEmpty || written.hasSuffix("/") || written == "." || written.hasSuffix("/.")
            || written == ".." || written.hasSuffix("/..")
        let sourceCount = operation.sources.count + operation.heredocs.count
        if sourceCount > 1 && !namesDirectory && !operation.options.parents {
            throw .destinationNotDirectory(destination: written)
        }
        destinationIsDirectory = namesDirectory || sourceCount > 1 || operation.options.parents

        chmod = try operation.options.chmod.map { text throws(CopyError) in
            guard !text.isEmpty, let mode = UInt32(text, radix: 8), mode <= 0o7777 else {
                throw .invalidMode(text)
            }
            return mode
        }
        if let text = operation.options.checksum {
            guard operation.isAdd, urls.count == 1, operation.sources.count == 1,
                let digest = try? Digest(parsing: text), digest.algorithm == "sha256"
            else { throw .invalidChecksum(text) }
            checksum = digest
        } else {
            checksum = nil
        }
        if operation.options.excludes.isEmpty {
            excludes = nil
        } else {
            do {
                excludes = try IgnoreMatcher(patterns: operation.options.excludes)
            } catch {
                throw .invalidPattern(operation.options.excludes.joined(separator: " "))
            }
        }
    }
}
