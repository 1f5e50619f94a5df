// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// Decodes an OCI JSON document of a known media type and checks it against the spec's rules.
///
/// This is what Hoist applies to every manifest, index and config it reads from outside, and what
/// the conformance tests hold against the image-spec's schema vectors.
public enum OCIDocument {
    /// A decoded, validated document.
    public enum Value: Sendable, Equatable {
        case descriptor(Descriptor)
        case manifest(ImageManifest)
        case index(ImageIndex)
        case configuration(ImageConfiguration)
        case layoutHeader(ImageLayoutHeader)
    }

    /// The media types this validator knows, each with the type it decodes into.
    public static let supportedMediaTypes: [MediaType] = [
        .ociDescriptor, .ociManifest, .ociIndex, .ociConfig, .ociLayoutHeader,
    ]

    /// Decodes and validates.
    /// - Parameters:
    ///   - data: the JSON bytes.
    ///   - mediaType: what the bytes claim to be; Docker schema 2 types are read as their OCI equivalents.
    /// - Returns: the decoded value.
    /// - Throws: `OCIImageError.invalidDocument` describing the first problem.
    public static func decode(_ data: Data, as mediaType: MediaType) throws -> Value {
        let decoder = JSONDecoder()
        do {
            switch mediaType {
            case .ociDescriptor:
                let value = try decoder.decode(Descriptor.self, from: data)
                try value.validate()
                return .descriptor(value)
            case .ociManifest, .dockerManifest:
                let value = try decoder.decode(ImageManifest.self, from: data)
                try value.validate()
                return .manifest(value)
            case .ociIndex, .dockerManifestList:
                let value = try decoder.decode(ImageIndex.self, from: data)
                try value.validate()
                return .index(value)
            case .ociConfig, .dockerConfig:
                let value = try decoder.decode(ImageConfiguration.self, from: data)
                try value.validate()
                return .configuration(value)
            case .ociLayoutHeader:
                let value = try decoder.decode(ImageLayoutHeader.self, from: data)
                try value.validate()
                return .layoutHeader(value)
            default:
                throw OCIImageError.invalidDocument("no validator for media type \(mediaType)")
            }
        } catch let error as OCIImageError {
            throw error
        } catch let error as DecodingError {
            throw OCIImageError.invalidDocument("not a valid \(mediaType): \(describe(error))")
        }
    }

    /// Re-encodes a decoded value canonically.
    public static func encode(_ value: Value) throws -> [UInt8] {
        switch value {
        case .descriptor(let v): try CanonicalJSON.encode(v)
        case .manifest(let v): try CanonicalJSON.encode(v)
        case .index(let v): try CanonicalJSON.encode(v)
        case .configuration(let v): try CanonicalJSON.encode(v)
        case .layoutHeader(let v): try CanonicalJSON.encode(v)
        }
    }

    /// One line for a decoding error: the JSON path and what was wrong there.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let joined = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return joined.isEmpty ? "document" : String(joined.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context)): missing \(type)"
        case .keyNotFound(let key, let context): return "\(path(context)): missing field '\(key.stringValue)'"
        case .dataCorrupted(let context):
            if let underlying = context.underlyingError as? OCIImageError { return underlying.description }
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
