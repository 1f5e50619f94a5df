// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// How a command run in the sandbox ended.
public enum ExitStatus: Sendable, Hashable, CustomStringConvertible {
    /// The command exited with this status.
    case exited(Int32)
    /// The command was killed by this signal.
    case signaled(Int32)

    /// Whether the command exited with status 0.
    public var isSuccess: Bool { self == .exited(0) }

    /// The status as a shell reports it: the exit status, or 128 plus the signal number.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}
