// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Testing

@testable import BuildEngine
@testable import TestSupport

/// A Python static file server on an ephemeral 127.0.0.1 port, stopped by `stop()`.
final class StaticFileServer {
    let process = Process()
    let port: Int

    init(directory: String) throws {
        let python = try Subprocess.requireTool("python3", package: "python3")
        let script = """
            import functools, http.server, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            server = http.server.HTTPServer(("127.0.0.1", 0), handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", "-c", script, directory]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 10 {
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw TestSupportError.setup("the HTTP server printed no port")
        }
        self.port = port
    }

    func stop() {
        // SIGKILL: the test runner may leave SIGTERM ignored, and a child inherits that.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct CopyAddTests {
    let fixture: CopyFixture

    init() throws { fixture = try CopyFixture() }

    private func makeTarball(_ name: String, flag: String?) throws {
        let tree = fixture.scratch.child("tree")
        try fixture.write(tree + "/pkg/bin/tool", "tool", mode: 0o755)
        try fixture.write(tree + "/pkg/README", "read me")
        #expect(chown(tree + "/pkg/README", 123, 456) == 0)
        try Subprocess.requireTool("tar", package: "tar")
        var arguments = ["/usr/bin/tar", "-C", tree, "-cf", fixture.context + "/" + name]
        if let flag { arguments.insert(flag, at: 1) }
        let result = try Subprocess.run(arguments + ["pkg"])
        #expect(result.succeeded, "\(result.stderr)")
    }

    @Test(
        arguments: [
            ("plain.tar", nil), ("archive.tgz", "-z"), ("archive.bz2", "-j"), ("archive.xz", "-J"),
            ("no-extension", "--zstd"),
        ] as [(String, String?)])
    func addExtractsLocalTarArchivesByContent(name: String, flag: String?) async throws {
        if flag == "-j" { try Subprocess.requireTool("bzip2", package: "bzip2") }
        if flag == "-J" { try Subprocess.requireTool("xz", package: "xz-utils") }
        if flag == "--zstd" { try Subprocess.requireTool("zstd", package: "zstd") }
        try makeTarball(name, flag: flag)
        let result = try await fixture.copy([name], to: "/opt", add: true, options: .init(chown: "9"))
        #expect(try fixture.read(fixture.root + "/opt/pkg/README") == "read me")
        #expect(try fixture.info(fixture.root + "/opt/pkg/bin/tool").st_mode & 0o7777 == 0o755)
        let readme = try fixture.info(fixture.root + "/opt/pkg/README")
        #expect([readme.st_uid, readme.st_gid] == [123, 456])  // as buildah: --chown leaves archive entries alone
        let opt = try fixture.info(fixture.root + "/opt")
        #expect([opt.st_uid, opt.st_gid] == [9, 9])
        #expect(result.entryCount >= 4)
    }

    @Test func copyNeverExtractsAndAddKeepsFilesThatAreNotArchives() async throws {
        try makeTarball("a.tar.gz", flag: "-z")
        try fixture.write(fixture.context + "/fake.tar.gz", "not an archive")
        try await fixture.copy(["a.tar.gz"], to: "/copied/")
        try await fixture.copy(["fake.tar.gz"], to: "/added/", add: true)
        #expect(fixture.exists(fixture.root + "/copied/a.tar.gz"))
        #expect(!fixture.exists(fixture.root + "/copied/pkg"))
        #expect(try fixture.read(fixture.root + "/added/fake.tar.gz") == "not an archive")
    }

    @Test func addDownloadsURLsAndVerifiesTheChecksum() async throws {
        let served = fixture.scratch.child("served")
        try fixture.write(served + "/tool.bin", "downloaded bytes", mtime: 1_500_000_000)
        let server = try StaticFileServer(directory: served)
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/tool.bin"
        let good = SHA256Hasher.digest(of: Array("downloaded bytes".utf8))
        let result = try await fixture.copy([url], to: "/dl/", add: true, options: .init(checksum: good.description))
        #expect(try fixture.read(fixture.root + "/dl/tool.bin") == "downloaded bytes")
        let info = try fixture.info(fixture.root + "/dl/tool.bin")
        #expect(info.st_mode & 0o7777 == 0o600)
        #expect(info.st_mtim.tv_sec == 1_500_000_000)
        #expect(result.byteCount == 16)

        try await fixture.copy([url], to: "/renamed", add: true)
        #expect(try fixture.read(fixture.root + "/renamed") == "downloaded bytes")

        let wrong = SHA256Hasher.digest(of: Array("other".utf8))
        let message = await fixture.copyError(
            [url], to: "/bad/", add: true, options: .init(checksum: wrong.description))
        #expect(message?.contains(wrong.description) == true)
        #expect(message?.contains(good.description) == true)
        #expect(!fixture.exists(fixture.root + "/bad/tool.bin"))

        let missing = await fixture.copyError([url + ".missing"], to: "/bad/", add: true)
        #expect(missing?.contains("404") == true)
    }
}
