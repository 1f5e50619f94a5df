// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import Sandbox
import Synchronization
import TestSupport

/// Whether the namespace tests run: whenever this process can create namespaces, and always under `CI=true`, where
/// an unprivileged runner must fail loudly rather than skip.
enum SandboxGate {
    static let isEnabled = NamespaceExecutor.isSupported || TestPaths.isCI
}

/// A root filesystem made of Debian's busybox-static, with a few users and groups.
final class BusyboxRoot: Sendable {
    static let applets = [
        "sh", "echo", "id", "cat", "ls", "hostname", "sleep", "mount", "ps", "ip", "touch", "test", "pwd", "grep",
        "wc", "true", "false", "mkdir", "rm", "stat", "readlink", "env", "kill", "yes", "head",
    ]
    static let passwd = """
        root:x:0:0:root:/root:/bin/sh
        alice:x:1000:1000:Alice:/home/alice:/bin/sh
        bob:x:1001:1001::/home/bob:/bin/sh

        """
    static let group = """
        root:x:0:
        wheel:x:10:root
        staff:x:50:
        users:x:100:alice,bob
        alice:x:1000:
        bob:x:1001:

        """

    let directory: TemporaryDirectory
    /// The root directory.
    let path: String

    init() throws {
        let busybox = try Subprocess.requireTool("busybox", package: "busybox-static")
        directory = try TemporaryDirectory("hoist-sandbox")
        path = directory.child("root")
        let files = FileManager.default
        try files.createDirectory(atPath: path + "/bin", withIntermediateDirectories: true)
        try files.createDirectory(atPath: path + "/etc", withIntermediateDirectories: true)
        try files.copyItem(atPath: busybox, toPath: path + "/bin/busybox")
        for applet in Self.applets {
            try files.createSymbolicLink(atPath: path + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try Self.passwd.write(toFile: path + "/etc/passwd", atomically: false, encoding: .utf8)
        try Self.group.write(toFile: path + "/etc/group", atomically: false, encoding: .utf8)
    }

    /// A request for `sh -c script` in this root, with `PATH=/bin`.
    func shell(_ script: String) -> RunRequest {
        RunRequest(root: path, arguments: ["sh", "-c", script], environment: ["PATH=/bin"])
    }

    /// The sorted paths under the root, with their types, sizes and mtimes: what a layer diff would see.
    func snapshot() throws -> [String] {
        let files = FileManager.default
        var entries: [String] = []
        for relative in try files.subpathsOfDirectory(atPath: path).sorted() + [""] {
            let attributes = try files.attributesOfItem(atPath: path + "/" + relative)
            let type = attributes[.type].map { "\($0)" } ?? "?"
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
            entries.append("\(relative) \(type) \(size) \(modified)")
        }
        return entries
    }
}

/// What a command wrote, gathered from the output handler.
final class OutputSink: Sendable {
    private let collected = Mutex<(stdout: [UInt8], stderr: [UInt8])>(([], []))

    func append(_ chunk: SandboxOutput) {
        collected.withLock {
            switch chunk.stream {
            case .standardOutput: $0.stdout += chunk.bytes
            case .standardError: $0.stderr += chunk.bytes
            }
        }
    }

    var stdout: String { collected.withLock { String(decoding: $0.stdout, as: UTF8.self) } }
    var stderr: String { collected.withLock { String(decoding: $0.stderr, as: UTF8.self) } }
}

struct Captured {
    var status: ExitStatus
    var stdout: String
    var stderr: String
}

/// Runs the request with a `NamespaceExecutor`, capturing its output.
func capture(_ request: RunRequest) async throws -> Captured {
    let sink = OutputSink()
    let status = try await NamespaceExecutor().run(request, output: .handler { sink.append($0) })
    return Captured(status: status, stdout: sink.stdout, stderr: sink.stderr)
}

/// The host's mount table, as this process sees it.
func hostMountInfo() throws -> String {
    try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
}
