// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

#if canImport(Glibc)
    import Glibc
#endif

/// `Dockerfile.lock`: the digest each base reference of a Dockerfile is pinned to, per platform. See specs/lock.md.
///
/// ```json
/// {
///   "references" : {
///     "example.com/busybox:1.36" : {
///       "index" : "sha256:…",
///       "platforms" : { "linux/amd64" : "sha256:…" }
///     }
///   },
///   "version" : 1
/// }
/// ```
///
/// Keys are the references as the Dockerfile names them after expansion; platforms are normalised
/// `os/arch[/variant]`; each digest is the platform's image manifest. `index` is recorded when the reference
/// named an image index.
public struct LockFile: Codable, Sendable, Equatable {
    /// The format version this code writes and reads.
    public static let currentVersion = 1

    /// The format version.
    public var version: Int
    /// Reference as written (expanded) → its pins.
    public var references: [String: Entry]

    /// The pins of one reference.
    public struct Entry: Codable, Sendable, Equatable {
        /// Platform (`linux/amd64`) → the platform's image manifest digest.
        public var platforms: [String: Digest]
        /// The image index the reference named when the pins were made, if it named one.
        public var index: Digest?

        /// - Parameters:
        ///   - platforms: platform → manifest digest.
        ///   - index: the index digest, if any.
        public init(platforms: [String: Digest] = [:], index: Digest? = nil) {
            self.platforms = platforms
            self.index = index
        }
    }

    /// An empty lock of the current version.
    public init(references: [String: Entry] = [:]) {
        self.version = Self.currentVersion
        self.references = references
    }

    /// The lock file of a Dockerfile: its path with `.lock` appended (`Dockerfile.lock`).
    /// - Parameter dockerfilePath: the Dockerfile's path.
    /// - Returns: the lock file's path.
    public static func path(forDockerfile dockerfilePath: String) -> String { dockerfilePath + ".lock" }

    /// The key a platform has in the lock: normalised, so `linux/arm64` and `linux/arm64/v8` are one.
    /// - Parameter platform: the platform.
    /// - Returns: `os/arch[/variant]`.
    public static func key(for platform: Platform) -> String { platform.normalized.description }

    /// The digest a reference is pinned to for a platform.
    /// - Parameters:
    ///   - name: the reference as written (expanded).
    ///   - platform: the platform built.
    /// - Returns: the image manifest digest, or nil when the lock has no pin for that pair.
    public func pin(for name: String, platform: Platform) -> Digest? {
        references[name]?.platforms[Self.key(for: platform)]
    }

    // MARK: - Reading and writing

    /// Reads a lock file.
    /// - Parameter path: the file.
    /// - Returns: the lock, or nil when there is no file at `path`.
    /// - Throws: `LockError.unreadable` when the file exists but is not a lock Hoist understands.
    public static func read(at path: String) throws -> LockFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LockError.unreadable(path: path, reason: "cannot read it")
        }
        struct VersionProbe: Decodable { var version: Int? }
        let probe: VersionProbe
        do {
            probe = try JSONDecoder().decode(VersionProbe.self, from: data)
        } catch {
            throw LockError.unreadable(path: path, reason: "it is not a JSON object")
        }
        guard probe.version == currentVersion else {
            throw LockError.unreadable(
                path: path,
                reason: "its version is \(probe.version.map(String.init) ?? "missing"), and Hoist reads version "
                    + "\(currentVersion)")
        }
        do {
            return try JSONDecoder().decode(LockFile.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw LockError.unreadable(path: path, reason: Self.describe(context))
        } catch let DecodingError.keyNotFound(key, context) {
            throw LockError.unreadable(
                path: path, reason: "\(Self.location(context.codingPath)) has no \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw LockError.unreadable(path: path, reason: Self.describe(context))
        } catch {
            throw LockError.unreadable(path: path, reason: "\(error)")
        }
    }

    /// Writes the lock as pretty-printed JSON with sorted keys: to a temporary file beside `path`, flushed,
    /// then renamed over it, so a reader sees the old lock or the new one, never part of one.
    /// - Parameter path: the file.
    /// - Throws: `LockError.writeFailed`.
    public func write(to path: String) throws {
        let bytes = try CanonicalJSON.encodePretty(self) + Array("\n".utf8)
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary =
            (directory.isEmpty ? "" : directory + "/") + ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw LockError.writeFailed(path: path, reason: systemErrorMessage(errno)) }
        var failure: Int32? = nil
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = errno }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw LockError.writeFailed(path: path, reason: systemErrorMessage(failure))
        }
    }

    private static func describe(_ context: DecodingError.Context) -> String {
        "\(location(context.codingPath)): \(context.debugDescription.prefix(1).lowercased())"
            + context.debugDescription.dropFirst().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    private static func location(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map(\.stringValue).joined(separator: ".")
    }
}
