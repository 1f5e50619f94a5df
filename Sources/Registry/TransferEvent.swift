// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// What a pull or push reports as it goes. The CLI renders these; the library never prints.
public enum TransferEvent: Sendable, Equatable {
    /// The blob was already there (in the store for a pull, in the registry for a push).
    case blobSkipped(Digest, size: Int64)
    /// The registry mounted the blob from another repository.
    case blobMounted(Digest, from: String)
    /// A blob transfer started.
    case blobStarted(Digest, size: Int64)
    /// A blob transfer finished.
    case blobFinished(Digest, size: Int64)
    /// A transient failure is being retried.
    case retrying(Digest?, reason: String)
    /// A manifest or index was stored (pull) or sent (push).
    case manifestDone(Digest)
}

/// Receives transfer events.
public typealias TransferProgress = @Sendable (TransferEvent) async -> Void
