// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import Sandbox
import Synchronization
import TestSupport
import Testing

@Suite(.enabled(if: SandboxGate.isEnabled, "needs root (CAP_SYS_ADMIN) to create namespaces"))
struct NamespaceExecutorTests {
    let root: BusyboxRoot

    init() throws {
        root = try BusyboxRoot()
    }

    // MARK: - Process basics

    @Test func reportsExitStatusAndOutput() async throws {
        let result = try await capture(root.shell("echo out; echo err >&2; exit 3"))
        #expect(result.status == .exited(3))
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
        #expect(try await capture(root.shell("true")).status.isSuccess)
    }

    @Test func passesEnvironmentAndAddsHome() async throws {
        var request = root.shell("echo \"$GREETING|$HOME|$PATH\"")
        request.environment.append("GREETING=hello world")
        #expect(try await capture(request).stdout == "hello world|/root|/bin\n")
        request.environment.append("HOME=/elsewhere")
        request.user = "alice"
        #expect(try await capture(request).stdout == "hello world|/elsewhere|/bin\n")
    }

    @Test func createsTheWorkingDirectory() async throws {
        var request = root.shell("pwd")
        request.workingDirectory = "/work/dir/deep"
        #expect(try await capture(request).stdout == "/work/dir/deep\n")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: root.path + "/work/dir/deep", isDirectory: &isDirectory))
        #expect(isDirectory.boolValue)
    }

    @Test(arguments: [
        ("", "0 0 0 10"),
        ("alice", "1000 1000 1000 100"),
        ("1000", "1000 1000 1000 100"),
        ("bob:staff", "1001 50 50"),
        ("1001:100", "1001 100 100"),
        ("alice:4343", "1000 4343 4343"),
        ("4242", "4242 0 0"),
    ])
    func switchesUser(spec: String, expected: String) async throws {
        var request = root.shell("echo $(id -u) $(id -g) $(id -G)")
        request.user = spec
        let result = try await capture(request)
        #expect(result.stdout == expected + "\n", "user \(spec): \(result.stderr)")
    }

    @Test func unknownUserIsAClearError() async throws {
        var request = root.shell("true")
        request.user = "mallory"
        await #expect(throws: SandboxError.unknownUser(name: "mallory")) { try await capture(request) }
        request.user = "alice:nogroup"
        await #expect(throws: SandboxError.unknownGroup(name: "nogroup")) { try await capture(request) }
    }

    @Test func missingCommandIsAClearError() async throws {
        let request = RunRequest(root: root.path, arguments: ["no-such-tool", "x"], environment: ["PATH=/bin"])
        await #expect(throws: SandboxError.executableNotFound(name: "no-such-tool")) { try await capture(request) }
        let absolute = RunRequest(root: root.path, arguments: ["/bin/nope"])
        await #expect(throws: SandboxError.executableNotFound(name: "/bin/nope")) { try await capture(absolute) }
        let error = SandboxError.setupFailed(step: "mount proc", path: "/proc", errno: EPERM)
        #expect(error.description == "sandbox: mount proc /proc: Operation not permitted")
    }

    @Test func writesToGivenDescriptors() async throws {
        let file = root.directory.child("output.txt")
        #expect(FileManager.default.createFile(atPath: file, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: file))
        let fd = handle.fileDescriptor
        let status = try await NamespaceExecutor().run(
            root.shell("echo to-file; echo also >&2"), output: .fileDescriptors(standardOutput: fd, standardError: fd))
        try handle.close()
        #expect(status.isSuccess)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "to-file\nalso\n")
        #expect(try await NamespaceExecutor().run(root.shell("echo gone"), output: .discard) == .exited(0))
    }

    @Test func streamsLargeOutputToASlowHandler() async throws {
        let received = Mutex((bytes: 0, chunks: 0))
        let status = try await NamespaceExecutor().run(
            root.shell("yes 0123456789abcdef | head -c 3000000"),
            output: .handler { chunk in
                received.withLock {
                    $0.bytes += chunk.bytes.count
                    $0.chunks += 1
                }
                try? await Task.sleep(for: .microseconds(200))
            })
        #expect(status.isSuccess)
        #expect(received.withLock { $0.bytes } == 3_000_000)
        #expect(received.withLock { $0.chunks } > 1)
    }

    @Test func inheritsNoHostDescriptors() async throws {
        let request = RunRequest(root: root.path, arguments: ["ls", "/proc/self/fd"], environment: ["PATH=/bin"])
        let result = try await capture(request)
        // 0, 1 and 2, and 3 for the directory ls is listing.
        #expect(result.stdout == "0\n1\n2\n3\n", "\(result.stderr)")
    }

    // MARK: - Isolation

    @Test func isPIDOneWithItsOwnHostname() async throws {
        var request = root.shell("echo $$; hostname; ps -o pid,comm | wc -l")
        request.hostname = "builder"
        let lines = try await capture(request).stdout.split(separator: "\n")
        #expect(lines.first == "1")
        #expect(lines.dropFirst().first == "builder")
        // The header, sh and ps (and possibly wc): nothing of the host's.
        #expect((Int(lines.last ?? "") ?? 99) <= 4)
    }

    @Test func hasProcDevAndReadOnlySys() async throws {
        let script = """
            test -r /proc/1/status && echo proc
            for node in null zero full random urandom tty; do test -c /dev/$node || echo missing $node; done
            echo discard > /dev/null && head=$(ls /dev/pts /dev/shm >/dev/null && echo dev) && echo $head
            test -L /dev/fd && test -L /dev/stdin && test -L /dev/ptmx && echo links
            touch /sys/probe 2>/dev/null || echo sys-read-only
            grep -q ' /sys ro,' /proc/self/mountinfo && echo sys-mounted-ro
            """
        let result = try await capture(root.shell(script))
        #expect(result.stdout == "proc\ndev\nlinks\nsys-read-only\nsys-mounted-ro\n", "\(result.stderr)")
    }

    @Test func bindsHostFilesForTheStepOnly() async throws {
        let resolv = root.directory.child("resolv.conf")
        let hosts = root.directory.child("hosts")
        try "nameserver 192.0.2.53\n".write(toFile: resolv, atomically: false, encoding: .utf8)
        try "192.0.2.1 registry.test\n".write(toFile: hosts, atomically: false, encoding: .utf8)
        let before = try root.snapshot()
        var request = root.shell("cat /etc/resolv.conf /etc/hosts; echo x > /etc/hosts 2>/dev/null || echo read-only")
        request.hostFiles = HostFiles(resolvConf: resolv, hosts: hosts)
        let result = try await capture(request)
        #expect(result.stdout == "nameserver 192.0.2.53\n192.0.2.1 registry.test\nread-only\n")
        // The mount points (and /proc, /dev, /sys) are gone, and /etc's mtime is as it was.
        #expect(try root.snapshot() == before)
        #expect(!FileManager.default.fileExists(atPath: root.path + "/etc/resolv.conf"))
    }

    @Test func leavesExistingFilesAlone() async throws {
        try "# the image's own\n".write(toFile: root.path + "/etc/hosts", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root.path + "/proc", withIntermediateDirectories: false)
        let before = try root.snapshot()
        let result = try await capture(root.shell("test -r /proc/self/stat && cat /etc/hosts | wc -l"))
        #expect(result.status.isSuccess)
        #expect(try root.snapshot() == before)
        #expect(try String(contentsOfFile: root.path + "/etc/hosts", encoding: .utf8) == "# the image's own\n")
    }

    @Test func bindsOverADanglingSymlinkWithoutTouchingIt() async throws {
        let link = root.path + "/etc/resolv.conf"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../run/resolve/stub.conf")
        let resolv = root.directory.child("resolv.conf")
        try "nameserver 192.0.2.9\n".write(toFile: resolv, atomically: false, encoding: .utf8)
        var request = root.shell("cat /etc/resolv.conf")
        request.hostFiles = HostFiles(resolvConf: resolv, hosts: nil)
        #expect(try await capture(request).stdout == "nameserver 192.0.2.9\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "../run/resolve/stub.conf")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/run"))
    }

    @Test func skipsHostFilesTheHostDoesNotHave() async throws {
        var request = root.shell("test -e /etc/resolv.conf || echo absent")
        request.hostFiles = HostFiles(resolvConf: "/nonexistent/resolv.conf", hosts: nil)
        #expect(try await capture(request).stdout == "absent\n")
    }

    /// The build engine runs steps on an overlay whose upper directory becomes the layer: only the command's own
    /// changes may reach it, apart from `/etc` copied up (empty, with its original mtime) when a host file's mount
    /// point had to be created in it.
    @Test func onOverlayOnlyTheCommandsChangesReachTheUpperDirectory() async throws {
        let mountTool = try Subprocess.requireTool("mount", package: "mount")
        let umountTool = try Subprocess.requireTool("umount", package: "mount")
        let files = FileManager.default
        let (upper, work, merged) = (
            root.directory.child("upper"), root.directory.child("work"), root.directory.child("merged")
        )
        for directory in [upper, work, merged] {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let options = "lowerdir=\(root.path),upperdir=\(upper),workdir=\(work)"
        let mounted = try Subprocess.run([mountTool, "-t", "overlay", "overlay", "-o", options, merged])
        try #require(mounted.succeeded, "\(mounted.stderr)")
        defer { _ = try? Subprocess.run([umountTool, merged]) }

        var request = RunRequest(root: merged, arguments: ["sh", "-c", "echo hi > /new"], environment: ["PATH=/bin"])
        request.mounts = [.tmpfs(target: "/run/cache"), .bind(source: root.path + "/bin", target: "/opt/tools")]
        #expect(try await capture(request).status.isSuccess)
        #expect(try files.subpathsOfDirectory(atPath: upper).sorted() == ["etc", "new"])
        let lowerEtc = try files.attributesOfItem(atPath: root.path + "/etc")[.modificationDate] as? Date
        let upperEtc = try files.attributesOfItem(atPath: upper + "/etc")[.modificationDate] as? Date
        #expect(lowerEtc == upperEtc)
    }

    @Test func networkNoneHasOnlyLoopback() async throws {
        var request = root.shell("ls /sys/class/net; ip -o link | grep -c UP")
        request.network = .none
        #expect(try await capture(request).stdout == "lo\n1\n")
        request.network = .host
        let shared = try await capture(root.shell("ls /sys/class/net | wc -l"))
        let hostCount = try FileManager.default.contentsOfDirectory(atPath: "/sys/class/net").count
        #expect(shared.stdout == "\(hostCount)\n")
    }

    @Test func extraMounts() async throws {
        let cache = root.directory.child("cache")
        let source = root.directory.child("context")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try "s3cret".write(toFile: source + "/secret", atomically: false, encoding: .utf8)
        let before = try root.snapshot()
        // The write probes are `touch` (an applet), not a failing shell redirection: once in about ten full
        // runs, busybox ash emitted the output of `echo … > RO || echo x` out of order after a failed redirect.
        var request = root.shell(
            """
            echo cached > /var/cache/app/entry
            cat /run/secrets/token; echo
            touch /run/secrets/token 2>/dev/null || echo secret-read-only
            touch /src/new 2>/dev/null || echo source-read-only
            echo scratch > /tmp/build/file && cat /tmp/build/file
            grep ' /tmp/build ' /proc/self/mountinfo | grep -c tmpfs
            """)
        request.mounts = [
            .bind(source: cache, target: "/var/cache/app", readOnly: false),
            .bind(source: source + "/secret", target: "/run/secrets/token"),
            .bind(source: source, target: "/src"),
            .tmpfs(target: "/tmp/build", sizeBytes: 1 << 20),
        ]
        let result = try await capture(request)
        #expect(result.stdout == "s3cret\nsecret-read-only\nsource-read-only\nscratch\n1\n", "\(result.stderr)")
        #expect(try String(contentsOfFile: cache + "/entry", encoding: .utf8) == "cached\n")
        #expect(try root.snapshot() == before)
    }

    @Test func mountTargetsFollowLinksInsideTheRoot() async throws {
        let files = FileManager.default
        try files.createDirectory(atPath: root.path + "/data", withIntermediateDirectories: false)
        try files.createSymbolicLink(atPath: root.path + "/link", withDestinationPath: "/data")
        try files.createSymbolicLink(atPath: root.path + "/escape", withDestinationPath: "../../../../../../tmp")
        let before = try root.snapshot()
        var request = root.shell("grep -c ' /data ' /proc/self/mountinfo")
        request.mounts = [.tmpfs(target: "/link")]
        #expect(try await capture(request).stdout == "1\n")
        #expect(try root.snapshot() == before)

        // "/escape" resolves to the root's own /tmp, which does not exist: the host's /tmp is never reached.
        let marker = "hoist-sandbox-escape-\(Int.random(in: 100_000...999_999))"
        request.mounts = [.tmpfs(target: "/escape/" + marker)]
        await #expect(
            throws: SandboxError.setupFailed(step: "create mount point", path: "/escape/" + marker, errno: ENOENT)
        ) { try await capture(request) }
        #expect(!files.fileExists(atPath: "/tmp/" + marker))
        #expect(try root.snapshot() == before)
    }

    @Test func badMountSourceIsASetupError() async throws {
        var request = root.shell("true")
        let missing = "/nonexistent/hoist-source"
        request.mounts = [.bind(source: missing, target: "/mnt")]
        await #expect(throws: SandboxError.setupFailed(step: "bind mount source", path: missing, errno: ENOENT)) {
            try await capture(request)
        }
        #expect(!FileManager.default.fileExists(atPath: root.path + "/mnt"))
    }

    @Test func leavesNothingMountedOnTheHost() async throws {
        var request = root.shell("mount -t tmpfs none /tmp 2>/dev/null; echo done")
        request.mounts = [.tmpfs(target: "/scratch")]
        _ = try await capture(request)
        let table = try hostMountInfo()
        #expect(!table.contains(root.path))
        #expect(!table.contains(root.directory.path))
    }

    /// Concurrent runs each get their own root, as the build engine gives each step its own: two runs
    /// must never share a root, since each creates and removes its own mount points in it.
    @Test func concurrentRunsAreIndependent() async throws {
        let roots = try (0..<4).map { _ in try BusyboxRoot() }
        let outputs = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<4 {
                var request = roots[index].shell("hostname")
                request.hostname = "stage\(index)"
                group.addTask { try await capture(request).stdout }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs.sorted() == ["stage0\n", "stage1\n", "stage2\n", "stage3\n"])
    }

    // MARK: - Cancellation

    @Test func cancellationKillsTheWholeTree() async throws {
        let marker = "\(Int.random(in: 100_000...999_999))"
        let started = Mutex(false)
        let request = root.shell("sleep \(marker) & sleep \(marker) & echo started; sleep \(marker)")
        let task = Task {
            try await NamespaceExecutor().run(
                request,
                output: .handler { chunk in
                    if String(decoding: chunk.bytes, as: UTF8.self).contains("started") {
                        started.withLock { $0 = true }
                    }
                })
        }
        let clock = ContinuousClock()
        // Generous: the full suite runs many blocking tests at once on a 2-core machine, which can keep the
        // output handler from running for a while; the bounds below are about the sandbox, not the load.
        let deadline = clock.now + .seconds(90)
        while !started.withLock({ $0 }) && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(started.withLock { $0 })
        #expect(Self.processes(matching: marker) == 3)
        let cancelledAt = clock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        // SIGTERM reaches the tree at once; the monitor escalates to SIGKILL after 5 s at the latest.
        #expect(cancelledAt.duration(to: clock.now) < .seconds(10))
        #expect(Self.processes(matching: marker) == 0)
        #expect(try root.snapshot().allSatisfy { !$0.hasPrefix("proc ") && !$0.hasPrefix("dev ") })
    }

    @Test func cancelledBeforeStartingRunsNothing() async throws {
        let request = root.shell("touch /ran")
        let task = Task { () async throws -> Captured in
            withUnsafeCurrentTask { $0?.cancel() }
            return try await capture(request)
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!FileManager.default.fileExists(atPath: root.path + "/ran"))
    }

    /// How many host processes have `sleep MARKER` as their command line.
    static func processes(matching marker: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return String(decoding: data, as: UTF8.self) == "sleep\0\(marker)\0"
        }.count
    }
}
