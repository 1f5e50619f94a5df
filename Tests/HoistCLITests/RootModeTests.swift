// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport
import Testing

/// Overlay roots and snapshot roots (`HOIST_ROOTS=snapshot`, used where overlay can't be mounted) must build
/// the same bytes. The Dockerfile leans on the places where the overlay path takes shortcuts: `COPY --from` into
/// new directories writes into the step's upper directory and hard-links the source stage's files. (Snapshot
/// roots count a file whose only change is its link count as modified, so this Dockerfile removes no hard link.)
struct RootModeTests {
    static let dockerfile = """
        FROM localhost/busybox:test AS build
        RUN mkdir -p /out/d && echo one > /out/d/a && echo two > /out/b && ln /out/b /out/c \\
            && chown 1000:1000 /out/b && chmod 4755 /out/d/a && ln -s a /out/d/s \\
            && head -c 300000 /dev/zero > /out/big && mkfifo /out/pipe
        FROM localhost/attrs:test AS attrs
        FROM localhost/busybox:test
        COPY --from=build /out /data
        COPY --from=build /out/b /out/d/a /single/
        COPY --from=build --chown=2000:2000 /out /owned
        COPY --from=build --chmod=600 /out/d /modes
        COPY --from=attrs /attr.txt /attr.txt
        COPY --from=build /out/big /tmp/
        RUN echo changed >> /data/d/a && rm /data/pipe

        """

    @Test func overlayAndSnapshotRootsGiveTheSameImage() throws {
        let overlay = try BuildFixture()
        let snapshot = try BuildFixture()
        var digests: [String] = []
        for (fixture, mode) in [(overlay, "overlay"), (snapshot, "snapshot")] {
            try Self.importAttributeBase(into: fixture)
            let context = try fixture.context("context", dockerfile: Self.dockerfile)
            let built = try fixture.build(
                context, ["-t", "localhost/modes:test", "--quiet"],
                environment: mode == "snapshot" ? ["HOIST_ROOTS": mode] : [:])
            #expect(built.succeeded, "\(mode): \(built.stderr)")
            digests.append(built.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(digests.count == 2 && digests[0] == digests[1] && digests[0].hasPrefix("sha256:"))

        // What the image holds, unpacked by umoci.
        let files = try ImageFiles(fixture: overlay, image: "localhost/modes:test")
        func describe(_ path: String) -> String {
            var info = stat()
            guard lstat(files.rootfs + path, &info) == 0 else { return "\(path) missing" }
            return "\(path) \(info.st_uid):\(info.st_gid) \(String(info.st_mode & 0o7777, radix: 8)) "
                + "\(info.st_nlink) \(info.st_size)"
        }
        let paths = [
            "/data/b", "/data/d/a", "/single/b", "/single/a", "/owned/b", "/owned/c", "/modes/a", "/data/big",
            "/tmp/big", "/attr.txt",
        ]
        #expect(
            paths.map(describe) == [
                "/data/b 1000:1000 644 2 4", "/data/d/a 0:0 4755 1 12", "/single/b 1000:1000 644 1 4",
                "/single/a 0:0 4755 1 4", "/owned/b 2000:2000 644 2 4", "/owned/c 2000:2000 644 2 4",
                "/modes/a 0:0 600 1 4", "/data/big 0:0 644 1 300000", "/tmp/big 0:0 644 1 300000",
                "/attr.txt 0:0 640 1 11",
            ])
        #expect(files.read("/data/d/a") == "one\nchanged\n" && files.read("/single/a") == "one\n")
        #expect(files.exists("/data/c") && !files.exists("/data/pipe") && files.exists("/data/d/s"))

        // The shortcut is taken: the final stage's /data/big is the build stage's file, not a copy of it.
        let layers = overlay.hoist.root + "/layers"
        let sources = try Self.inodes(named: "out/big", under: layers)
        let copies = try Self.inodes(named: "data/big", under: layers)
        #expect(!sources.isEmpty && !copies.isEmpty && Set(copies).isSubset(of: Set(sources)))
    }

    /// A base whose one file carries a `user.` extended attribute (kept in its layer).
    static func importAttributeBase(into fixture: BuildFixture) throws {
        let rootfs = fixture.scratch.child("attrs-rootfs")
        try FileManager.default.createDirectory(atPath: rootfs, withIntermediateDirectories: true)
        try Data("attributed\n".utf8).write(to: URL(fileURLWithPath: rootfs + "/attr.txt"))
        _ = chmod(rootfs + "/attr.txt", 0o640)
        let python = try Subprocess.requireTool("python3", package: "python3")
        let set = try Subprocess.run([
            python, "-c", "import os, sys; os.setxattr(sys.argv[1], 'user.hoist.test', b'kept')", rootfs + "/attr.txt",
        ])
        #expect(set.succeeded, "\(set.stderr)")
        let imported = try Subprocess.run(
            [TestPaths.hoistBinary, "--root", fixture.hoist.root, "import", rootfs, "-t", "localhost/attrs:test"],
            extraEnvironment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(imported.succeeded, "\(imported.stderr)")
    }

    /// The inode numbers of files at `relative` in any layer directory under `layers`.
    static func inodes(named relative: String, under layers: String) throws -> [UInt64] {
        try FileManager.default.contentsOfDirectory(atPath: layers).compactMap { layer in
            var info = stat()
            guard lstat(layers + "/" + layer + "/" + relative, &info) == 0 else { return nil }
            return UInt64(info.st_ino)
        }
    }
}
