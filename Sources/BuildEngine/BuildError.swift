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
    /// A step's command ran and failed: where, what, and its exit status.
    case stepFailed(location: String, instruction: String, status: Int32, signaled: Bool)
    /// A step could not run or finish: where, what, and why.
    case stepError(location: String, instruction: String, reason: String)
    /// An overlay mount or unmount failed.
    case mountFailed(target: String, reason: String)
    /// A base image is neither in the local store nor obtainable from its registry.
    case baseImageUnavailable(name: String, reason: String)
    /// The platform asked for can't run here.
    case platformUnsupported(requested: String, host: String)
    /// A build option has a value the engine can't use.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .imageNotFound(let name): "no image '\(name)' in the local store (see `hoist images`)"
        case .ambiguousImage(let prefix): "'\(prefix)' matches more than one image; give more of the digest"
        case .noMatchingPlatform(let name, let platform): "image '\(name)' has no manifest for \(platform)"
        case .importSourceMissing(let path): "nothing to import at \(path): no such file or directory"
        case .invalidSourceDateEpoch(let text):
            "SOURCE_DATE_EPOCH '\(text)' is not a whole number of seconds since 1970"
        case .exportFailed(let path, let reason): "cannot write \(path): \(reason)"
        case .stepFailed(let location, let instruction, let status, let signaled):
            signaled
                ? "\(location): \(instruction): the command was killed by signal \(status)"
                : "\(location): \(instruction): the command did not complete successfully: exit code \(status)"
        case .stepError(let location, let instruction, let reason): "\(location): \(instruction): \(reason)"
        case .mountFailed(let target, let reason): "cannot mount the stage root at \(target): \(reason)"
        case .baseImageUnavailable(let name, let reason): "base image '\(name)' is not available: \(reason)"
        case .platformUnsupported(let requested, let host):
            "cannot build for \(requested) on this \(host) machine: no binfmt_misc handler for it is registered"
        case .invalidOption(let text): text
        }
    }
}
