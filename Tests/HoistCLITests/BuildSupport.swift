// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport
import Testing

/// A scratch Hoist root with a busybox base image (`localhost/busybox:test`), and helpers to build
/// Dockerfiles into it and run what they make.
struct BuildFixture {
    let scratch: TemporaryDirectory
    let hoist: HoistRunner
    static let base = "localhost/busybox:test"

    init() throws {
        scratch = try TemporaryDirectory("hoist-build-test")
        hoist = HoistRunner(root: scratch.child("root"))
        let rootfs = scratch.child("base-rootfs")
        try Self.makeBusyboxRoot(at: rootfs)
        let imported = try Subprocess.run(
            [TestPaths.hoistBinary, "--root", hoist.root, "import", rootfs, "-t", Self.base],
            extraEnvironment: ["SOURCE_DATE_EPOCH": "1700000000"])
        guard imported.succeeded else { throw TestSupportError.setup("import failed: \(imported.stderr)") }
        try? FileManager.default.removeItem(atPath: rootfs)
    }

    /// Debian's static busybox with every applet linked, root, an `app` user (1000) and nobody.
    static func makeBusyboxRoot(at path: String) throws {
        let busybox = try Subprocess.requireTool("busybox", package: "busybox-static")
        let manager = FileManager.default
        for directory in ["bin", "etc", "tmp", "root"] {
            try manager.createDirectory(atPath: path + "/" + directory, withIntermediateDirectories: true)
        }
        _ = chmod(path + "/tmp", 0o1777)
        try manager.copyItem(atPath: busybox, toPath: path + "/bin/busybox")
        let list = try Subprocess.run([busybox, "--list"])
        for applet in list.stdout.split(separator: "\n") where applet != "busybox" {
            try manager.createSymbolicLink(atPath: path + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try Data(
            """
            root:x:0:0:root:/root:/bin/sh
            app:x:1000:1000:app:/home/app:/bin/sh
            nobody:x:65534:65534:nobody:/nonexistent:/bin/false

            """.utf8
        ).write(to: URL(fileURLWithPath: path + "/etc/passwd"))
        try Data("root:x:0:\napp:x:1000:\nstaff:x:50:app\nnogroup:x:65534:\n".utf8).write(
            to: URL(fileURLWithPath: path + "/etc/group"))
    }

    /// Writes a context directory: `files` maps relative paths to contents.
    func context(_ name: String, dockerfile: String, files: [String: String] = [:]) throws -> String {
        let directory = scratch.child(name)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(dockerfile.utf8).write(to: URL(fileURLWithPath: directory + "/Dockerfile"))
        for (path, content) in files {
            let full = directory + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(content.utf8).write(to: URL(fileURLWithPath: full))
        }
        return directory
    }

    /// A copy of `examples/NAME` with Debian's static busybox added, as the examples expect.
    func example(_ name: String) throws -> String {
        let busybox = try Subprocess.requireTool("busybox", package: "busybox-static")
        let destination = scratch.child("example-" + name.replacingOccurrences(of: "/", with: "-"))
        try FileManager.default.copyItem(atPath: TestPaths.packageRoot + "/examples/" + name, toPath: destination)
        try? FileManager.default.removeItem(atPath: destination + "/busybox")
        try FileManager.default.copyItem(atPath: busybox, toPath: destination + "/busybox")
        return destination
    }

    /// `hoist build` with `arguments`, then the context; SOURCE_DATE_EPOCH fixed.
    func build(_ context: String, _ arguments: [String] = [], environment: [String: String] = [:]) throws
        -> ProcessResult
    {
        try Subprocess.run(
            [TestPaths.hoistBinary, "--root", hoist.root, "build", "--progress", "plain"] + arguments + [context],
            extraEnvironment: ["SOURCE_DATE_EPOCH": "1700000000"].merging(environment) { $1 }, timeout: 300)
    }

    /// The image's config JSON (`hoist inspect --config`).
    func config(_ image: String) throws -> [String: Any] {
        let inspect = try hoist("inspect", "--config", image)
        guard inspect.succeeded else { throw TestSupportError.setup("inspect failed: \(inspect.stderr)") }
        return try #require(try JSONSerialization.jsonObject(with: inspect.stdoutBytes) as? [String: Any])
    }

    /// Unpacks `image` from the store with umoci and runs it with runc; returns the result.
    func run(_ image: String) throws -> ProcessResult {
        try ImageRunner.run(layout: hoist.root + "/store", reference: image, scratch: scratch)
    }

    /// Starts `hoist build` with `arguments` (the context last) in the background and returns once its progress
    /// has printed `marker`.
    func startBuild(_ arguments: [String], waitingFor marker: String = "started") throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.hoistBinary)
        process.arguments = ["--root", hoist.root, "build", "--progress", "plain"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        let deadline = Date().addingTimeInterval(120)
        while !String(decoding: seen, as: UTF8.self).contains(marker), Date() < deadline {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        #expect(String(decoding: seen, as: UTF8.self).contains(marker))
        return process
    }

    /// Whether anything of a build is left under ROOT/tmp or mounted beneath the root.
    func leftovers() -> [String] {
        let temporary = (try? FileManager.default.contentsOfDirectory(atPath: hoist.root + "/tmp")) ?? []
        let mounts = ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").filter { $0.contains(hoist.root + "/") }.map(String.init)
        return temporary.filter { $0.hasPrefix("build-") } + mounts
    }
}

/// Runs images with the real tools: umoci to unpack, runc to run.
enum ImageRunner {
    static func run(layout: String, reference: String, scratch: TemporaryDirectory) throws -> ProcessResult {
        try Subprocess.requireTool("umoci", package: "umoci")
        try Subprocess.requireTool("runc", package: "runc")
        let bundle = scratch.child("bundle-\(UInt32.random(in: 0...UInt32.max))")
        let unpack = try Subprocess.run(["umoci", "unpack", "--image", "\(layout):\(reference)", bundle])
        guard unpack.succeeded else { throw TestSupportError.setup("umoci unpack failed: \(unpack.stderr)") }
        defer { try? FileManager.default.removeItem(atPath: bundle) }
        let configPath = bundle + "/config.json"
        var config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath))) as? [String: Any]
        )
        var process = try #require(config["process"] as? [String: Any])
        process["terminal"] = false
        config["process"] = process
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let name = "hoist-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { _ = try? Subprocess.run(["runc", "delete", "-f", name]) }
        return try Subprocess.run(["runc", "run", "--bundle", bundle, name], timeout: 60)
    }
}
