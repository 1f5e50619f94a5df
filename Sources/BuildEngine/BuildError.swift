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

    public var description: String {
        switch self {
        case .imageNotFound(let name): "no image '\(name)' in the local store (see `hoist images`)"
        case .ambiguousImage(let prefix): "'\(prefix)' matches more than one image; give more of the digest"
        case .noMatchingPlatform(let name, let platform): "image '\(name)' has no manifest for \(platform)"
        }
    }
}
