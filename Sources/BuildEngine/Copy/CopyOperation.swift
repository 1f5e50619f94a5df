// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import AsyncHTTPClient
import DockerfileSyntax
import OCIImage

/// One `COPY` or `ADD` instruction, ready to run against a mounted root filesystem.
///
/// Semantics follow `docker build` (BuildKit) and, where the two differ, buildah 1.28; see specs/build.md ("COPY and ADD")
/// and the notes on each option. Every destination path is resolved inside the root, following symbolic
/// links as if the root were `/`, so nothing is ever written outside it.
public struct CopyOperation: Sendable {
    /// Where local sources are read from.
    public enum SourceTree: Sendable, Hashable {
        /// The build context: `.dockerignore`d paths are invisible, and copied entries belong to 0:0 unless
        /// `--chown` is given. Set-user-ID and set-group-ID bits are dropped, as buildah does.
        case context(directory: String, ignore: IgnoreMatcher?)
        /// Another root filesystem (`COPY --from`): ownership is kept unless `--chown` is given.
        case rootFilesystem(directory: String)
    }

    /// The instruction's flags.
    public struct Options: Sendable {
        /// `--chown`: `user`, `uid`, `user:group` or `uid:gid`; names are looked up in the destination root's
        /// `/etc/passwd` and `/etc/group`. A user without a group gets the user's primary group when named,
        /// and a group equal to the uid when numeric (as buildah does).
        public var chown: String?
        /// `--chmod`: an octal mode applied to every copied file and directory (not to symbolic links).
        public var chmod: String?
        /// `--parents`: keep each source's path relative to the context (or to a `/./` pivot in the source).
        public var parents: Bool
        /// `--exclude`: gitignore-like patterns matched relative to each source.
        public var excludes: [String]
        /// `--checksum`: the expected `sha256:` digest of a single URL source of `ADD`.
        public var checksum: String?
        /// `--link`: accepted; the filesystem result is the same.
        public var link: Bool

        /// - Parameters:
        ///   - chown: default none.
        ///   - chmod: default none.
        ///   - parents: default false.
        ///   - excludes: default none.
        ///   - checksum: default none.
        ///   - link: default false.
        public init(
            chown: String? = nil, chmod: String? = nil, parents: Bool = false, excludes: [String] = [],
            checksum: String? = nil, link: Bool = false
        ) {
            self.chown = chown
            self.chmod = chmod
            self.parents = parents
            self.excludes = excludes
            self.checksum = checksum
            self.link = link
        }
    }

    /// The sources as written after variable expansion: paths relative to the source tree (wildcards
    /// allowed) and, for `ADD`, `http://` or `https://` URLs.
    public var sources: [String]
    /// Here-document sources; each becomes a file named after the here-document. The content is written as
    /// ``Heredoc/effectiveContent``; expanding variables in it is the caller's job.
    public var heredocs: [Heredoc]
    /// The destination as written; relative paths are joined to `workingDirectory`.
    public var destination: String
    /// The stage's current `WORKDIR`, an absolute path inside the root.
    public var workingDirectory: String
    /// Whether this is `ADD` (local tar archives are extracted, URLs are downloaded).
    public var isAdd: Bool
    /// Where local sources come from.
    public var sourceTree: SourceTree
    /// The flags.
    public var options: Options
    /// The host directory for temporary files (downloads, decompressed archives).
    public var temporaryDirectory: String
    /// The HTTP client for URL sources.
    public var httpClient: HTTPClient
    /// For a `.rootFilesystem` source that is a read-only overlay view: its layer directories, bottom first.
    /// When the root copied into is a plain directory on their filesystem, a regular file a copy would
    /// reproduce exactly (same owner and mode, no extended attributes) is hard-linked from its layer instead.
    /// Layer directories must never change afterwards. Default none.
    public var linkableLayers: [String] = []
    /// Whether the result's digest covers file contents (each file is hashed as it is copied). A caller whose
    /// cache key does not depend on what was copied turns it off; the digest then covers only paths and
    /// metadata. Default true.
    public var hashesContent = true

    /// Creates a copy operation.
    /// - Parameters:
    ///   - sources: the sources as written after variable expansion.
    ///   - heredocs: here-document sources.
    ///   - destination: the destination as written.
    ///   - workingDirectory: the stage's `WORKDIR`; default `/`.
    ///   - isAdd: whether the instruction is `ADD`; default false.
    ///   - sourceTree: the build context or another root filesystem.
    ///   - options: the flags.
    ///   - temporaryDirectory: host directory for temporary files; default `/tmp`.
    ///   - httpClient: the client for URL sources; default `HTTPClient.shared`.
    public init(
        sources: [String], heredocs: [Heredoc] = [], destination: String, workingDirectory: String = "/",
        isAdd: Bool = false, sourceTree: SourceTree, options: Options = Options(),
        temporaryDirectory: String = "/tmp", httpClient: HTTPClient = .shared
    ) {
        self.sources = sources
        self.heredocs = heredocs
        self.destination = destination
        self.workingDirectory = workingDirectory
        self.isAdd = isAdd
        self.sourceTree = sourceTree
        self.options = options
        self.temporaryDirectory = temporaryDirectory
        self.httpClient = httpClient
    }

    // MARK: - API

    /// Copies the sources into the root filesystem.
    /// - Parameter root: the host path of the mounted root filesystem of the step.
    /// - Returns: counts and the digest of what was copied.
    /// - Throws: ``CopyError``.
    public func perform(into root: String) async throws -> CopyResult {
        let plan = try CopyPlan(operation: self)
        var downloads: [DownloadedFile] = []
        defer { downloads.forEach { $0.remove() } }
        for url in plan.urls {
            downloads.append(try await URLDownloader(client: httpClient).download(url, into: temporaryDirectory))
        }
        if let checksum = plan.checksum, let download = downloads.first, download.digest != checksum {
            throw CopyError.checksumMismatch(url: download.url, expected: checksum, actual: download.digest)
        }
        let finished = downloads
        return try await runBlocking {
            let copier = try TreeCopier(plan: plan, root: root, temporaryDirectory: temporaryDirectory)
            return try copier.run(downloads: finished)
        }
    }

    var isURLSource: (String) -> Bool {
        { isAdd && ($0.hasPrefix("http://") || $0.hasPrefix("https://")) }
    }
}

/// What a ``CopyOperation`` did.
public struct CopyResult: Sendable, Hashable {
    /// How many entries were copied (files, directories, links, extracted archive entries); the destination
    /// directories created on the way are not counted.
    public var entryCount: Int
    /// How many bytes of regular-file content were written.
    public var byteCount: Int64
    /// The SHA-256 of a canonical description of what was copied, in sorted order of the path in the root:
    /// path, type, mode, owner, link target and content digest of every entry, never a time. Meant as a
    /// build-cache key.
    public var sourceDigest: Digest
    /// Each copied path in the root and a fingerprint of its record (the same fields as `sourceDigest`), so
    /// that a cache miss can name the path that changed.
    public var entries: [String: String]

    /// Creates a result.
    public init(entryCount: Int, byteCount: Int64, sourceDigest: Digest, entries: [String: String] = [:]) {
        self.entryCount = entryCount
        self.byteCount = byteCount
        self.sourceDigest = sourceDigest
        self.entries = entries
    }
}
