// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Everything needed to run one command in the sandbox.
public struct RunRequest: Sendable, Hashable {
    /// The host path of the directory that becomes `/`. It is modified only as `specs/sandbox.md` describes:
    /// the working directory is created when missing, and mount points made for the step are removed afterwards.
    public var root: String
    /// The command line; the first element is looked up in the environment's `PATH` (inside the root) unless it
    /// contains a slash.
    public var arguments: [String]
    /// The environment, as `NAME=value` strings in order. `HOME` is added from the user's passwd entry when missing.
    public var environment: [String]
    /// An absolute path inside the root; created (root-owned, mode 0755) when missing.
    public var workingDirectory: String
    /// `name`, `uid`, `name:group`, `uid:gid` (any mix), resolved with the root's own `/etc/passwd` and
    /// `/etc/group`; empty means root.
    public var user: String
    /// The host name inside the sandbox's UTS namespace; `nil` keeps the host's.
    public var hostname: String?
    /// Whether the command shares the host's network.
    public var network: NetworkMode
    /// Mounts added for this run only, after the standard ones, in order.
    public var mounts: [Mount]
    /// The host files bound read-only on `/etc/resolv.conf` and `/etc/hosts`.
    public var hostFiles: HostFiles

    /// Creates a request.
    /// - Parameters:
    ///   - root: the host directory that becomes `/`.
    ///   - arguments: the command line.
    ///   - environment: `NAME=value` strings.
    ///   - workingDirectory: an absolute path inside the root.
    ///   - user: a user spec (`name`, `uid`, `uid:gid`, `name:group`); empty for root.
    ///   - hostname: the host name inside the sandbox.
    ///   - network: `.host` (shared) or `.none` (only loopback).
    ///   - mounts: extra mounts for this run.
    ///   - hostFiles: where `/etc/resolv.conf` and `/etc/hosts` come from.
    public init(
        root: String, arguments: [String], environment: [String] = [], workingDirectory: String = "/",
        user: String = "", hostname: String? = "hoist", network: NetworkMode = .host, mounts: [Mount] = [],
        hostFiles: HostFiles = .host
    ) {
        self.root = root
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.hostname = hostname
        self.network = network
        self.mounts = mounts
        self.hostFiles = hostFiles
    }
}

/// The network a sandboxed command sees.
public enum NetworkMode: String, Sendable, Hashable, CaseIterable {
    /// The host's network namespace (`RUN --network=host`, the default for builds).
    case host
    /// A new network namespace with only the loopback interface, up (`--network none`).
    case none
}

/// A mount added inside the sandbox for one run (the build engine's `RUN --mount`).
public struct Mount: Sendable, Hashable {
    /// What is mounted.
    public enum Kind: Sendable, Hashable {
        /// A recursive bind of a host path (a directory or a file).
        case bind(source: String)
        /// A new, empty tmpfs.
        case tmpfs(sizeBytes: Int?, mode: UInt32?)
    }

    /// What is mounted.
    public var kind: Kind
    /// An absolute path inside the root. Missing components are created for the run and removed afterwards.
    public var target: String
    /// Whether the mount is read-only.
    public var isReadOnly: Bool

    /// Creates a mount.
    public init(kind: Kind, target: String, isReadOnly: Bool) {
        self.kind = kind
        self.target = target
        self.isReadOnly = isReadOnly
    }

    /// A bind of the host path `source` on `target`.
    /// - Parameters:
    ///   - source: a host path, a directory or a file.
    ///   - target: an absolute path inside the root.
    ///   - readOnly: whether writes are refused.
    /// - Returns: the mount.
    public static func bind(source: String, target: String, readOnly: Bool = true) -> Mount {
        Mount(kind: .bind(source: source), target: target, isReadOnly: readOnly)
    }

    /// A new tmpfs on `target`.
    /// - Parameters:
    ///   - target: an absolute path inside the root.
    ///   - sizeBytes: the size limit; `nil` for the kernel's default (half of RAM).
    ///   - mode: the permissions of the tmpfs root; `nil` for 1777.
    /// - Returns: the mount.
    public static func tmpfs(target: String, sizeBytes: Int? = nil, mode: UInt32? = nil) -> Mount {
        Mount(kind: .tmpfs(sizeBytes: sizeBytes, mode: mode), target: target, isReadOnly: false)
    }
}

/// The host files bound (read-only, for the step only) on the sandbox's `/etc/resolv.conf` and `/etc/hosts`.
/// A host file that does not exist is skipped.
public struct HostFiles: Sendable, Hashable {
    /// The host file for `/etc/resolv.conf`, or `nil` to leave the root's own.
    public var resolvConf: String?
    /// The host file for `/etc/hosts`, or `nil` to leave the root's own.
    public var hosts: String?

    /// Creates the pair.
    public init(resolvConf: String?, hosts: String?) {
        self.resolvConf = resolvConf
        self.hosts = hosts
    }

    /// The host's own `/etc/resolv.conf` and `/etc/hosts`.
    public static let host = HostFiles(resolvConf: "/etc/resolv.conf", hosts: "/etc/hosts")
    /// Neither: the root's files (if any) are used as they are.
    public static let none = HostFiles(resolvConf: nil, hosts: nil)
}
