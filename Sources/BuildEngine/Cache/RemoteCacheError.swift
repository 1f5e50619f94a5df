// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Errors of the remote build cache (`--cache-from`, `--cache-to`). Reading a cache never fails a build: these
/// become warnings there. Writing one does.
public enum RemoteCacheError: Error, Sendable, CustomStringConvertible {
    /// The location holds something that is not a Hoist cache.
    case notACache(location: String, reason: String)
    /// The location holds no cache (no such tag, no layout).
    case notFound(location: String, reason: String)
    /// A cache entry claims a diffID its layer blob doesn't have.
    case diffIDMismatch(layer: Digest, claimed: Digest, actual: Digest)
    /// Reading from or writing to the location failed.
    case transfer(location: String, underlying: any Error)
    /// The image was built, but `--cache-to` failed.
    case exportFailed(destination: String, image: Digest, underlying: any Error)

    public var description: String {
        switch self {
        case .notACache(let location, let reason): "\(location) is not a Hoist build cache: \(reason)"
        case .notFound(let location, let reason): "no build cache at \(location): \(reason)"
        case .diffIDMismatch(let layer, let claimed, let actual):
            "the cache says layer \(layer) has diffID \(claimed), but it has \(actual)"
        case .transfer(let location, let underlying): "\(location): \(underlying)"
        case .exportFailed(let destination, let image, let underlying):
            "the image \(image) was built and stored, but exporting the build cache to \(destination) failed: "
                + "\(underlying)"
        }
    }
}
