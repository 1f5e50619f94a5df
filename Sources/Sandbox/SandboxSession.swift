// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CSandbox
import Glibc

/// The blocking side of one run, executed on a dedicated thread: resolve the user, fork the monitor, pump the
/// output pipes, reap the monitor, and turn its status records into a result.
struct SandboxSession: Sendable {
    enum Streams: Sendable {
        case pipes
        case descriptors(standardOutput: Int32, standardError: Int32)
        case discard
    }

    /// The lookup path when the environment has no `PATH` (the one Docker and BuildKit default to).
    static let defaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    let request: RunRequest
    let streams: Streams
    let control: SandboxControl
    let channel: EventChannel

    /// Runs to the end and sends `.finished`, whatever happens.
    func execute() {
        do throws(SandboxError) {
            channel.send(.finished(.success(try runToCompletion())))
        } catch {
            channel.send(.finished(.failure(error)))
        }
    }

    // MARK: - Private helpers

    private func runToCompletion() throws(SandboxError) -> ExitStatus {
        let user = try UserDatabase.loadTyped(root: request.root).resolveUser(request.user)
        var environment = request.environment
        if !environment.contains(where: { $0.hasPrefix("HOME=") }) { environment.append("HOME=" + user.home) }
        let searchPath =
            environment.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) }
            ?? Self.defaultSearchPath

        var standardOutput: Int32 = -1
        var standardError: Int32 = -1
        var devNull: Int32 = -1
        defer { if devNull >= 0 { close(devNull) } }
        switch streams {
        case .pipes:
            break
        case .descriptors(let out, let err):
            standardOutput = out
            standardError = err
        case .discard:
            devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
            guard devNull >= 0 else { throw .setupFailed(step: "open", path: "/dev/null", errno: errno) }
            standardOutput = devNull
            standardError = devNull
        }
        // A host without one of the files (a minimal CI container) gets no bind for it rather than a failed step.
        var request = request
        request.hostFiles = HostFiles(
            resolvConf: request.hostFiles.resolvConf.flatMap(Self.existing),
            hosts: request.hostFiles.hosts.flatMap(Self.existing))
        let configuration = try CConfiguration(
            request: request, user: user, environment: environment, searchPath: searchPath,
            standardOutput: standardOutput, standardError: standardError)
        if control.isCancelled { return .signaled(SIGKILL) }

        var process = csandbox_process()
        var config = configuration.config
        let spawned = csandbox_spawn(&config, &process)
        guard spawned == 0 else { throw .spawnFailed(errno: -spawned) }
        control.attach(pidfd: process.pidfd)
        let statusBytes = pump(process)
        let waitStatus = csandbox_reap(process.pid)
        control.detach()
        for fd in [process.stdout_fd, process.stderr_fd, process.status_fd] where fd >= 0 { close(fd) }
        withExtendedLifetime(configuration) {}
        return try Self.interpret(statusBytes, waitStatus: waitStatus)
    }

    /// Reads the output pipes (forwarding each chunk) and the status pipe until all three reach end of file, which
    /// happens once the monitor and every process of the sandbox have exited. Returns the status pipe's bytes.
    private func pump(_ process: csandbox_process) -> [UInt8] {
        var descriptors = [process.status_fd, process.stdout_fd, process.stderr_fd].map {
            pollfd(fd: $0, events: Int16(POLLIN), revents: 0)
        }
        var statusBytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while descriptors.contains(where: { $0.fd >= 0 }) {
            // A timeout, so that an overdue cancellation is escalated even when nothing is written.
            let ready = poll(&descriptors, nfds_t(descriptors.count), 250)
            control.escalateIfOverdue()
            if ready < 0 && errno != EINTR { break }
            guard ready > 0 else { continue }
            for index in descriptors.indices where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
                let fd = descriptors[index].fd
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                guard count > 0 else {
                    descriptors[index].fd = -1
                    continue
                }
                let bytes = Array(buffer[0..<count])
                switch index {
                case 0: statusBytes.append(contentsOf: bytes)
                case 1: channel.send(.output(SandboxOutput(stream: .standardOutput, bytes: bytes)))
                default: channel.send(.output(SandboxOutput(stream: .standardError, bytes: bytes)))
                }
            }
        }
        return statusBytes
    }

    /// Turns the monitor's records into a result: a setup error wins, then a cleanup error, then the exit status.
    private static func interpret(_ bytes: [UInt8], waitStatus: Int32) throws(SandboxError) -> ExitStatus {
        let size = MemoryLayout<csandbox_record>.size
        var records: [csandbox_record] = []
        var offset = 0
        while offset + size <= bytes.count {
            records.append(bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: csandbox_record.self) })
            offset += size
        }
        if let setup = records.first(where: { $0.kind == Int32(CSANDBOX_RECORD_SETUP_ERROR.rawValue) }) {
            let step = text(setup.step)
            let detail = text(setup.detail)
            if step == "exec" && setup.error == ENOENT { throw .executableNotFound(name: detail) }
            throw .setupFailed(step: step, path: detail, errno: setup.error)
        }
        if let cleanup = records.first(where: { $0.kind == Int32(CSANDBOX_RECORD_CLEANUP_ERROR.rawValue) }) {
            throw .cleanupFailed(step: text(cleanup.step), path: text(cleanup.detail), errno: cleanup.error)
        }
        for record in records {
            if record.kind == Int32(CSANDBOX_RECORD_EXITED.rawValue) { return .exited(record.value) }
            if record.kind == Int32(CSANDBOX_RECORD_SIGNALED.rawValue) { return .signaled(record.value) }
        }
        throw .monitorFailed(waitStatus: waitStatus)
    }

    private static func existing(_ path: String) -> String? {
        access(path, F_OK) == 0 ? path : nil
    }

    private static func text<Tuple>(_ tuple: Tuple) -> String {
        withUnsafeBytes(of: tuple) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
