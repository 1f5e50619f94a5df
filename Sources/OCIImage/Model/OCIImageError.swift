// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Errors of the OCI model and the content store.
public enum OCIImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A digest string that does not follow the grammar.
    case invalidDigest(String, reason: String)
    /// An image reference that does not follow the distribution grammar.
    case invalidReference(String, reason: String)
    /// A platform string such as `linux/arm64/v8` that cannot be parsed.
    case invalidPlatform(String)
    /// A JSON document that decoded but breaks a rule of the spec, or did not decode.
    case invalidDocument(String)
    /// A blob is not in the store.
    case blobNotFound(Digest)
    /// Bytes read or received do not hash to the digest that names them.
    case digestMismatch(expected: Digest, actual: Digest)
    /// Bytes read or received are not the size a descriptor says.
    case sizeMismatch(digest: Digest, expected: Int64, actual: Int64)
    /// A blob is larger than the caller allows for reading it into memory.
    case blobTooLarge(Digest, size: Int64, limit: Int64)
    /// A tag is not in the store's index.
    case tagNotFound(String)
    /// A directory is not an OCI image layout, or a layout of an unsupported version.
    case notALayout(path: String, reason: String)
    /// A system call failed on a path.
    case io(operation: String, path: String, errno: Int32)
    /// The store is in use by another process and cannot be garbage-collected now.
    case storeBusy(path: String)

    public var description: String {
        switch self {
        case .invalidDigest(let text, let reason): "invalid digest '\(text)': \(reason)"
        case .invalidReference(let text, let reason): "invalid image reference '\(text)': \(reason)"
        case .invalidPlatform(let text): "invalid platform '\(text)': expected os/arch[/variant]"
        case .invalidDocument(let reason): "invalid document: \(reason)"
        case .blobNotFound(let digest): "blob \(digest) is not in the store"
        case .digestMismatch(let expected, let actual):
            "content does not match its digest: expected \(expected), got \(actual)"
        case .sizeMismatch(let digest, let expected, let actual):
            "blob \(digest) has \(actual) bytes, expected \(expected)"
        case .blobTooLarge(let digest, let size, let limit):
            "blob \(digest) is \(size) bytes, more than the \(limit) allowed here"
        case .tagNotFound(let tag): "no image tagged '\(tag)' in the store"
        case .notALayout(let path, let reason): "\(path) is not an OCI image layout: \(reason)"
        case .io(let operation, let path, let errno): "\(operation) \(path): \(systemErrorMessage(errno))"
        case .storeBusy(let path): "the store at \(path) is in use by another hoist process; try again when it ends"
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The C library's message for an errno value.
public func systemErrorMessage(_ code: Int32) -> String {
    String(cString: strerror(code)).lowercased()
}
