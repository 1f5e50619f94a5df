// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

extension StageBuilder {
    /// Looks a step's key up: the local cache, then (on a local miss) the `--cache-from` caches, whose entry
    /// then becomes a local one (its layers fetched and verified) and is reused the same way.
    /// - Returns: nil on a hit, else why it missed.
    mutating func lookUp(_ key: Digest, cache: StepCache, step: BuildStep) async -> String? {
        if cacheLookupsEnabled, let remote = session.remoteCache, let local = session.cache,
            local.entry(key).0 == nil, remote.hasEntry(key)
        {
            do {
                if let location = try await remote.importEntry(key, into: local) {
                    session.observer(.cacheImported(step: step.number, source: location))
                }
            } catch {
                return "the remote cache's entry can't be used: \(error)"
            }
        }
        return reuse(key, cache: cache)
    }
}
