// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A typed Dockerfile instruction with where it came from.
///
/// Values that BuildKit expands (image names, paths, ENV values…) are kept as written here;
/// ``VariableScope/expand(_:)`` returns a copy with them expanded for the current scope.
public struct Instruction: Hashable, Sendable {
    /// What the instruction does, with its typed arguments.
    public var command: Command
    /// Where the instruction is.
    public var range: SourceRange
    /// The instruction's logical line, as written (continuations joined).
    public var text: String

    /// Creates an instruction.
    public init(_ command: Command, range: SourceRange, text: String) {
        self.command = command
        self.range = range
        self.text = text
    }

    /// Every instruction, with its typed arguments.
    public enum Command: Hashable, Sendable {
        case from(From)
        case run(Run)
        case cmd(CommandForm)
        case entrypoint(CommandForm)
        case shell([String])
        case label([KeyValue])
        case env([KeyValue])
        case maintainer(String)
        case expose([String])
        case add(Copy)
        case copy(Copy)
        case volume([String])
        case user(String)
        case workdir(String)
        case arg([ArgDeclaration])
        case onbuild(String)
        case stopSignal(String)
        case healthcheck(Healthcheck)

        /// The instruction keyword in upper case.
        public var keyword: String {
            switch self {
            case .from: return "FROM"
            case .run: return "RUN"
            case .cmd: return "CMD"
            case .entrypoint: return "ENTRYPOINT"
            case .shell: return "SHELL"
            case .label: return "LABEL"
            case .env: return "ENV"
            case .maintainer: return "MAINTAINER"
            case .expose: return "EXPOSE"
            case .add: return "ADD"
            case .copy: return "COPY"
            case .volume: return "VOLUME"
            case .user: return "USER"
            case .workdir: return "WORKDIR"
            case .arg: return "ARG"
            case .onbuild: return "ONBUILD"
            case .stopSignal: return "STOPSIGNAL"
            case .healthcheck: return "HEALTHCHECK"
            }
        }
    }
}

/// `FROM [--platform=p] image [AS name]`.
public struct From: Hashable, Sendable, Codable {
    /// The image reference or stage name, as written (may hold `$VARS` from global ARGs).
    public var image: String
    /// The `--platform` value, as written.
    public var platform: String?
    /// The `AS` name, lower-cased as BuildKit does.
    public var stageName: String?

    /// Creates a FROM value.
    public init(image: String, platform: String? = nil, stageName: String? = nil) {
        self.image = image
        self.platform = platform
        self.stageName = stageName
    }
}

/// A command in shell form (`RUN echo hi`) or exec form (`RUN ["echo", "hi"]`).
public enum CommandForm: Hashable, Sendable {
    /// Run through the stage's shell (`SHELL`, default `/bin/sh -c`).
    case shell(String)
    /// Run directly.
    case exec([String])

    /// The arguments to execute, given the shell to use for the shell form.
    /// - Parameter shell: the shell prefix, such as `["/bin/sh", "-c"]`.
    /// - Returns: the full argument vector.
    public func arguments(shell: [String]) -> [String] {
        switch self {
        case .shell(let text): return shell + [text]
        case .exec(let arguments): return arguments
        }
    }
}

/// `RUN [--mount=…] [--network=…] [--security=…] command`.
public struct Run: Hashable, Sendable {
    /// The command.
    public var command: CommandForm
    /// The `--mount` values as written (expanded by ``VariableScope``).
    public var mountSpecifications: [String]
    /// The parsed mounts.
    public var mounts: [Mount]
    /// `--network`.
    public var network: NetworkMode?
    /// `--security`.
    public var security: SecurityMode?
    /// Here-documents used as the script or as files (`RUN <<EOF`).
    public var heredocs: [Heredoc]
}

/// `RUN --network` values.
public enum NetworkMode: String, Hashable, Sendable, Codable, CaseIterable {
    case `default`, none, host
}

/// `RUN --security` values.
public enum SecurityMode: String, Hashable, Sendable, Codable, CaseIterable {
    case sandbox, insecure
}

/// A `KEY=value` pair of `ENV` or `LABEL`.
public struct KeyValue: Hashable, Sendable, Codable {
    /// The key, as written (quotes still in place until expanded).
    public var key: String
    /// The value, as written.
    public var value: String

    /// Creates a pair.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// One name of an `ARG` instruction.
public struct ArgDeclaration: Hashable, Sendable, Codable {
    /// The argument name.
    public var name: String
    /// The default value (`ARG NAME=value`), if any.
    public var defaultValue: String?

    /// Creates a declaration.
    public init(name: String, defaultValue: String? = nil) {
        self.name = name
        self.defaultValue = defaultValue
    }
}

/// `COPY` and `ADD`.
public struct Copy: Hashable, Sendable, Codable {
    /// The source paths (or URLs, for ADD), without here-document sources.
    public var sources: [String]
    /// Sources given inline as here-documents (`COPY <<EOF /dest`).
    public var heredocSources: [Heredoc]
    /// The destination.
    public var destination: String
    /// `--from` (COPY only): a stage name, stage index or image.
    public var from: String?
    /// `--chown=user[:group]`.
    public var chown: String?
    /// `--chmod` (octal).
    public var chmod: String?
    /// `--link`.
    public var link: Bool
    /// `--parents` (COPY only).
    public var parents: Bool
    /// `--exclude` patterns.
    public var excludes: [String]
    /// `--checksum` (ADD only).
    public var checksum: String?
    /// Whether the arguments were written as a JSON array.
    public var isJSON: Bool
}

/// `HEALTHCHECK`.
public enum Healthcheck: Hashable, Sendable {
    /// `HEALTHCHECK NONE`: disable any inherited check.
    case none
    /// `HEALTHCHECK [options] CMD command`.
    case check(HealthcheckConfiguration)
}

/// The options of `HEALTHCHECK CMD`, durations in nanoseconds as in the image config.
public struct HealthcheckConfiguration: Hashable, Sendable, Codable {
    /// The test, as the image config stores it (`["CMD", …]` or `["CMD-SHELL", "…"]`).
    public var test: [String]
    /// `--interval`, nanoseconds.
    public var interval: Int64?
    /// `--timeout`, nanoseconds.
    public var timeout: Int64?
    /// `--start-period`, nanoseconds.
    public var startPeriod: Int64?
    /// `--start-interval`, nanoseconds.
    public var startInterval: Int64?
    /// `--retries`.
    public var retries: Int?
}

/// A `RUN --mount` value.
public struct Mount: Hashable, Sendable, Codable {
    /// The mount types BuildKit knows.
    public enum MountType: String, Hashable, Sendable, Codable, CaseIterable {
        case bind, cache, tmpfs, secret, ssh
    }

    /// Cache sharing modes.
    public enum Sharing: String, Hashable, Sendable, Codable, CaseIterable {
        case shared, `private`, locked
    }

    /// `type=` (default `bind`).
    public var type: MountType = .bind
    /// `target=`/`dst=`/`destination=`.
    public var target: String?
    /// `source=`/`src=`.
    public var source: String?
    /// `from=`: a stage name, index or image.
    public var from: String?
    /// `readonly`/`ro` (or the inverse of `readwrite`/`rw`).
    public var readOnly: Bool?
    /// `id=` (cache, secret, ssh).
    public var id: String?
    /// `sharing=` (cache).
    public var sharing: Sharing?
    /// `mode=` (octal).
    public var mode: UInt32?
    /// `uid=`.
    public var uid: UInt32?
    /// `gid=`.
    public var gid: UInt32?
    /// `required=` (secret, ssh).
    public var required: Bool?
    /// `size=` (tmpfs), bytes.
    public var size: Int64?
    /// `env=` (secret): expose the secret as this environment variable.
    public var env: String?

    /// Creates a bind mount description with defaults.
    public init() {}
}

/// One build stage: its `FROM` and the instructions that follow it.
public struct Stage: Hashable, Sendable {
    /// The stage's position among stages, from 0.
    public var index: Int
    /// The `AS` name, lower-cased, if any.
    public var name: String?
    /// The `FROM` instruction.
    public var from: From
    /// Where the `FROM` is.
    public var range: SourceRange
    /// The instructions after `FROM`, up to the next `FROM`.
    public var instructions: [Instruction]
}

/// A Dockerfile as typed instructions: the global ARGs before the first `FROM`, then the stages.
public struct TypedDockerfile: Hashable, Sendable {
    /// The file name used in diagnostics.
    public var fileName: String
    /// `ARG` instructions before the first `FROM` (usable in `FROM` lines).
    public var globalArguments: [Instruction]
    /// The stages, in order.
    public var stages: [Stage]
    /// The escape character in effect.
    public var escapeCharacter: String
}
