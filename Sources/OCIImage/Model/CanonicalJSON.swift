// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// The one JSON encoding Hoist uses wherever bytes are hashed: sorted keys, no insignificant
/// whitespace, no escaped slashes. The same value always gives the same bytes, and so the same digest.
public enum CanonicalJSON {
    /// Encodes a value canonically.
    /// - Throws: `OCIImageError.invalidDocument` when the value cannot be encoded.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw OCIImageError.invalidDocument("cannot encode \(type(of: value)): \(error)")
        }
    }

    /// Encodes a value for people to read (indented, sorted keys). Never hashed.
    public static func encodePretty(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw OCIImageError.invalidDocument("cannot encode \(type(of: value)): \(error)")
        }
    }
}
