// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Glibc

/// Why a command could not be run in the sandbox. A command that runs and fails is not an error: see `ExitStatus`.
public enum SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request has no command.
    case emptyCommand
    /// A path that must be absolute (`field`: the root, the working directory, a mount target) is not.
    case pathNotAbsolute(field: String, path: String)
    /// A string passed to the sandbox contains a NUL byte, which no system call can carry.
    case containsNUL(field: String)
    /// More extra mounts than the sandbox supports.
    case tooManyMounts(count: Int, limit: Int)
    /// The root directory cannot be opened.
    case rootUnavailable(path: String, errno: Int32)
    /// The root's `/etc/passwd` or `/etc/group` exists but cannot be read.
    case userDatabaseUnreadable(path: String, errno: Int32)
    /// The user name is not in the root's `/etc/passwd`.
    case unknownUser(name: String)
    /// The group name is not in the root's `/etc/group`.
    case unknownGroup(name: String)
    /// A numeric user or group ID is out of range.
    case invalidID(String)
    /// The command was not found in the root (`PATH` searched when it has no slash).
    case executableNotFound(name: String)
    /// A step of the sandbox's setup failed (`step`, on `path`) with this errno; `exec` is the last step.
    case setupFailed(step: String, path: String, errno: Int32)
    /// The monitor process could not be started.
    case spawnFailed(errno: Int32)
    /// A mount point made for the run could not be removed from the root afterwards.
    case cleanupFailed(step: String, path: String, errno: Int32)
    /// The monitor process ended without reporting how the command ended (its wait status).
    case monitorFailed(waitStatus: Int32)

    public var description: String {
        switch self {
        case .emptyCommand: "sandbox: no command to run"
        case .pathNotAbsolute(let field, let path): "sandbox: the \(field) '\(path)' is not an absolute path"
        case .containsNUL(let field): "sandbox: the \(field) contains a NUL byte"
        case .tooManyMounts(let count, let limit): "sandbox: \(count) mounts requested, at most \(limit) supported"
        case .rootUnavailable(let path, let errno): "sandbox: root directory '\(path)': \(Self.message(errno))"
        case .userDatabaseUnreadable(let path, let errno): "sandbox: cannot read \(path): \(Self.message(errno))"
        case .unknownUser(let name): "sandbox: unable to find user \(name): no matching entries in passwd file"
        case .unknownGroup(let name): "sandbox: unable to find group \(name): no matching entries in group file"
        case .invalidID(let value): "sandbox: '\(value)' is not a valid user or group id"
        case .executableNotFound(let name): "sandbox: exec \"\(name)\": executable file not found in the root or $PATH"
        case .setupFailed(let step, let path, let errno):
            path.isEmpty
                ? "sandbox: \(step): \(Self.message(errno))" : "sandbox: \(step) \(path): \(Self.message(errno))"
        case .spawnFailed(let errno): "sandbox: cannot start the monitor process: \(Self.message(errno))"
        case .cleanupFailed(let step, let path, let errno):
            "sandbox: cleanup: \(step) \(path): \(Self.message(errno))"
        case .monitorFailed(let status): "sandbox: the monitor process ended without a report (wait status \(status))"
        }
    }

    static func message(_ errno: Int32) -> String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }
}
