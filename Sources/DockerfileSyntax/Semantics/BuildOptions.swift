// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// An `os/architecture[/variant]` platform as written in `--platform` and the `TARGET*`/`BUILD*` ARGs.
public struct PlatformTriple: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The operating system (`linux`).
    public var os: String
    /// The CPU architecture (`amd64`, `arm64`…).
    public var architecture: String
    /// The variant (`v7`), if any.
    public var variant: String?

    /// Creates a platform.
    /// - Parameters:
    ///   - os: the operating system.
    ///   - architecture: the architecture.
    ///   - variant: the variant, if any.
    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]`.
    /// - Parameter text: the platform string.
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { String($0).lowercased() }
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The platform this program was built for.
    public static var host: PlatformTriple {
        #if arch(arm64)
            return PlatformTriple(os: "linux", architecture: "arm64")
        #elseif arch(arm)
            return PlatformTriple(os: "linux", architecture: "arm", variant: "v7")
        #else
            return PlatformTriple(os: "linux", architecture: "amd64")
        #endif
    }

    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }
}

/// What a build was asked to do: the inputs that change how a Dockerfile is read.
public struct BuildOptions: Hashable, Sendable {
    /// `--build-arg NAME=value` values.
    public var buildArguments: [String: String]
    /// `--target`: the stage to build (default: the last one).
    public var target: String?
    /// The platform being built for (`TARGETPLATFORM`).
    public var targetPlatform: PlatformTriple
    /// The platform doing the build (`BUILDPLATFORM`).
    public var buildPlatform: PlatformTriple

    /// Creates options.
    /// - Parameters:
    ///   - buildArguments: `--build-arg` values.
    ///   - target: the stage to build.
    ///   - targetPlatform: the platform being built for.
    ///   - buildPlatform: the platform doing the build.
    public init(
        buildArguments: [String: String] = [:], target: String? = nil, targetPlatform: PlatformTriple = .host,
        buildPlatform: PlatformTriple = .host
    ) {
        self.buildArguments = buildArguments
        self.target = target
        self.targetPlatform = targetPlatform
        self.buildPlatform = buildPlatform
    }

    /// The proxy ARGs that `--build-arg` may set without a matching `ARG`; they reach `RUN` but are
    /// kept out of the image history, as Docker does.
    public static let proxyArguments: Set<String> = [
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy",
        "ALL_PROXY", "all_proxy",
    ]

    /// The automatic platform ARGs: available in `FROM` lines, and in a stage once declared with `ARG NAME`.
    public var predefinedArguments: [String: String] {
        [
            "TARGETPLATFORM": targetPlatform.description, "TARGETOS": targetPlatform.os,
            "TARGETARCH": targetPlatform.architecture, "TARGETVARIANT": targetPlatform.variant ?? "",
            "BUILDPLATFORM": buildPlatform.description, "BUILDOS": buildPlatform.os,
            "BUILDARCH": buildPlatform.architecture, "BUILDVARIANT": buildPlatform.variant ?? "",
        ]
    }

    /// Names that never trigger the unused `--build-arg` warning.
    public static let alwaysConsumed: Set<String> = proxyArguments.union(["SOURCE_DATE_EPOCH", "BUILDKIT_INLINE_CACHE"])
}
