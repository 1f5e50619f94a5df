// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CSandbox
import Glibc

/// A user and its groups, ready for `setgroups`/`setgid`/`setuid`.
public struct ResolvedUser: Sendable, Hashable {
    /// The user ID.
    public var uid: UInt32
    /// The primary group ID.
    public var gid: UInt32
    /// The supplementary group IDs.
    public var supplementaryGroups: [UInt32]
    /// The home directory (`/` when the user has no passwd entry), used for `HOME` when the environment has none.
    public var home: String

    /// Creates a resolved user.
    public init(uid: UInt32, gid: UInt32, supplementaryGroups: [UInt32], home: String) {
        self.uid = uid
        self.gid = gid
        self.supplementaryGroups = supplementaryGroups
        self.home = home
    }
}

/// The users and groups of a root filesystem, read from its own `/etc/passwd` and `/etc/group`.
///
/// Resolution follows runc (and so Docker and BuildKit): a numeric user or group that has no entry is used as is;
/// a name that has none is an error; with no explicit group, the supplementary groups are those of `/etc/group`
/// listing the user; with an explicit group, there are none.
public struct UserDatabase: Sendable, Hashable {
    /// A line of `/etc/passwd`.
    public struct User: Sendable, Hashable {
        public var name: String
        public var uid: UInt32
        public var gid: UInt32
        public var home: String
    }

    /// A line of `/etc/group`.
    public struct Group: Sendable, Hashable {
        public var name: String
        public var gid: UInt32
        public var members: [String]
    }

    /// The users, in file order.
    public var users: [User]
    /// The groups, in file order.
    public var groups: [Group]

    /// Parses the text of `/etc/passwd` and `/etc/group`; malformed lines are skipped, as libc does.
    /// - Parameters:
    ///   - passwd: the contents of `/etc/passwd`.
    ///   - group: the contents of `/etc/group`.
    public init(passwd: String, group: String) {
        users = Self.lines(passwd).compactMap { fields in
            guard fields.count >= 6, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { return nil }
            return User(name: fields[0], uid: uid, gid: gid, home: fields[5])
        }
        groups = Self.lines(group).compactMap { fields in
            guard fields.count >= 3, let gid = UInt32(fields[2]) else { return nil }
            let members = fields.count > 3 ? fields[3].split(separator: ",").map(String.init) : []
            return Group(name: fields[0], gid: gid, members: members)
        }
    }

    /// Reads `/etc/passwd` and `/etc/group` of the root directory, resolving both paths inside the root so that a
    /// symbolic link in the image never reaches a host file. A missing file counts as empty.
    /// - Parameter root: the host path of the root directory.
    /// - Returns: the database.
    /// - Throws: `SandboxError.rootUnavailable` or `.userDatabaseUnreadable`.
    public static func load(root: String) throws -> UserDatabase {
        try loadTyped(root: root)
    }

    /// Resolves a `USER` spec: `name`, `uid`, `name:group`, `uid:gid`, `name:gid` or `uid:group`; empty means root.
    /// - Parameter spec: the spec.
    /// - Returns: the IDs and home directory.
    /// - Throws: `SandboxError.unknownUser`, `.unknownGroup` or `.invalidID`.
    public func resolve(_ spec: String) throws -> ResolvedUser {
        try resolveUser(spec)
    }

    // MARK: - Typed-throws implementations

    static func loadTyped(root: String) throws(SandboxError) -> UserDatabase {
        let rootFD = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard rootFD >= 0 else { throw .rootUnavailable(path: root, errno: errno) }
        defer { close(rootFD) }
        let passwd = try readFile("/etc/passwd", in: rootFD)
        let group = try readFile("/etc/group", in: rootFD)
        return UserDatabase(passwd: passwd, group: group)
    }

    func resolveUser(_ spec: String) throws(SandboxError) -> ResolvedUser {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts.first.flatMap { $0.isEmpty ? nil : $0 } ?? "0"
        let groupPart = parts.count > 1 && !parts[1].isEmpty ? parts[1] : nil

        var resolved: ResolvedUser
        var matchedName: String?
        if let number = try Self.numericID(userPart) {
            if let user = users.first(where: { $0.uid == number }) {
                resolved = ResolvedUser(uid: number, gid: user.gid, supplementaryGroups: [], home: user.home)
                matchedName = user.name
            } else {
                resolved = ResolvedUser(uid: number, gid: 0, supplementaryGroups: [], home: "/")
            }
        } else {
            guard let user = users.first(where: { $0.name == userPart }) else { throw .unknownUser(name: userPart) }
            resolved = ResolvedUser(uid: user.uid, gid: user.gid, supplementaryGroups: [], home: user.home)
            matchedName = user.name
        }

        if let groupPart {
            if let number = try Self.numericID(groupPart) {
                resolved.gid = number
            } else {
                guard let group = groups.first(where: { $0.name == groupPart }) else {
                    throw .unknownGroup(name: groupPart)
                }
                resolved.gid = group.gid
            }
        } else if let matchedName {
            var seen = Set<UInt32>()
            resolved.supplementaryGroups = groups.filter { $0.members.contains(matchedName) }.map(\.gid)
                .filter { seen.insert($0).inserted }
        }
        return resolved
    }

    // MARK: - Private helpers

    private static func numericID(_ text: String) throws(SandboxError) -> UInt32? {
        guard let first = text.unicodeScalars.first, ("0"..."9").contains(first) else { return nil }
        // 4294967295 is (uid_t)-1, which the set*id calls read as "unchanged".
        guard let value = UInt32(text), value != UInt32.max else { throw .invalidID(text) }
        return value
    }

    private static func lines(_ text: String) -> [[String]] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard !trimmed.isEmpty, trimmed.first != "#" else { return nil }
            return line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }

    private static func readFile(_ path: String, in rootFD: Int32) throws(SandboxError) -> String {
        let fd = csandbox_open_in_root(rootFD, path)
        if fd == -ENOENT || fd == -ENOTDIR { return "" }
        guard fd >= 0 else { throw .userDatabaseUnreadable(path: path, errno: -fd) }
        defer { close(fd) }
        var contents: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .userDatabaseUnreadable(path: path, errno: errno)
            }
            if count == 0 { break }
            contents.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: contents, as: UTF8.self)
    }
}
