// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A chunk of output from a command running in the sandbox, as it arrives (not split into lines).
public struct SandboxOutput: Sendable, Hashable {
    /// Which of the command's outputs a chunk came from.
    public enum Stream: Sendable, Hashable {
        case standardOutput
        case standardError
    }

    /// The stream the bytes were written to.
    public var stream: Stream
    /// The bytes, in the order written.
    public var bytes: [UInt8]

    /// Creates a chunk.
    public init(stream: Stream, bytes: [UInt8]) {
        self.stream = stream
        self.bytes = bytes
    }
}

/// Where a sandboxed command's standard output and standard error go. Standard input is always `/dev/null`.
public enum OutputDestination: Sendable {
    /// Each chunk is passed to the handler as it arrives. The command is held up (its pipe fills) while the handler
    /// runs, so a slow consumer slows the command down rather than buffering without bound.
    case handler(@Sendable (SandboxOutput) async -> Void)
    /// The command writes straight to these host descriptors, which must stay open until `run` returns.
    case fileDescriptors(standardOutput: Int32, standardError: Int32)
    /// Both go to `/dev/null`.
    case discard
}
