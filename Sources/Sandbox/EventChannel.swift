// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// What the blocking side of a run reports to the awaiting side.
enum SandboxEvent: Sendable {
    case output(SandboxOutput)
    case finished(Result<ExitStatus, SandboxError>)
}

/// A bounded channel from one blocking thread to one awaiting task. `send` blocks the thread while the buffer is
/// full, so a slow consumer holds the command back instead of letting its output pile up in memory.
final class EventChannel: @unchecked Sendable {
    // @unchecked: `condition` guards `buffer` and `waiter`.
    private let condition = NSCondition()
    private var buffer: [SandboxEvent] = []
    private var waiter: CheckedContinuation<SandboxEvent, Never>?
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Hands `event` over, waiting while `capacity` events are already buffered. Call from the producer thread only.
    func send(_ event: SandboxEvent) {
        condition.lock()
        if let waiter {
            self.waiter = nil
            condition.unlock()
            waiter.resume(returning: event)
            return
        }
        while buffer.count >= capacity { condition.wait() }
        buffer.append(event)
        condition.unlock()
    }

    /// The next event, in order. Only one task may call this at a time.
    func next() async -> SandboxEvent {
        await withCheckedContinuation { continuation in
            condition.lock()
            if buffer.isEmpty {
                waiter = continuation
                condition.unlock()
            } else {
                let event = buffer.removeFirst()
                condition.signal()
                condition.unlock()
                continuation.resume(returning: event)
            }
        }
    }
}
