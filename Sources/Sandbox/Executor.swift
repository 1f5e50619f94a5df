// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Runs one command inside a root directory, isolated from the host.
///
/// The build engine runs every `RUN` step through an executor. Implementations know nothing of images or
/// Dockerfiles: they get a root directory, a command line and its surroundings, and report the output and the
/// exit status.
public protocol Executor: Sendable {
    /// Runs `request` to completion.
    ///
    /// When the calling task is cancelled, the whole process tree of the command is killed, the sandbox cleaned up,
    /// and the call throws `CancellationError` promptly.
    /// - Parameters:
    ///   - request: what to run, and where.
    ///   - output: where the command's standard output and standard error go.
    /// - Returns: how the command ended; a non-zero exit or a signal is a result, not an error.
    /// - Throws: `SandboxError` when the sandbox could not be set up or the command could not be started,
    ///   `CancellationError` when the task was cancelled.
    func run(_ request: RunRequest, output: OutputDestination) async throws -> ExitStatus
}
