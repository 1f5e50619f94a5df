// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Errors of `hoist lock` and of builds that use a lock file (`--locked`). See specs/lock.md.
public enum LockError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The lock file exists but can't be used.
    case unreadable(path: String, reason: String)
    /// The lock file could not be written.
    case writeFailed(path: String, reason: String)
    /// `--locked`, and there is no lock file.
    case lockFileMissing(path: String)
    /// `--locked` with a Dockerfile read from standard input, which has no lock file beside it.
    case noLockFileForStandardInput
    /// `--locked`, and the lock has no pin for a reference (or for the platform built).
    case referenceMissing(name: String, platform: String, path: String)
    /// `--locked`, and the reference now resolves to another digest than the lock pins.
    case referenceMoved(name: String, platform: String, locked: Digest, current: Digest)
    /// `--locked`, and what the reference resolves to now could not be found out.
    case referenceUnverifiable(name: String, platform: String, locked: Digest, reason: String)
    /// A reference could not be resolved to a digest.
    case unresolvable(name: String, platform: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot use the lock file \(path): \(reason)"
        case .writeFailed(let path, let reason): "cannot write the lock file \(path): \(reason)"
        case .lockFileMissing(let path): "--locked needs a lock file, and there is none at \(path); run `hoist lock`"
        case .noLockFileForStandardInput:
            "--locked needs a lock file, and a Dockerfile read from standard input has none; use -f FILE"
        case .referenceMissing(let name, let platform, let path):
            "base image '\(name)' (\(platform)) is not in the lock file \(path); run `hoist lock`"
        case .referenceMoved(let name, let platform, let locked, let current):
            "base image '\(name)' (\(platform)) is locked to \(locked) but now resolves to \(current); "
                + "run `hoist lock --update`"
        case .referenceUnverifiable(let name, let platform, let locked, let reason):
            "base image '\(name)' (\(platform)) is locked to \(locked), and what it resolves to now can't be "
                + "checked: \(reason)"
        case .unresolvable(let name, let platform, let reason):
            "base image '\(name)' (\(platform)) can't be resolved: \(reason)"
        }
    }
}
