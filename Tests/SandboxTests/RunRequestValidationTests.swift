// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Glibc
import Sandbox
import Testing

/// Requests rejected before anything is forked: these need no privileges.
struct RunRequestValidationTests {
    @Test func rejectsMalformedRequests() async {
        let executor = NamespaceExecutor()
        await #expect(throws: SandboxError.emptyCommand) {
            try await executor.run(RunRequest(root: "/", arguments: []), output: .discard)
        }
        await #expect(throws: SandboxError.pathNotAbsolute(field: "root", path: "rootfs")) {
            try await executor.run(RunRequest(root: "rootfs", arguments: ["true"]), output: .discard)
        }
        await #expect(throws: SandboxError.pathNotAbsolute(field: "working directory", path: "src")) {
            try await executor.run(
                RunRequest(root: "/", arguments: ["true"], workingDirectory: "src"), output: .discard)
        }
        let relativeMount = RunRequest(root: "/", arguments: ["true"], mounts: [.tmpfs(target: "tmp")])
        await #expect(throws: SandboxError.pathNotAbsolute(field: "mount target", path: "tmp")) {
            try await executor.run(relativeMount, output: .discard)
        }
        let tooMany = RunRequest(
            root: "/", arguments: ["true"], mounts: Array(repeating: .tmpfs(target: "/t"), count: 65))
        await #expect(throws: SandboxError.tooManyMounts(count: 65, limit: 64)) {
            try await executor.run(tooMany, output: .discard)
        }
    }

    @Test func missingRootIsAClearError() {
        #expect(throws: SandboxError.rootUnavailable(path: "/nonexistent/hoist-root", errno: ENOENT)) {
            try UserDatabase.load(root: "/nonexistent/hoist-root")
        }
        #expect(
            SandboxError.rootUnavailable(path: "/r", errno: ENOENT).description
                == "sandbox: root directory '/r': No such file or directory")
    }

    @Test func exitStatusReadsLikeAShell() {
        #expect(ExitStatus.exited(0).isSuccess)
        #expect(!ExitStatus.exited(2).isSuccess)
        #expect(ExitStatus.signaled(9).shellStatus == 137)
        #expect(ExitStatus.signaled(9).description == "killed by signal 9")
    }
}
