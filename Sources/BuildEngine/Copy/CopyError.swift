// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Glibc
import OCIImage

/// Why a `COPY` or `ADD` failed.
public enum CopyError: Error, Sendable, CustomStringConvertible {
    /// A source does not exist in the source tree.
    case sourceNotFound(source: String)
    /// A source exists in the build context but `.dockerignore` excludes it.
    case sourceExcludedByIgnoreFile(source: String)
    /// A wildcard source matched nothing.
    case noMatch(source: String)
    /// A source pattern is malformed (Go `filepath.ErrBadPattern`).
    case invalidPattern(String)
    /// More than one source was given and the destination does not end with `/`.
    case destinationNotDirectory(destination: String)
    /// A directory was to be written where a non-directory exists, or the other way round.
    case cannotOverwrite(path: String, reason: String)
    /// Resolving a path met too many symbolic links.
    case tooManySymlinks(path: String)
    /// The `--chown` spec names an unknown user or group, or is malformed.
    case invalidOwner(spec: String, underlying: any Error)
    /// The `--chmod` value is not an octal mode.
    case invalidMode(String)
    /// The `--checksum` value is not a digest, or was given for something other than one URL.
    case invalidChecksum(String)
    /// A downloaded file does not match `--checksum`.
    case checksumMismatch(url: String, expected: Digest, actual: Digest)
    /// A download failed.
    case downloadFailed(url: String, reason: String)
    /// The URL has no file name to save the download as.
    case urlHasNoFileName(url: String)
    /// A local archive could not be extracted.
    case extractionFailed(source: String, underlying: any Error)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .sourceNotFound(let source): "source '\(source)' not found: no such file or directory"
        case .sourceExcludedByIgnoreFile(let source):
            "source '\(source)' not found: it is excluded by .dockerignore (check your .dockerignore file)"
        case .noMatch(let source): "no source files were specified: '\(source)' matches no file"
        case .invalidPattern(let pattern): "invalid source pattern '\(pattern)'"
        case .destinationNotDirectory(let destination):
            "with more than one source file the destination must be a directory and end with a /, not '\(destination)'"
        case .cannotOverwrite(let path, let reason): "cannot copy to \(path): \(reason)"
        case .tooManySymlinks(let path): "cannot resolve \(path): too many levels of symbolic links"
        case .invalidOwner(let spec, let underlying): "invalid --chown '\(spec)': \(underlying)"
        case .invalidMode(let text): "invalid --chmod '\(text)': expected an octal mode such as 0644"
        case .invalidChecksum(let text): "invalid --checksum '\(text)': expected sha256:<64 hex digits> for one url"
        case .checksumMismatch(let url, let expected, let actual):
            "checksum mismatch for \(url): expected \(expected), got \(actual)"
        case .downloadFailed(let url, let reason): "cannot download \(url): \(reason)"
        case .urlHasNoFileName(let url):
            "cannot determine a file name from the url \(url); give a destination file name"
        case .extractionFailed(let source, let underlying): "cannot extract archive '\(source)': \(underlying)"
        case .io(let operation, let path, let code): "\(operation) \(path): \(String(cString: strerror(code)))"
        case .cancelled: "copy cancelled"
        }
    }
}
