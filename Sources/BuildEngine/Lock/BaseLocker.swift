// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Pins every base reference of a Dockerfile to a digest: `hoist lock`. See specs/lock.md.
public struct BaseLocker: Sendable {
    /// The Hoist root whose store is consulted first.
    public let root: HoistRoot

    /// - Parameter root: the Hoist root.
    public init(root: HoistRoot) { self.root = root }

    /// One pin of the new lock, and how it compares with the old one.
    public struct Pin: Sendable, Equatable {
        /// How the pin came about.
        public enum Status: String, Sendable, Equatable {
            /// The old lock had no pin for this reference and platform.
            case new
            /// Re-resolved (`--update`) to another digest than the old lock's.
            case changed
            /// The same digest as in the old lock (kept, or re-resolved to the same).
            case unchanged
        }

        /// The reference as written, expanded.
        public var name: String
        /// The platform key (`linux/amd64`).
        public var platform: String
        /// The pinned manifest digest.
        public var digest: Digest
        /// The old lock's digest, when it had one.
        public var previous: Digest?
        /// How it compares with the old lock.
        public var status: Status
        /// Where the digest came from; nil when the old pin was kept without resolving.
        public var source: BaseResolution.Source?
    }

    /// What `lock` produced.
    public struct Outcome: Sendable, Equatable {
        /// The new lock.
        public var lock: LockFile
        /// Every pin of the new lock, sorted by reference and platform.
        public var pins: [Pin]
        /// Pins of the old lock the Dockerfile no longer needs: reference and platform key.
        public var removed: [(name: String, platform: String)]

        public static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            lhs.lock == rhs.lock && lhs.pins == rhs.pins
                && lhs.removed.map { $0.name + "\u{0}" + $0.platform }
                    == rhs.removed.map { $0.name + "\u{0}" + $0.platform }
        }
    }

    /// Makes the lock for builds of `requests` (one per platform; they differ only in their platform).
    ///
    /// Without `update`, pins of `existing` are kept as they are and only references it lacks are resolved;
    /// with `update`, every reference is resolved again. References the Dockerfile no longer uses are dropped.
    /// - Parameters:
    ///   - requests: the builds to lock: Dockerfile, build arguments, target, platform, registry options and
    ///     `pullAlways`, as `hoist build` would get them.
    ///   - existing: the current lock file, if any.
    ///   - update: resolve every reference again.
    /// - Returns: the new lock and what changed.
    /// - Throws: `DockerfileError` for the Dockerfile; `LockError.unresolvable` for a reference that can't be
    ///   resolved.
    public func lock(_ requests: [BuildRequest], existing: LockFile?, update: Bool) async throws -> Outcome {
        var references: Set<BaseReference> = []
        for request in requests { references.formUnion(try BaseReference.references(of: request)) }
        guard let first = requests.first else { return Outcome(lock: LockFile(), pins: [], removed: []) }
        let resolver = BaseResolver(
            store: try root.openStore(), registryOptions: first.registryOptions, credentials: first.credentials,
            pullAlways: first.pullAlways)

        var pins: [Pin] = []
        var indexes: [String: [Digest?]] = [:]
        for reference in references.sorted() {
            let key = LockFile.key(for: reference.platform)
            let previous = existing?.pin(for: reference.name, platform: reference.platform)
            if let previous, !update {
                pins.append(
                    Pin(
                        name: reference.name, platform: key, digest: previous, previous: previous, status: .unchanged,
                        source: nil))
                indexes[reference.name, default: []].append(existing?.references[reference.name]?.index)
                continue
            }
            let resolved = try await resolve(reference, with: resolver)
            let status: Pin.Status =
                previous == nil ? .new : (previous == resolved.manifest ? .unchanged : .changed)
            pins.append(
                Pin(
                    name: reference.name, platform: key, digest: resolved.manifest, previous: previous, status: status,
                    source: resolved.source))
            indexes[reference.name, default: []].append(resolved.index)
        }

        var lock = LockFile()
        for pin in pins { lock.references[pin.name, default: LockFile.Entry()].platforms[pin.platform] = pin.digest }
        for (name, found) in indexes {
            // One index for the entry only when every pin came through that same index.
            if let only = Set(found).first, Set(found).count == 1 { lock.references[name]?.index = only }
        }
        var removed: [(name: String, platform: String)] = []
        for (name, entry) in existing?.references ?? [:] {
            for platform in entry.platforms.keys where lock.references[name]?.platforms[platform] == nil {
                removed.append((name, platform))
            }
        }
        removed.sort { ($0.name, $0.platform) < ($1.name, $1.platform) }
        return Outcome(lock: lock, pins: pins, removed: removed)
    }

    private func resolve(_ reference: BaseReference, with resolver: BaseResolver) async throws -> BaseResolution {
        let key = LockFile.key(for: reference.platform)
        do {
            let parsed = try ImageReference(parsing: reference.name)
            return try await resolver.resolve(parsed, platform: reference.platform)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw LockError.unresolvable(name: reference.name, platform: key, reason: "\(error)")
        }
    }
}
