// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A reference to an image: `[host[:port]/]path[:tag][@digest]`.
///
/// Parsing follows the grammar of the distribution project's reference package and Docker's
/// normalisation: a first path component is a registry host when it contains `.` or `:`, is
/// `localhost`, or has an uppercase letter; otherwise the registry is `docker.io`, and a one-component
/// Docker Hub path gets the `library/` prefix. See
/// [the distribution reference grammar](https://github.com/distribution/reference/blob/main/reference.go).
public struct ImageReference: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The registry host, with its port when one was given: `docker.io`, `localhost:5000`.
    public let registry: String
    /// The repository path within the registry: `library/busybox`, `team/app`.
    public let repository: String
    /// The tag, if one was given.
    public let tag: String?
    /// The digest, if one was given.
    public let digest: Digest?

    /// The registry that short names resolve to.
    public static let dockerHub = "docker.io"
    /// The longest repository name (host and path) the grammar allows.
    public static let maximumNameLength = 255

    /// Parses and normalises a reference.
    /// - Throws: `OCIImageError.invalidReference` naming what is wrong.
    public init(parsing text: String) throws {
        func fail(_ reason: String) -> OCIImageError { .invalidReference(text, reason: reason) }
        guard !text.isEmpty else { throw fail("empty reference") }
        var rest = Substring(text)
        var digest: Digest?
        if let at = rest.firstIndex(of: "@") {
            do {
                digest = try Digest(parsing: String(rest[rest.index(after: at)...]))
            } catch {
                throw fail("malformed digest after '@'")
            }
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[rest.index(after: colon)...].contains("/") {
            let candidate = String(rest[rest.index(after: colon)...])
            guard Self.isValidTag(candidate) else {
                throw fail(
                    "invalid tag '\(candidate)': letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-'"
                )
            }
            tag = candidate
            rest = rest[..<colon]
        }
        guard rest.utf8.count <= Self.maximumNameLength else {
            throw fail("repository name is longer than \(Self.maximumNameLength) characters")
        }
        var registry = Self.dockerHub
        var path = rest
        if let slash = rest.firstIndex(of: "/") {
            let first = rest[..<slash]
            if first.contains(".") || first.contains(":") || first == "localhost"
                || first.contains(where: \.isUppercase)
            {
                guard Self.isValidHost(first) else { throw fail("invalid registry host '\(first)'") }
                registry = String(first)
                path = rest[rest.index(after: slash)...]
            }
        }
        if registry == "index.docker.io" || registry == "registry-1.docker.io" { registry = Self.dockerHub }
        guard !path.isEmpty else { throw fail("missing repository name") }
        guard !path.contains(where: \.isUppercase) else { throw fail("repository name must be lowercase") }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard components.allSatisfy(Self.isValidPathComponent) else {
            throw fail(
                "invalid repository path '\(path)': components are lowercase letters and digits joined by '.', '_', '__' or '-'"
            )
        }
        var repository = String(path)
        if registry == Self.dockerHub && components.count == 1 { repository = "library/" + repository }
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    /// Creates a reference from parts already known to be valid (a repository and a tag or digest).
    /// - Throws: `OCIImageError.invalidReference` when the parts do not form a valid reference.
    public init(registry: String, repository: String, tag: String? = nil, digest: Digest? = nil) throws {
        var text = "\(registry)/\(repository)"
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        self = try ImageReference(parsing: text)
    }

    /// The full, normalised reference: `docker.io/library/busybox:latest`, `localhost:5000/app@sha256:…`.
    public var description: String {
        var text = "\(registry)/\(repository)"
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// The name without tag or digest: `docker.io/library/busybox`.
    public var name: String { "\(registry)/\(repository)" }

    /// The short form people type: `busybox:latest` for Docker Hub official images.
    public var familiarDescription: String {
        var text = description
        if registry == Self.dockerHub {
            text = String(text.dropFirst(Self.dockerHub.count + 1))
            if text.hasPrefix("library/") && !text.dropFirst(8).contains("/") { text = String(text.dropFirst(8)) }
        }
        return text
    }

    /// The same reference with `latest` as its tag when it has neither tag nor digest.
    public var withDefaultTag: ImageReference {
        guard tag == nil, digest == nil else { return self }
        return ImageReference(checkedRegistry: registry, repository: repository, tag: "latest", digest: nil)
    }

    /// The same name pinned to a digest (tag kept for readability).
    public func pinned(to digest: Digest) -> ImageReference {
        ImageReference(checkedRegistry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// The same name with another tag and no digest.
    /// - Throws: `OCIImageError.invalidReference` for a malformed tag.
    public func tagged(_ tag: String) throws -> ImageReference {
        guard Self.isValidTag(tag) else { throw OCIImageError.invalidReference(tag, reason: "invalid tag") }
        return ImageReference(checkedRegistry: registry, repository: repository, tag: tag, digest: nil)
    }

    /// What a manifest request names: the digest when there is one, else the tag, else `latest`.
    public var manifestReference: String { digest?.description ?? tag ?? "latest" }

    /// Whether the registry is on this machine (`localhost`, `127.0.0.0/8`, `[::1]`), where plain
    /// HTTP is allowed without being asked for.
    public var isLoopbackRegistry: Bool {
        let host = Self.hostWithoutPort(registry)
        return host == "localhost" || host.hasPrefix("127.") || host == "[::1]" || host == "::1"
    }

    public init(from decoder: any Decoder) throws {
        try self.init(parsing: decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: - Grammar

    private init(checkedRegistry: String, repository: String, tag: String?, digest: Digest?) {
        self.registry = checkedRegistry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    static func hostWithoutPort(_ registry: String) -> String {
        if registry.hasPrefix("["), let close = registry.firstIndex(of: "]") {
            return String(registry[...close])
        }
        return String(registry.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// `[\w][\w.-]{0,127}`.
    static func isValidTag(_ tag: String) -> Bool {
        let bytes = Array(tag.utf8)
        guard let first = bytes.first, bytes.count <= 128, isWordByte(first) else { return false }
        return bytes.allSatisfy { isWordByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`.
    static func isValidPathComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else {
            return false
        }
        var index = 0
        while index < bytes.count {
            if isLowerAlnum(bytes[index]) {
                index += 1
                continue
            }
            var end = index
            while end < bytes.count, !isLowerAlnum(bytes[end]) { end += 1 }
            let separator = bytes[index..<end]
            let valid =
                separator.elementsEqual([UInt8(ascii: ".")]) || separator.elementsEqual([UInt8(ascii: "_")])
                || separator.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
                || separator.allSatisfy { $0 == UInt8(ascii: "-") }
            guard valid else { return false }
            index = end
        }
        return true
    }

    /// `host[:port]`: DNS labels joined by dots, an IPv4 address, or a bracketed IPv6 address.
    static func isValidHost(_ host: Substring) -> Bool {
        var hostPart = host
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inside = host[host.index(after: host.startIndex)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
            let after = host[host.index(after: close)...]
            if after.isEmpty { return true }
            guard after.hasPrefix(":") else { return false }
            port = after.dropFirst()
        } else {
            if let colon = host.firstIndex(of: ":") {
                hostPart = host[..<colon]
                port = host[host.index(after: colon)...]
            }
            let labels = hostPart.split(separator: ".", omittingEmptySubsequences: false)
            let labelsValid = labels.allSatisfy { label in
                guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
                return first.isASCII && (first.isLetter || first.isNumber) && last.isASCII
                    && (last.isLetter || last.isNumber)
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
            guard labelsValid else { return false }
        }
        if let port {
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isNumber), let value = Int(port), value <= 65535
            else {
                return false
            }
        }
        return true
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        isLowerAlnum(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "_")
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
