// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// The image configuration: the runtime defaults of a container and the layer chain.
///
/// See [config.md](https://github.com/opencontainers/image-spec/blob/main/config.md). The Docker
/// fields that BuildKit keeps in OCI configs (`Healthcheck`, `Shell`, `OnBuild`, `ArgsEscaped`) are
/// part of `ContainerConfig`. `created` stays a string so a pulled config re-encodes as it was.
public struct ImageConfiguration: Codable, Hashable, Sendable {
    public var created: String?
    public var author: String?
    public var architecture: String
    public var os: String
    public var osVersion: String?
    public var osFeatures: [String]?
    public var variant: String?
    public var config: ContainerConfig?
    public var rootfs: RootFS
    public var history: [History]?

    enum CodingKeys: String, CodingKey {
        case created, author, architecture, os, variant, config, rootfs, history
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }

    public init(
        platform: Platform, created: String? = nil, author: String? = nil, config: ContainerConfig? = nil,
        rootfs: RootFS = RootFS(), history: [History]? = nil
    ) {
        self.architecture = platform.architecture
        self.os = platform.os
        self.variant = platform.variant
        self.osVersion = platform.osVersion
        self.osFeatures = platform.osFeatures
        self.created = created
        self.author = author
        self.config = config
        self.rootfs = rootfs
        self.history = history
    }

    /// The platform this configuration describes.
    public var platform: Platform {
        Platform(os: os, architecture: architecture, variant: variant, osVersion: osVersion, osFeatures: osFeatures)
    }

    /// Checks the rules of the config schema that decoding alone does not.
    /// - Throws: `OCIImageError.invalidDocument`.
    public func validate() throws {
        guard rootfs.type == "layers" else {
            throw OCIImageError.invalidDocument("rootfs.type is '\(rootfs.type)', must be 'layers'")
        }
        if let created { try validateTimestamp(created, field: "created") }
        for entry in history ?? [] {
            if let created = entry.created { try validateTimestamp(created, field: "history.created") }
        }
        for variable in config?.Env ?? [] {
            guard let equals = variable.firstIndex(of: "="), equals != variable.startIndex else {
                throw OCIImageError.invalidDocument("Env entry '\(variable)' is not NAME=value")
            }
        }
    }

    /// The layer chain of an image.
    public struct RootFS: Codable, Hashable, Sendable {
        public var type: String
        public var diff_ids: [Digest]
        public init(type: String = "layers", diff_ids: [Digest] = []) {
            self.type = type
            self.diff_ids = diff_ids
        }
    }

    /// One step of the image's history.
    public struct History: Codable, Hashable, Sendable {
        public var created: String?
        public var created_by: String?
        public var author: String?
        public var comment: String?
        public var empty_layer: Bool?
        public init(
            created: String? = nil, created_by: String? = nil, author: String? = nil, comment: String? = nil,
            empty_layer: Bool? = nil
        ) {
            self.created = created
            self.created_by = created_by
            self.author = author
            self.comment = comment
            self.empty_layer = empty_layer
        }
    }
}

/// The `config` object of an image configuration. Field names are the spec's (Docker's) own.
public struct ContainerConfig: Codable, Hashable, Sendable {
    public var User: String?
    public var ExposedPorts: [String: EmptyObject]?
    public var Env: [String]?
    public var Entrypoint: [String]?
    public var Cmd: [String]?
    public var Volumes: [String: EmptyObject]?
    public var WorkingDir: String?
    public var Labels: [String: String]?
    public var StopSignal: String?
    public var ArgsEscaped: Bool?
    public var Healthcheck: HealthConfig?
    public var Shell: [String]?
    public var OnBuild: [String]?

    public init() {}

    /// The Docker health check of an image (`HEALTHCHECK`). Durations are nanoseconds.
    public struct HealthConfig: Codable, Hashable, Sendable {
        public var Test: [String]?
        public var Interval: Int64?
        public var Timeout: Int64?
        public var StartPeriod: Int64?
        public var StartInterval: Int64?
        public var Retries: Int?
        public init(
            Test: [String]? = nil, Interval: Int64? = nil, Timeout: Int64? = nil, StartPeriod: Int64? = nil,
            StartInterval: Int64? = nil, Retries: Int? = nil
        ) {
            self.Test = Test
            self.Interval = Interval
            self.Timeout = Timeout
            self.StartPeriod = StartPeriod
            self.StartInterval = StartInterval
            self.Retries = Retries
        }
    }
}

/// The `{}` value of string-set objects such as `ExposedPorts` and `Volumes`.
public struct EmptyObject: Codable, Hashable, Sendable {
    public init() {}
}

/// Checks an RFC 3339 date-time such as `2015-10-31T22:22:56.015925234Z`.
func validateTimestamp(_ text: String, field: String) throws {
    let bytes = Array(text.utf8)
    func digits(_ range: Range<Int>) -> Bool {
        range.upperBound <= bytes.count && range.allSatisfy { (48...57).contains(bytes[$0]) }
    }
    var valid =
        bytes.count >= 20 && digits(0..<4) && bytes[4] == 45 && digits(5..<7) && bytes[7] == 45 && digits(8..<10)
        && (bytes[10] == 84 || bytes[10] == 116 || bytes[10] == 32) && digits(11..<13) && bytes[13] == 58
        && digits(14..<16) && bytes[16] == 58 && digits(17..<19)
    if valid {
        var index = 19
        if bytes[index] == 46 {
            index += 1
            let start = index
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
            valid = index > start
        }
        if valid, index < bytes.count {
            let rest = Array(bytes[index...])
            valid =
                rest == [90] || rest == [122]
                || (rest.count == 6 && (rest[0] == 43 || rest[0] == 45) && rest[3] == 58
                    && [1, 2, 4, 5].allSatisfy { (48...57).contains(rest[$0]) })
        } else {
            valid = false
        }
    }
    guard valid else { throw OCIImageError.invalidDocument("\(field) '\(text)' is not an RFC 3339 date-time") }
}
