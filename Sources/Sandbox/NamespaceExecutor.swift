// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CSandbox
import Foundation

/// Runs commands in new Linux mount, PID, UTS and IPC namespaces (and a network namespace for `.none`), with the
/// root directory as `/` through `pivot_root`. Needs root (CAP_SYS_ADMIN). See `specs/sandbox.md`.
///
/// Each run forks a small monitor process written in C (no Swift runs after `fork()`); the command itself is PID 1
/// of its PID namespace, so killing it kills everything it started.
public struct NamespaceExecutor: Executor {
    /// The most extra mounts one run may have.
    public static let mountLimit = 64

    /// Creates an executor.
    public init() {}

    /// Whether this process may create the namespaces the executor needs (it runs as root, or with
    /// CAP_SYS_ADMIN). Checked by forking a child that tries.
    public static var isSupported: Bool { csandbox_can_create_namespaces() == 1 }

    /// Runs `request` to completion. See `Executor.run(_:output:)`.
    /// - Parameters:
    ///   - request: what to run, and where.
    ///   - output: where standard output and standard error go.
    /// - Returns: how the command ended.
    /// - Throws: `SandboxError`, or `CancellationError` when the task was cancelled (the process tree is then
    ///   already killed and the root cleaned up).
    public func run(_ request: RunRequest, output: OutputDestination) async throws -> ExitStatus {
        try Self.validate(request)
        let handler: (@Sendable (SandboxOutput) async -> Void)?
        let streams: SandboxSession.Streams
        switch output {
        case .handler(let closure):
            handler = closure
            streams = .pipes
        case .fileDescriptors(let standardOutput, let standardError):
            handler = nil
            streams = .descriptors(standardOutput: standardOutput, standardError: standardError)
        case .discard:
            handler = nil
            streams = .discard
        }
        let control = SandboxControl()
        let channel = EventChannel(capacity: 8)
        let session = SandboxSession(request: request, streams: streams, control: control, channel: channel)
        // The blocking side (fork, poll, waitpid) runs on a thread of its own, never on the cooperative pool. It
        // always ends by sending `.finished`, which the loop below waits for: the thread never outlives the call.
        let thread = Thread { session.execute() }
        thread.name = "hoist-sandbox"
        thread.start()
        let result = await withTaskCancellationHandler {
            while true {
                switch await channel.next() {
                case .output(let chunk):
                    if let handler { await handler(chunk) }
                case .finished(let result):
                    return result
                }
            }
        } onCancel: {
            control.cancel()
        }
        try Task.checkCancellation()
        return try result.get()
    }

    // MARK: - Private helpers

    private static func validate(_ request: RunRequest) throws(SandboxError) {
        guard !request.arguments.isEmpty, !(request.arguments.first ?? "").isEmpty else { throw .emptyCommand }
        guard request.root.hasPrefix("/") else { throw .pathNotAbsolute(field: "root", path: request.root) }
        guard request.workingDirectory.hasPrefix("/") else {
            throw .pathNotAbsolute(field: "working directory", path: request.workingDirectory)
        }
        guard request.mounts.count <= mountLimit else {
            throw .tooManyMounts(count: request.mounts.count, limit: mountLimit)
        }
        for mount in request.mounts {
            guard mount.target.hasPrefix("/") else { throw .pathNotAbsolute(field: "mount target", path: mount.target) }
            if case .bind(let source) = mount.kind, !source.hasPrefix("/") {
                throw .pathNotAbsolute(field: "bind mount source", path: source)
            }
        }
    }
}
