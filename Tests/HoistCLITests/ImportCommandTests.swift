// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

struct ImportCommandTests {
    let scratch: TemporaryDirectory
    let hoist: HoistRunner
    let rootfs: String

    init() throws {
        scratch = try TemporaryDirectory()
        hoist = HoistRunner(root: scratch.child("root"))
        rootfs = scratch.child("rootfs")
        try Self.makeBusyboxRoot(at: rootfs)
    }

    /// A minimal root filesystem: Debian's static busybox and its applet links.
    static func makeBusyboxRoot(at path: String) throws {
        let busybox = try Subprocess.requireTool("busybox", package: "busybox-static")
        let manager = FileManager.default
        try manager.createDirectory(atPath: path + "/bin", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: path + "/etc", withIntermediateDirectories: true)
        try manager.copyItem(atPath: busybox, toPath: path + "/bin/busybox")
        for applet in ["sh", "echo", "cat", "id", "uname", "ls"] {
            try manager.createSymbolicLink(atPath: path + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try Data("root:x:0:0:root:/root:/bin/sh\n".utf8).write(to: URL(fileURLWithPath: path + "/etc/passwd"))
        try Data("root:x:0:\n".utf8).write(to: URL(fileURLWithPath: path + "/etc/group"))
        try Data("imported by a test\n".utf8).write(to: URL(fileURLWithPath: path + "/etc/motd"))
    }

    func importImage(_ source: String, tag: String, extra: [String] = []) throws -> ProcessResult {
        try Subprocess.run(
            [TestPaths.hoistBinary, "--root", hoist.root, "import", source, "-t", tag] + extra,
            extraEnvironment: ["SOURCE_DATE_EPOCH": "1700000000"])
    }

    @Test func directoryAndTarballOfOneTreeGiveOneDigest() throws {
        let fromDirectory = try importImage(rootfs, tag: "base:dir")
        #expect(fromDirectory.succeeded, "\(fromDirectory.stderr)")
        let digest = fromDirectory.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Digest(parsing: digest).algorithm == "sha256")

        for (flag, name) in [("-cf", "rootfs.tar"), ("-czf", "rootfs.tar.gz")] {
            let tarball = scratch.child(name)
            #expect(try Subprocess.run(["tar", "-C", rootfs, flag, tarball, "."]).succeeded)
            let fromTar = try importImage(tarball, tag: "base:\(name.replacingOccurrences(of: ".", with: "-"))")
            #expect(fromTar.succeeded, "\(fromTar.stderr)")
            #expect(fromTar.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == digest, "\(name)")
        }
        // And again into a brand-new root: reproducible, not cached.
        let other = try Subprocess.run(
            [TestPaths.hoistBinary, "--root", scratch.child("other-root"), "import", rootfs],
            extraEnvironment: ["SOURCE_DATE_EPOCH": "1700000000"])
        #expect(other.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == digest)
    }

    @Test func importedImageRunsUnderRunc() throws {
        try Subprocess.requireTool("umoci", package: "umoci")
        try Subprocess.requireTool("runc", package: "runc")
        let result = try importImage(
            rootfs, tag: "localhost/runnable:1", extra: ["--cmd", #"["/bin/sh","-c","cat /etc/motd; id -u"]"#])
        #expect(result.succeeded, "\(result.stderr)")
        let run = try ImageRunner.run(
            layout: "\(hoist.root)/store", reference: "localhost/runnable:1", scratch: scratch)
        #expect(run.succeeded, "\(run.stderr)")
        #expect(run.stdout == "imported by a test\n0\n")
    }

    @Test func configAndTimesComeFromTheOptions() throws {
        let result = try importImage(
            rootfs, tag: "base:cfg",
            extra: [
                "--cmd", #"["sh"]"#, "--entrypoint", #"["/bin/busybox"]"#, "-m", "from a test", "--platform",
                "linux/arm64",
            ])
        #expect(result.succeeded, "\(result.stderr)")
        let inspect = try hoist("inspect", "--config", "base:cfg", "--platform", "linux/arm64")
        let config = try #require(try JSONSerialization.jsonObject(with: inspect.stdoutBytes) as? [String: Any])
        #expect(config["created"] as? String == "2023-11-14T22:13:20Z")
        #expect(config["architecture"] as? String == "arm64")
        #expect(config["variant"] as? String == "v8")
        let container = config["config"] as? [String: Any]
        #expect(container?["Cmd"] as? [String] == ["sh"])
        #expect(container?["Entrypoint"] as? [String] == ["/bin/busybox"])
        let history = config["history"] as? [[String: Any]]
        #expect(history?.first?["comment"] as? String == "from a test")
    }

    @Test(arguments: [
        ("gzip", "application/vnd.oci.image.layer.v1.tar+gzip"),
        ("gzip-isal", "application/vnd.oci.image.layer.v1.tar+gzip"),
        ("zstd", "application/vnd.oci.image.layer.v1.tar+zstd"),
        ("uncompressed", "application/vnd.oci.image.layer.v1.tar"),
    ])
    func compressionIsSelectableWithTheRightMediaType(_ kind: String, _ mediaType: String) throws {
        let result = try importImage(rootfs, tag: "base:\(kind)", extra: ["--compression", kind])
        #expect(result.succeeded, "\(result.stderr)")
        let inspect = try hoist("inspect", "base:\(kind)")
        let json = try #require(try JSONSerialization.jsonObject(with: inspect.stdoutBytes) as? [String: Any])
        let layers = try #require(json["layers"] as? [[String: Any]])
        #expect(layers.first?["mediaType"] as? String == mediaType)
        // Whatever the compression, the layer's content (its diffID) is the same as the default's.
        #expect(try importImage(rootfs, tag: "base:default").succeeded)
        #expect(try diffIDs(of: "base:\(kind)") == diffIDs(of: "base:default"))
    }

    func diffIDs(of image: String) throws -> [String] {
        let config = try hoist("inspect", "--config", image)
        let json = try #require(try JSONSerialization.jsonObject(with: config.stdoutBytes) as? [String: Any])
        return try #require((json["rootfs"] as? [String: Any])?["diff_ids"] as? [String])
    }

    @Test func compressionLevelsAreChecked() throws {
        let levels = try importImage(rootfs, tag: "base:1", extra: ["--compression-level", "1"])
        #expect(levels.succeeded, "\(levels.stderr)")
        let best = try importImage(rootfs, tag: "base:9", extra: ["--compression-level", "9"])
        #expect(best.succeeded)
        #expect(levels.stdout != best.stdout, "another level gives other bytes")
        let outside = try importImage(rootfs, tag: "x:1", extra: ["--compression-level", "12"])
        #expect(outside.status != 0)
        #expect(outside.stderr.contains("--compression-level 12 is outside 1-9 for gzip"))
        let unknown = try importImage(rootfs, tag: "x:1", extra: ["--compression", "lz4"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("--compression takes gzip, gzip-isal, zstd or uncompressed"))
    }

    /// Importing an archive whose bytes are already a blob of the store (a layer taken out of the store)
    /// must not remove that blob from the images that use it.
    @Test func importingAStoredLayerBlobKeepsItForItsImage() throws {
        // zstd here, so that re-importing it (as gzip) does not happen to write the same blob again.
        let first = try importImage(rootfs, tag: "base:1", extra: ["--compression", "zstd"])
        #expect(first.succeeded, "\(first.stderr)")
        let store = try LayoutContentStore(path: hoist.root + "/store")
        let manifest = try store.readJSON(
            ImageManifest.self, digest: Digest(parsing: first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let layer = try #require(manifest.layers.first)
        let copy = scratch.child("layer.tar.zst")
        try FileManager.default.copyItem(atPath: store.blobPath(layer.digest), toPath: copy)

        let again = try importImage(copy, tag: "base:again")
        #expect(again.succeeded, "\(again.stderr)")
        #expect(try store.hasBlob(layer.digest), "the first image's layer is still there")
        let exported = try hoist("save", "-o", scratch.child("base.tar"), "base:1")
        #expect(exported.succeeded, "every blob of base:1 is readable: \(exported.stderr)")
    }

    @Test func badInputIsRefusedClearlyAndLeavesNoImage() throws {
        let missing = try importImage(scratch.child("absent"), tag: "x:1")
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("hoist: error: nothing to import at"))

        let badCmd = try importImage(rootfs, tag: "x:1", extra: ["--cmd", "echo hi"])
        #expect(badCmd.status != 0)
        #expect(badCmd.stderr.contains("--cmd takes a JSON array of strings"))

        // A tarball whose entry climbs out of the extraction directory.
        let evil = scratch.child("evil.tar")
        let made = try Subprocess.run([
            "python3", "-c",
            """
            import io, sys, tarfile
            with tarfile.open(sys.argv[1], "w") as tar:
                data = b"owned\\n"
                info = tarfile.TarInfo("../escaped")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            """,
            evil,
        ])
        #expect(made.succeeded, "\(made.stderr)")
        let refused = try importImage(evil, tag: "x:1")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("../escaped"), "the error names the entry: \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: hoist.root + "/escaped"))
        #expect(!FileManager.default.fileExists(atPath: hoist.root + "/tmp/escaped"))
        let images = try hoist("images", "-q")
        #expect(images.stdout.isEmpty, "no image is tagged after a failed import")
    }
}
