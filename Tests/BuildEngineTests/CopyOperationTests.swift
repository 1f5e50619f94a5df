// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import Testing

@testable import BuildEngine
@testable import TestSupport

struct CopyOperationTests {
    let fixture: CopyFixture

    init() throws { fixture = try CopyFixture() }

    // MARK: - Files and directories

    @Test func aFileIsWrittenAtTheDestinationWithItsModeAndTimeAndRootOwner() async throws {
        try fixture.write(fixture.context + "/f.txt", "hello", mode: 0o640, mtime: 1_000_000)
        #expect(chown(fixture.context + "/f.txt", 1234, 1234) == 0)
        let result = try await fixture.copy(["f.txt"], to: "/out/name.txt")
        let info = try fixture.info(fixture.root + "/out/name.txt")
        #expect(try fixture.read(fixture.root + "/out/name.txt") == "hello")
        #expect(info.st_mode & 0o7777 == 0o640)
        #expect(info.st_uid == 0 && info.st_gid == 0)
        #expect(info.st_mtim.tv_sec == 1_000_000)
        #expect(try fixture.info(fixture.root + "/out").st_mode & 0o7777 == 0o755)
        #expect(result.entryCount == 1)
        #expect(result.byteCount == 5)
    }

    @Test func aFileGoesInsideADestinationEndingInSlashOrAnExistingDirectory() async throws {
        try fixture.write(fixture.context + "/f.txt", "hello")
        try FileManager.default.createDirectory(atPath: fixture.root + "/existing", withIntermediateDirectories: true)
        try await fixture.copy(["f.txt"], to: "/new/")
        try await fixture.copy(["f.txt"], to: "/existing")
        try await fixture.copy(["/f.txt"], to: "rel", workdir: "/work")
        #expect(try fixture.read(fixture.root + "/new/f.txt") == "hello")
        #expect(try fixture.read(fixture.root + "/existing/f.txt") == "hello")
        #expect(try fixture.read(fixture.root + "/work/rel") == "hello")
        try await fixture.copy(["f.txt"], to: ".", workdir: "/work")
        #expect(try fixture.read(fixture.root + "/work/f.txt") == "hello")
    }

    @Test func aDirectoryCopiesItsContentsAndKeepsSymlinksAndHardLinks() async throws {
        try fixture.write(fixture.context + "/dir/a.txt", "a")
        try fixture.write(fixture.context + "/dir/sub/b.txt", "b", mode: 0o600)
        #expect(chmod(fixture.context + "/dir/sub", 0o750) == 0)
        try fixture.symlink(fixture.context + "/dir/link", to: "../a.txt")
        #expect(link(fixture.context + "/dir/a.txt", fixture.context + "/dir/sub/hard") == 0)
        let result = try await fixture.copy(["dir"], to: "/dst/")
        #expect(!fixture.exists(fixture.root + "/dst/dir"))
        #expect(try fixture.read(fixture.root + "/dst/a.txt") == "a")
        #expect(try fixture.read(fixture.root + "/dst/sub/b.txt") == "b")
        #expect(try fixture.info(fixture.root + "/dst/sub").st_mode & 0o7777 == 0o750)
        let link = try fixture.info(fixture.root + "/dst/link")
        #expect(link.st_mode & S_IFMT == S_IFLNK)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: fixture.root + "/dst/link") == "../a.txt")
        #expect(
            try fixture.info(fixture.root + "/dst/sub/hard").st_ino == fixture.info(fixture.root + "/dst/a.txt").st_ino)
        #expect(result.entryCount == 5)
    }

    @Test func copyingOverExistingPathsFollowsBuildah() async throws {
        try fixture.write(fixture.context + "/f.txt", "new")
        try fixture.write(fixture.context + "/dir/inner.txt", "inner")
        try fixture.write(fixture.root + "/file", "old")
        try fixture.write(fixture.root + "/merge/kept.txt", "kept")
        #expect(chmod(fixture.root + "/merge", 0o700) == 0)
        try await fixture.copy(["f.txt"], to: "/file")
        #expect(try fixture.read(fixture.root + "/file") == "new")
        try await fixture.copy(["dir"], to: "/merge")
        #expect(try fixture.read(fixture.root + "/merge/kept.txt") == "kept")
        #expect(try fixture.read(fixture.root + "/merge/inner.txt") == "inner")
        #expect(try fixture.info(fixture.root + "/merge").st_mode & 0o7777 == 0o700)
        let message = await fixture.copyError(["dir"], to: "/file")
        #expect(message?.contains("/file") == true)
        #expect(message?.contains("not a directory") == true)
    }

    // MARK: - Wildcards and errors

    @Test func wildcardsMatchLikeGoAndCopyEveryMatch() async throws {
        try fixture.write(fixture.context + "/a.txt", "a")
        try fixture.write(fixture.context + "/b.txt", "b")
        try fixture.write(fixture.context + "/c.log", "c")
        try fixture.write(fixture.context + "/d1/k.txt", "k")
        try fixture.write(fixture.context + "/d2/j.txt", "j")
        try await fixture.copy(["*.txt", "[c].lo?"], to: "/w/")
        try await fixture.copy(["d?"], to: "/dirs/")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/w").sorted() == [
                "a.txt", "b.txt", "c.log",
            ])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/dirs").sorted() == [
                "j.txt", "k.txt",
            ])
        let message = await fixture.copyError(["*.none"], to: "/w/")
        #expect(message == "no source files were specified: '*.none' matches no file")
    }

    @Test func severalSourcesNeedADestinationEndingInSlash() async throws {
        try fixture.write(fixture.context + "/a", "a")
        try fixture.write(fixture.context + "/b", "b")
        let message = await fixture.copyError(["a", "b"], to: "/dest")
        #expect(message?.contains("must be a directory and end with a /") == true)
        #expect(!fixture.exists(fixture.root + "/dest"))
    }

    @Test func aMissingSourceIsNamed() async throws {
        let message = await fixture.copyError(["nope/file.txt"], to: "/x")
        #expect(message == "source 'nope/file.txt' not found: no such file or directory")
    }

    @Test func dockerignoredPathsAreInvisibleAndTheErrorSaysWhy() async throws {
        try fixture.write(fixture.context + "/secret.key", "s")
        try fixture.write(fixture.context + "/app/main.c", "m")
        try fixture.write(fixture.context + "/app/build/out.o", "o")
        try fixture.write(fixture.context + "/app/build/keep.txt", "k")
        let message = await fixture.copyError(["secret.key"], to: "/", ignore: ["*.key"])
        #expect(message?.contains("'secret.key'") == true)
        #expect(message?.contains(".dockerignore") == true)
        try await fixture.copy(["."], to: "/all/", ignore: ["*.key", "app/build", "!app/build/keep.txt"])
        #expect(fixture.exists(fixture.root + "/all/app/main.c"))
        #expect(!fixture.exists(fixture.root + "/all/secret.key"))
        #expect(!fixture.exists(fixture.root + "/all/app/build/out.o"))
        #expect(fixture.exists(fixture.root + "/all/app/build/keep.txt"))
        try await fixture.copy(["*"], to: "/glob/", ignore: ["*.key"])
        #expect(!fixture.exists(fixture.root + "/glob/secret.key"))
    }

    // MARK: - Containment

    @Test func aSymlinkSourceResolvesInsideTheContext() async throws {
        let outside = fixture.scratch.child("outside.txt")
        try fixture.write(outside, "host secret")
        try fixture.write(fixture.context + "/inside.txt", "inside")
        try fixture.symlink(fixture.context + "/up", to: "../../../../../../inside.txt")
        try fixture.symlink(fixture.context + "/abs", to: outside)
        try await fixture.copy(["up"], to: "/got")
        #expect(try fixture.read(fixture.root + "/got") == "inside")
        let message = await fixture.copyError(["abs"], to: "/leak")
        #expect(message?.contains("not found") == true)
        #expect(!fixture.exists(fixture.root + "/leak"))
        let climbing = await fixture.copyError(["../outside.txt"], to: "/leak")
        #expect(climbing?.contains("not found") == true)
    }

    @Test func aDestinationThroughSymlinksStaysInsideTheRoot() async throws {
        try fixture.write(fixture.context + "/f.txt", "data")
        try FileManager.default.createDirectory(atPath: fixture.root + "/target", withIntermediateDirectories: true)
        try fixture.symlink(fixture.root + "/abs", to: "/target")
        try fixture.symlink(fixture.root + "/escape", to: "../../../../../../../escaped")
        try fixture.symlink(fixture.root + "/host", to: fixture.scratch.path)
        try await fixture.copy(["f.txt"], to: "/abs/")
        try await fixture.copy(["f.txt"], to: "/escape/")
        try await fixture.copy(["f.txt"], to: "/host/planted.txt")
        #expect(try fixture.read(fixture.root + "/target/f.txt") == "data")
        #expect(try fixture.read(fixture.root + "/escaped/f.txt") == "data")
        #expect(!fixture.exists(fixture.scratch.child("planted.txt")))
        #expect(try fixture.read(fixture.root + fixture.scratch.path + "/planted.txt") == "data")
    }

    // MARK: - Ownership and modes

    @Test func chownResolvesNamesInTheDestinationRootAndNumbers() async throws {
        try fixture.write(
            fixture.root + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1001:1002::/home/alice:/bin/sh\n")
        try fixture.write(fixture.root + "/etc/group", "root:x:0:\nstaff:x:1002:\nwheel:x:1500:\n")
        try fixture.write(fixture.context + "/f.txt", "f")
        try fixture.write(fixture.context + "/dir/x", "x")
        try await fixture.copy(["f.txt"], to: "/a/deep/", options: .init(chown: "alice"))
        try await fixture.copy(["dir"], to: "/b/", options: .init(chown: "alice:wheel"))
        try await fixture.copy(["f.txt"], to: "/c", options: .init(chown: "1001"))
        try await fixture.copy(["f.txt"], to: "/d", options: .init(chown: "42:43"))
        func owner(_ path: String) throws -> [UInt32] {
            let info = try fixture.info(fixture.root + path)
            return [info.st_uid, info.st_gid]
        }
        #expect(try owner("/a/deep/f.txt") == [1001, 1002])
        #expect(try owner("/a/deep") == [1001, 1002])
        #expect(try owner("/a") == [1001, 1002])
        #expect(try owner("/b/x") == [1001, 1500])
        #expect(try owner("/c") == [1001, 1001])
        #expect(try owner("/d") == [42, 43])
        let message = await fixture.copyError(["f.txt"], to: "/e", options: .init(chown: "nobody"))
        #expect(message?.contains("invalid --chown 'nobody'") == true)
    }

    @Test func chmodAppliesToFilesAndDirectoriesButNotToTheCreatedDestination() async throws {
        try fixture.write(fixture.context + "/dir/sub/x", "x")
        try fixture.write(fixture.context + "/f", "f", mode: 0o644)
        try await fixture.copy(["dir"], to: "/cm/", options: .init(chmod: "700"))
        try await fixture.copy(["f"], to: "/f", options: .init(chmod: "0751"))
        #expect(try fixture.info(fixture.root + "/cm").st_mode & 0o7777 == 0o755)
        #expect(try fixture.info(fixture.root + "/cm/sub").st_mode & 0o7777 == 0o700)
        #expect(try fixture.info(fixture.root + "/cm/sub/x").st_mode & 0o7777 == 0o700)
        #expect(try fixture.info(fixture.root + "/f").st_mode & 0o7777 == 0o751)
        let message = await fixture.copyError(["f"], to: "/g", options: .init(chmod: "u+x"))
        #expect(message?.contains("invalid --chmod 'u+x'") == true)
    }

    @Test func aCopyFromAnotherRootKeepsOwnersAndSetIDBits() async throws {
        let other = fixture.scratch.child("stage")
        try fixture.write(other + "/bin/tool", "t", mode: 0o755)
        #expect(chown(other + "/bin/tool", 7, 8) == 0)
        #expect(chmod(other + "/bin/tool", 0o4755) == 0)
        try fixture.write(fixture.context + "/suid", "s", mode: 0o755)
        #expect(chmod(fixture.context + "/suid", 0o4755) == 0)
        let operation = CopyOperation(
            sources: ["/bin/tool"], destination: "/usr/bin/", sourceTree: .rootFilesystem(directory: other))
        try await operation.perform(into: fixture.root)
        let info = try fixture.info(fixture.root + "/usr/bin/tool")
        #expect([info.st_uid, info.st_gid] == [7, 8])
        #expect(info.st_mode & 0o7777 == 0o4755)
        try await fixture.copy(["suid"], to: "/suid")
        #expect(try fixture.info(fixture.root + "/suid").st_mode & 0o7777 == 0o755)
    }

    // MARK: - Flags

    @Test func parentsKeepsTheSourcePathOrThePartAfterThePivot() async throws {
        try fixture.write(fixture.context + "/x/a/file", "a")
        try fixture.write(fixture.context + "/x/b/file", "b")
        try fixture.write(fixture.context + "/x/b/other", "o")
        try await fixture.copy(["./x/*/file"], to: "/dest/", options: .init(parents: true))
        #expect(try fixture.read(fixture.root + "/dest/x/a/file") == "a")
        #expect(try fixture.read(fixture.root + "/dest/x/b/file") == "b")
        #expect(!fixture.exists(fixture.root + "/dest/x/b/other"))
        try await fixture.copy(["x/./b"], to: "/pivot/", options: .init(parents: true))
        #expect(try fixture.read(fixture.root + "/pivot/b/other") == "o")
        #expect(!fixture.exists(fixture.root + "/pivot/x"))
    }

    @Test func excludePatternsApplyRelativeToEachSource() async throws {
        try fixture.write(fixture.context + "/src/a.txt", "a")
        try fixture.write(fixture.context + "/src/b.log", "b")
        try fixture.write(fixture.context + "/src/deep/c.log", "c")
        try fixture.write(fixture.context + "/src/deep/d.txt", "d")
        try fixture.write(fixture.context + "/top.log", "t")
        try await fixture.copy(["src", "top.log"], to: "/out/", options: .init(excludes: ["**/*.log", "top.log"]))
        #expect(fixture.exists(fixture.root + "/out/a.txt"))
        #expect(fixture.exists(fixture.root + "/out/deep/d.txt"))
        #expect(!fixture.exists(fixture.root + "/out/b.log"))
        #expect(!fixture.exists(fixture.root + "/out/deep/c.log"))
        #expect(!fixture.exists(fixture.root + "/out/top.log"))
    }

    @Test func aHeredocBecomesAFileNamedAfterIt() async throws {
        let heredoc = Heredoc(name: "script.sh", chomp: true, content: "\techo hi\n")
        try await fixture.copy([], to: "/bin/", options: .init(chmod: "755"), heredocs: [heredoc])
        #expect(try fixture.read(fixture.root + "/bin/script.sh") == "echo hi\n")
        #expect(try fixture.info(fixture.root + "/bin/script.sh").st_mode & 0o7777 == 0o755)
    }

    // MARK: - Source digest

    @Test func theSourceDigestIgnoresTimesButNotContent() async throws {
        try fixture.write(fixture.context + "/d/a", "same", mtime: 100)
        try fixture.write(fixture.context + "/d/b", "also", mtime: 100)
        let first = try await fixture.copy(["d"], to: "/x/")
        try fixture.write(fixture.context + "/d/a", "same", mtime: 99999)
        let second = try await fixture.copy(["d"], to: "/x/")
        try fixture.write(fixture.context + "/d/a", "samf", mtime: 100)
        let third = try await fixture.copy(["d"], to: "/x/")
        #expect(first.sourceDigest == second.sourceDigest)
        #expect(first.sourceDigest != third.sourceDigest)
        let chowned = try await fixture.copy(["d"], to: "/x/", options: .init(chown: "5"))
        #expect(chowned.sourceDigest != first.sourceDigest)
    }
}
