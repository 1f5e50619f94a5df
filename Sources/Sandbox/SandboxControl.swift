// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CSandbox
import Glibc
import Synchronization

/// The part of a run that cancellation touches: the monitor's pidfd and whether (and when) the run was cancelled.
final class SandboxControl: Sendable {
    private struct State {
        var pidfd: Int32 = -1
        var cancelledAt: ContinuousClock.Instant?
        var escalated = false
    }

    /// How long the monitor gets to kill the tree and remove its mount points before it is killed itself.
    static let gracePeriod = Duration.seconds(5)

    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelledAt != nil } }

    /// Asks the monitor to kill the command's process tree (SIGTERM to the monitor; it SIGKILLs the PID namespace's
    /// init, removes its mount points and exits).
    func cancel() {
        state.withLock { state in
            guard state.cancelledAt == nil else { return }
            state.cancelledAt = .now
            if state.pidfd >= 0 { _ = csandbox_pidfd_signal(state.pidfd, SIGTERM) }
        }
    }

    /// Records the monitor's pidfd; signals it at once when the run was cancelled before it started.
    func attach(pidfd: Int32) {
        state.withLock { state in
            state.pidfd = pidfd
            if state.cancelledAt != nil { _ = csandbox_pidfd_signal(pidfd, SIGTERM) }
        }
    }

    /// Kills the monitor outright when it has not finished within the grace period after a cancellation (its PID 1
    /// then dies with it, through PR_SET_PDEATHSIG; mount points may then stay behind in the root).
    func escalateIfOverdue() {
        state.withLock { state in
            guard let cancelledAt = state.cancelledAt, !state.escalated, state.pidfd >= 0,
                cancelledAt.duration(to: .now) > Self.gracePeriod
            else { return }
            state.escalated = true
            _ = csandbox_pidfd_signal(state.pidfd, SIGKILL)
        }
    }

    /// Forgets and closes the pidfd once the monitor is reaped.
    func detach() {
        state.withLock { state in
            if state.pidfd >= 0 { close(state.pidfd) }
            state.pidfd = -1
        }
    }
}
