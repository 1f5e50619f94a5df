// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// How a build uses a lock file (`BuildRequest.lock`). See specs/lock.md.
public struct LockPolicy: Sendable, Equatable {
    /// The lock file's path, for messages.
    public var path: String
    /// The lock, or nil when there is no file at `path`.
    public var file: LockFile?
    /// `--locked`: a reference missing from the lock, or whose tag now resolves elsewhere, fails the build.
    public var isRequired: Bool

    /// - Parameters:
    ///   - path: the lock file's path.
    ///   - file: the lock read from it, if there is one.
    ///   - isRequired: `--locked`.
    public init(path: String, file: LockFile?, isRequired: Bool) {
        self.path = path
        self.file = file
        self.isRequired = isRequired
    }

    /// Reads the lock file of a Dockerfile for a build.
    /// - Parameters:
    ///   - dockerfilePath: the Dockerfile's path; nil when it came from standard input.
    ///   - lockPath: an explicit lock file (`--lock-file`), instead of `DOCKERFILE.lock`.
    ///   - isRequired: `--locked`.
    /// - Returns: the policy, or nil when there is nothing to use and nothing is required.
    /// - Throws: `LockError` when `--locked` has no lock file to use, or the file is unreadable.
    public static func load(dockerfilePath: String?, lockPath: String?, isRequired: Bool) throws -> LockPolicy? {
        guard let path = lockPath ?? dockerfilePath.map(LockFile.path(forDockerfile:)) else {
            if isRequired { throw LockError.noLockFileForStandardInput }
            return nil
        }
        let file = try LockFile.read(at: path)
        if file == nil {
            if isRequired { throw LockError.lockFileMissing(path: path) }
            return nil
        }
        return LockPolicy(path: path, file: file, isRequired: isRequired)
    }
}
