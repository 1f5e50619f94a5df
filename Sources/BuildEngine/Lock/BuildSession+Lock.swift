// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

extension BuildSession {
    /// The image the build's lock file pins a base to, from the store by digest or else pulled by digest from
    /// the reference's repository; nil when the build has no lock or the lock doesn't pin this reference for
    /// this platform (then the base resolves as it would without a lock). See specs/lock.md.
    ///
    /// The pin is checked against what the reference resolves to now: a difference is reported as a warning,
    /// or with `--locked` fails the build, naming both digests.
    /// - Parameters:
    ///   - reference: the parsed reference.
    ///   - name: the reference as written (expanded): the lock's key.
    ///   - platform: the stage's platform.
    /// - Returns: the pinned image, or nil.
    /// - Throws: `LockError` under `--locked` for a missing pin or a moved tag; `BuildError.baseImageUnavailable`
    ///   when the pinned digest can't be had.
    func lockedBase(_ reference: ImageReference, name: String, platform: Platform) async throws
        -> LocalImages.Image?
    {
        guard let policy = request.lock else { return nil }
        let key = LockFile.key(for: platform)
        guard let pinned = policy.file?.pin(for: name, platform: platform) else {
            if policy.isRequired { throw LockError.referenceMissing(name: name, platform: key, path: policy.path) }
            return nil
        }
        try await check(pinned, of: reference, name: name, platform: platform, policy: policy)
        if let stored = try? LocalImages(store: store).resolve(pinned.description) { return stored }
        return try await BaseImageLocator(root: root, store: store, request: request).pull(
            reference.pinned(to: pinned), platform: platform, name: name)
    }

    /// Compares a pin with what the reference resolves to now, the way an unlocked build would resolve it.
    private func check(
        _ pinned: Digest, of reference: ImageReference, name: String, platform: Platform, policy: LockPolicy
    ) async throws {
        let key = LockFile.key(for: platform)
        let resolver = BaseResolver(
            store: store, registryOptions: request.registryOptions, credentials: request.credentials,
            pullAlways: request.pullAlways)
        let current: BaseResolution
        do {
            current = try await resolver.resolve(reference, platform: platform)
        } catch let error as CancellationError {
            throw error
        } catch {
            if policy.isRequired {
                throw LockError.referenceUnverifiable(name: name, platform: key, locked: pinned, reason: "\(error)")
            }
            observer(
                .warning(
                    "base image '\(name)' (\(key)): can't check what it resolves to now (\(error)); "
                        + "building from the locked \(pinned)"))
            return
        }
        guard current.manifest != pinned else { return }
        if policy.isRequired {
            throw LockError.referenceMoved(name: name, platform: key, locked: pinned, current: current.manifest)
        }
        observer(
            .warning(
                "base image '\(name)' (\(key)) is locked to \(pinned) but now resolves to \(current.manifest) "
                    + "(\(current.source.rawValue)); building from the locked digest. `hoist lock --update` "
                    + "pins the new one"))
    }
}
