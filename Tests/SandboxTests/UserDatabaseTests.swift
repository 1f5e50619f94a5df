// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Sandbox
import Testing

struct UserDatabaseTests {
    static let passwd = """
        root:x:0:0:root:/root:/bin/sh
        # a comment
        alice:x:1000:1000:Alice:/home/alice:/bin/sh
        bob:x:1001:1001::/home/bob:/bin/sh
        broken:line
        """
    static let group = """
        root:x:0:
        wheel:x:10:root,alice
        staff:x:50:
        users:x:100:alice,bob
        alice:x:1000:

        """

    let database = UserDatabase(passwd: passwd, group: group)

    @Test func parsesWellFormedLinesOnly() {
        #expect(database.users.map(\.name) == ["root", "alice", "bob"])
        #expect(database.groups.map(\.name) == ["root", "wheel", "staff", "users", "alice"])
        #expect(database.groups[3].members == ["alice", "bob"])
    }

    @Test(arguments: [
        ("", ResolvedUser(uid: 0, gid: 0, supplementaryGroups: [10], home: "/root")),
        ("root", ResolvedUser(uid: 0, gid: 0, supplementaryGroups: [10], home: "/root")),
        ("alice", ResolvedUser(uid: 1000, gid: 1000, supplementaryGroups: [10, 100], home: "/home/alice")),
        ("1000", ResolvedUser(uid: 1000, gid: 1000, supplementaryGroups: [10, 100], home: "/home/alice")),
        ("bob:staff", ResolvedUser(uid: 1001, gid: 50, supplementaryGroups: [], home: "/home/bob")),
        ("alice:", ResolvedUser(uid: 1000, gid: 1000, supplementaryGroups: [10, 100], home: "/home/alice")),
        ("1001:100", ResolvedUser(uid: 1001, gid: 100, supplementaryGroups: [], home: "/home/bob")),
        ("4242", ResolvedUser(uid: 4242, gid: 0, supplementaryGroups: [], home: "/")),
        ("4242:4343", ResolvedUser(uid: 4242, gid: 4343, supplementaryGroups: [], home: "/")),
        ("alice:4343", ResolvedUser(uid: 1000, gid: 4343, supplementaryGroups: [], home: "/home/alice")),
    ])
    func resolves(spec: String, expected: ResolvedUser) throws {
        #expect(try database.resolve(spec) == expected)
    }

    @Test func unknownNamesAreErrors() {
        #expect(throws: SandboxError.unknownUser(name: "carol")) { try database.resolve("carol") }
        #expect(throws: SandboxError.unknownGroup(name: "nogroup")) { try database.resolve("alice:nogroup") }
        #expect(throws: SandboxError.invalidID("99999999999")) { try database.resolve("99999999999") }
        #expect(
            SandboxError.unknownUser(name: "carol").description
                == "sandbox: unable to find user carol: no matching entries in passwd file")
    }

    @Test func emptyDatabaseStillResolvesNumbers() throws {
        let empty = UserDatabase(passwd: "", group: "")
        #expect(try empty.resolve("") == ResolvedUser(uid: 0, gid: 0, supplementaryGroups: [], home: "/"))
        #expect(try empty.resolve("12:34") == ResolvedUser(uid: 12, gid: 34, supplementaryGroups: [], home: "/"))
        #expect(throws: SandboxError.unknownUser(name: "root")) { try empty.resolve("root") }
    }
}
