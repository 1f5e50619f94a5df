// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Registry

/// Finds the image a `FROM` (or `--from`) names: in the local store first, unless the request says
/// `--pull`; else in its registry, pulled into the store and tagged there. See specs/build.md, "Base images".
struct BaseImageLocator: Sendable {
    let root: HoistRoot
    let store: LayoutContentStore
    let request: BuildRequest

    /// The stored image for `name`, pulling it when needed.
    /// - Throws: `BuildError.baseImageUnavailable` with the registry's reason; `CancellationError`.
    func locate(_ name: String, platform: Platform) async throws -> LocalImages.Image {
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: name)
        } catch {
            throw BuildError.baseImageUnavailable(name: name, reason: "\(error)")
        }
        let local = LocalImages(store: store)
        if !request.pullAlways, let found = try? local.resolve(LocalImages.storedName(for: reference)) {
            return found
        }
        if let digest = reference.digest, let found = try? local.resolve(digest.description) {
            // A pinned digest names content: the store's copy is the same bytes whatever --pull says.
            return found
        }
        return try await pull(reference, platform: platform, name: name)
    }

    /// The image a lock file pins `name` to for `platform`, from the store or pulled by digest; nil when the
    /// request has no lock or the lock doesn't pin it.
    func locatePinned(_ name: String, platform: Platform) async throws -> LocalImages.Image? {
        guard let pinned = request.lock?.file?.pin(for: name, platform: platform),
            let reference = try? ImageReference(parsing: name)
        else { return nil }
        if let stored = try? LocalImages(store: store).resolve(pinned.description) { return stored }
        return try await pull(reference.pinned(to: pinned), platform: platform, name: name)
    }

    /// Pulls `reference` into the store (tagged as its stored name unless it names a digest).
    func pull(_ reference: ImageReference, platform: Platform, name: String) async throws
        -> LocalImages.Image
    {
        do {
            let storedName = LocalImages.storedName(for: reference)
            let result = try await RegistryClient.withClient(
                registry: reference.registry, options: request.registryOptions, credentials: request.credentials
            ) { client in
                try await client.pull(
                    reference, platform: platform, into: store, tagAs: reference.digest == nil ? storedName : nil,
                    origins: BlobOriginLog(path: root.path + "/registry/blob-origins.json"))
            }
            return LocalImages.Image(name: storedName, descriptor: result.manifest)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw BuildError.baseImageUnavailable(name: name, reason: "\(error)")
        }
    }
}
