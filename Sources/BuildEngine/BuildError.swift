// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Errors of the build engine and of the operations it offers over the local store.
public enum BuildError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No image in the store answers to that name.
    case imageNotFound(String)
    /// A digest prefix names more than one image.
    case ambiguousImage(String)
    /// An index has no manifest for the platform.
    case noMatchingPlatform(String, platform: Platform)
    /// `hoist import` was given a path that does not exist.
    case importSourceMissing(String)
    /// `SOURCE_DATE_EPOCH` is not a whole, non-negative number of seconds.
    case invalidSourceDateEpoch(String)
    /// An image archive could not be written.
    case exportFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .imageNotFound(let name): "no image '\(name)' in the local store (see `hoist images`)"
        case .ambiguousImage(let prefix): "'\(prefix)' matches more than one image; give more of the digest"
        case .noMatchingPlatform(let name, let platform): "image '\(name)' has no manifest for \(platform)"
        case .importSourceMissing(let path): "nothing to import at \(path): no such file or directory"
        case .invalidSourceDateEpoch(let text):
            "SOURCE_DATE_EPOCH '\(text)' is not a whole number of seconds since 1970"
        case .exportFailed(let path, let reason): "cannot write \(path): \(reason)"
        }
    }
}
