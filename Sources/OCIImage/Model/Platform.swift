// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// The platform an image runs on.
///
/// See [image-index.md](https://github.com/opencontainers/image-spec/blob/main/image-index.md) and
/// [config.md](https://github.com/opencontainers/image-spec/blob/main/config.md) for the fields.
public struct Platform: Codable, Hashable, Sendable, CustomStringConvertible {
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?
    public var features: [String]?

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant, features
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(
        os: String, architecture: String, variant: String? = nil, osVersion: String? = nil,
        osFeatures: [String]? = nil
    ) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
        self.osVersion = osVersion
        self.osFeatures = osFeatures
    }

    /// Parses `os/arch[/variant]` as `--platform` takes it, normalising common aliases
    /// (`x86_64` → `amd64`, `aarch64` → `arm64`).
    /// - Throws: `OCIImageError.invalidPlatform`.
    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw OCIImageError.invalidPlatform(text)
        }
        self.init(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
        self = normalized
    }

    /// `os/arch[/variant]`.
    public var description: String {
        [os, architecture, variant].compactMap { $0 }.joined(separator: "/")
    }

    /// The same platform with aliases resolved and default variants made explicit
    /// (`arm64` → `v8`, `arm` → `v7`), so that equal platforms compare equal.
    public var normalized: Platform {
        var result = self
        switch architecture {
        case "x86_64", "x86-64": result.architecture = "amd64"
        case "aarch64": result.architecture = "arm64"
        case "armhf": result.architecture = "arm"; result.variant = result.variant ?? "v7"
        case "armel": result.architecture = "arm"; result.variant = result.variant ?? "v6"
        case "i386", "i686": result.architecture = "386"
        default: break
        }
        switch result.architecture {
        case "arm64": if result.variant == nil || result.variant == "8" { result.variant = "v8" }
        case "arm":
            if let variant = result.variant, !variant.hasPrefix("v") { result.variant = "v" + variant }
            result.variant = result.variant ?? "v7"
        case "amd64": if result.variant == "v1" { result.variant = nil }
        default: break
        }
        return result
    }

    /// Whether an image for `candidate` satisfies a request for `self`.
    ///
    /// OS and architecture must agree after normalisation; a requested variant must match when the
    /// candidate names one, so `linux/arm64` matches `linux/arm64/v8` and `linux/arm/v7` does not
    /// match `linux/arm/v6`. A requested `os.version` must match too.
    public func matches(_ candidate: Platform) -> Bool {
        let wanted = normalized
        let offered = candidate.normalized
        guard wanted.os == offered.os, wanted.architecture == offered.architecture else { return false }
        if let variant = wanted.variant, let offeredVariant = offered.variant, variant != offeredVariant {
            return false
        }
        if let version = wanted.osVersion, let offeredVersion = offered.osVersion, version != offeredVersion {
            return false
        }
        return true
    }

    /// The platform of the running machine.
    public static var host: Platform {
        #if arch(x86_64)
            Platform(os: "linux", architecture: "amd64")
        #elseif arch(arm64)
            Platform(os: "linux", architecture: "arm64", variant: "v8")
        #elseif arch(arm)
            Platform(os: "linux", architecture: "arm", variant: "v7")
        #elseif arch(i386)
            Platform(os: "linux", architecture: "386")
        #elseif arch(s390x)
            Platform(os: "linux", architecture: "s390x")
        #elseif arch(powerpc64le)
            Platform(os: "linux", architecture: "ppc64le")
        #elseif arch(riscv64)
            Platform(os: "linux", architecture: "riscv64")
        #else
            Platform(os: "linux", architecture: "unknown")
        #endif
    }
}
