// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// A content descriptor: what a blob is, how big it is and which digest names it.
///
/// See [descriptor.md](https://github.com/opencontainers/image-spec/blob/main/descriptor.md).
public struct Descriptor: Codable, Hashable, Sendable {
    public var mediaType: MediaType
    public var digest: Digest
    public var size: Int64
    public var urls: [String]?
    public var annotations: [String: String]?
    /// The embedded content, standard base64 with padding, exactly as it appears in JSON.
    public var data: String?
    public var platform: Platform?
    public var artifactType: MediaType?

    public init(
        mediaType: MediaType, digest: Digest, size: Int64, urls: [String]? = nil,
        annotations: [String: String]? = nil, data: String? = nil, platform: Platform? = nil,
        artifactType: MediaType? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.urls = urls
        self.annotations = annotations
        self.data = data
        self.platform = platform
        self.artifactType = artifactType
    }

    /// The `org.opencontainers.image.ref.name` annotation, used for tags in an image layout.
    public var referenceName: String? { annotations?[AnnotationKey.refName] }

    /// Checks what decoding alone does not: size, URL and embedded-data rules of the spec.
    /// - Throws: `OCIImageError.invalidDocument` naming the first broken rule.
    public func validate() throws {
        guard size >= 0 else { throw OCIImageError.invalidDocument("descriptor size \(size) is negative") }
        try mediaType.validateSyntax()
        try artifactType?.validateSyntax()
        for url in urls ?? [] {
            guard let parsed = URL(string: url), parsed.scheme != nil, !url.contains(" ") else {
                throw OCIImageError.invalidDocument("descriptor url '\(url)' is not an absolute URI")
            }
        }
        if let data {
            guard let bytes = Data(base64Encoded: data) else {
                throw OCIImageError.invalidDocument("descriptor data is not standard base64")
            }
            guard Int64(bytes.count) == size else {
                throw OCIImageError.invalidDocument("descriptor data has \(bytes.count) bytes but size says \(size)")
            }
        }
    }
}

/// Annotation keys that Hoist reads or writes.
///
/// See [annotations.md](https://github.com/opencontainers/image-spec/blob/main/annotations.md).
public enum AnnotationKey {
    public static let refName = "org.opencontainers.image.ref.name"
    public static let created = "org.opencontainers.image.created"
    public static let revision = "org.opencontainers.image.revision"
    public static let source = "org.opencontainers.image.source"
    public static let baseName = "org.opencontainers.image.base.name"
    public static let baseDigest = "org.opencontainers.image.base.digest"
}

extension MediaType {
    /// RFC 6838 `type/subtype` grammar, as the spec's schema requires of every media type.
    func validateSyntax() throws {
        let parts = rawValue.split(separator: "/", omittingEmptySubsequences: false)
        func isRestrictedName(_ part: Substring) -> Bool {
            guard let first = part.utf8.first, part.utf8.count <= 127 else { return false }
            let isAlnum: (UInt8) -> Bool = {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
            return isAlnum(first) && part.utf8.allSatisfy { isAlnum($0) || "!#$&-^_.+".utf8.contains($0) }
        }
        guard parts.count == 2, isRestrictedName(parts[0]), isRestrictedName(parts[1]) else {
            throw OCIImageError.invalidDocument("media type '\(rawValue)' is not of the form type/subtype")
        }
    }
}
