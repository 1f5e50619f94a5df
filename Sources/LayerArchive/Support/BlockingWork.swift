// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import Synchronization

/// Set when the task that started a blocking job is cancelled; polled by the job between entries.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func cancel() { value.store(true, ordering: .relaxed) }

    var isCancelled: Bool { value.load(ordering: .relaxed) }

    /// Throws `ArchiveError.cancelled` when the flag is set or the current task is cancelled.
    func check() throws {
        if isCancelled || Task.isCancelled { throw ArchiveError.cancelled }
    }
}

extension Optional where Wrapped == CancellationFlag {
    /// Throws `ArchiveError.cancelled` when the flag (if any) or the current task is cancelled.
    func check() throws {
        if let flag = self { try flag.check() } else if Task.isCancelled { throw ArchiveError.cancelled }
    }
}

/// Runs blocking work on a dedicated thread, so it never occupies the cooperative pool, and turns the
/// task's cancellation into the flag the work polls.
func runOffPool<T: Sendable>(_ body: @escaping @Sendable (CancellationFlag) throws -> T) async throws -> T {
    let flag = CancellationFlag()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body(flag) })
            }
            thread.name = "hoist-layer"
            thread.start()
        }
    } onCancel: {
        flag.cancel()
    }
}
