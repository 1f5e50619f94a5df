// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Errors of layer writing and applying.
public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    /// An archive entry's path is absolute, has a `..` component, or is otherwise unusable.
    case unsafePath(entry: String, reason: String)
    /// Resolving an entry's parent directories met a symbolic link, which the applier refuses.
    case symlinkInPath(entry: String)
    /// An entry's path or link target would resolve outside the root directory.
    case escapesRoot(entry: String, target: String)
    /// A hard link names a target that does not exist inside the root.
    case hardlinkTargetMissing(entry: String, target: String)
    /// A component of an entry's parent path exists and is not a directory.
    case notADirectory(entry: String)
    /// An entry type the layer format cannot carry, or the applier does not accept.
    case unsupportedEntry(entry: String, type: String)
    /// A change set is inconsistent (a path both kept and opaque without being a directory, …).
    case invalidChange(path: String, reason: String)
    /// A file changed size while it was being archived.
    case fileChanged(path: String)
    /// libarchive failed; `code` is its return value and `message` its own error string.
    case library(operation: String, code: Int32, message: String)
    /// A compressor or decompressor failed, or the compressed stream is corrupt.
    case compression(codec: String, code: Int32, message: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// The layer's uncompressed content does not hash to the diffID the caller expected.
    case diffIDMismatch(expected: Digest, actual: Digest)
    /// The content store failed (including `digestMismatch` when a blob's bytes are not its digest).
    case content(OCIImageError)
    /// An option is out of range (a compression level, a thread count).
    case invalidOption(String)
    /// The surrounding task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .unsafePath(let entry, let reason): "refused archive entry '\(entry)': \(reason)"
        case .symlinkInPath(let entry):
            "refused archive entry '\(entry)': a parent directory is a symbolic link"
        case .escapesRoot(let entry, let target):
            "refused archive entry '\(entry)': '\(target)' resolves outside the root directory"
        case .hardlinkTargetMissing(let entry, let target):
            "hard link '\(entry)' names '\(target)', which does not exist in the root directory"
        case .notADirectory(let entry):
            "cannot place archive entry '\(entry)': a parent path component is not a directory"
        case .unsupportedEntry(let entry, let type): "cannot archive '\(entry)': \(type) is not supported"
        case .invalidChange(let path, let reason): "invalid change for '\(path)': \(reason)"
        case .fileChanged(let path): "file '\(path)' changed size while it was being archived"
        case .library(let operation, let code, let message): "libarchive \(operation) failed (\(code)): \(message)"
        case .compression(let codec, let code, let message): "\(codec) failed (\(code)): \(message)"
        case .io(let operation, let path, let errno): "\(operation) \(path): \(systemErrorMessage(errno))"
        case .diffIDMismatch(let expected, let actual):
            "layer content does not match its diffID: expected \(expected), got \(actual)"
        case .content(let underlying): underlying.description
        case .invalidOption(let reason): "invalid layer option: \(reason)"
        case .cancelled: "layer operation cancelled"
        }
    }
}

extension ArchiveError {
    /// Runs a content-store call, wrapping its error as `.content`.
    static func wrapStore<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as OCIImageError {
            throw ArchiveError.content(error)
        }
    }
}
