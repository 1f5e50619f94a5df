// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A content digest: `algorithm:encoded`, as defined by the OCI image spec.
///
/// Parsing validates the grammar of
/// [descriptor.md#digests](https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests):
/// registered algorithms (`sha256`, `sha512`) must carry exactly the right number of lowercase hex
/// characters; other algorithms only have to follow the general grammar.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The algorithm part, for example `sha256`.
    public let algorithm: String
    /// The encoded part, for example 64 lowercase hex characters for `sha256`.
    public let encoded: String

    /// Parses and validates a digest string.
    /// - Parameter string: text of the form `algorithm:encoded`.
    /// - Throws: `OCIImageError.invalidDigest` when the text does not follow the grammar.
    public init(parsing string: String) throws {
        guard let colon = string.firstIndex(of: ":") else {
            throw OCIImageError.invalidDigest(string, reason: "missing ':' between algorithm and encoded part")
        }
        let algorithm = String(string[..<colon])
        let encoded = String(string[string.index(after: colon)...])
        try self.init(algorithm: algorithm, encoded: encoded)
    }

    /// Creates a digest from its two parts, validating both.
    /// - Throws: `OCIImageError.invalidDigest` when either part is malformed.
    public init(algorithm: String, encoded: String) throws {
        let text = "\(algorithm):\(encoded)"
        guard Self.isValidAlgorithm(algorithm) else {
            throw OCIImageError.invalidDigest(text, reason: "malformed algorithm '\(algorithm)'")
        }
        guard !encoded.isEmpty, encoded.utf8.allSatisfy(Self.isEncodedByte) else {
            throw OCIImageError.invalidDigest(text, reason: "malformed encoded part")
        }
        if let length = Self.registeredHexLength[algorithm] {
            guard encoded.utf8.count == length, encoded.utf8.allSatisfy(Self.isLowerHex) else {
                throw OCIImageError.invalidDigest(
                    text, reason: "\(algorithm) needs exactly \(length) lowercase hex characters")
            }
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// A SHA-256 digest from its 32 raw bytes.
    public init(sha256 bytes: some Sequence<UInt8>) {
        var hex = ""
        hex.reserveCapacity(64)
        for byte in bytes {
            hex.append(Self.hexDigits[Int(byte >> 4)])
            hex.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        self.algorithm = "sha256"
        self.encoded = hex
    }

    /// `algorithm:encoded`.
    public var description: String { "\(algorithm):\(encoded)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    // MARK: - Grammar

    /// Hex lengths of the algorithms the spec registers.
    static let registeredHexLength: [String: Int] = ["sha256": 64, "sha512": 128]
    private static let hexDigits = Array("0123456789abcdef")

    /// `algorithm ::= algorithm-component (algorithm-separator algorithm-component)*`,
    /// components `[a-z0-9]+`, separators `[+._-]`.
    private static func isValidAlgorithm(_ algorithm: String) -> Bool {
        var previousWasSeparator = true
        for byte in algorithm.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                previousWasSeparator = false
            case UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                if previousWasSeparator { return false }
                previousWasSeparator = true
            default:
                return false
            }
        }
        return !previousWasSeparator
    }

    /// `encoded ::= [a-zA-Z0-9=_-]+`.
    private static func isEncodedByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "="), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

extension Digest: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(parsing: container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
