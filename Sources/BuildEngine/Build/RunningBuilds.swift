// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// Finds builds running on a root from their workspaces, `ROOT/tmp/build-<pid>-<random>`, each locked by its
/// build (see `Workspace`).
enum RunningBuilds {
    /// A workspace directory.
    struct Found: Equatable {
        var name: String
        /// The process id in the name.
        var pid: Int32?
    }

    /// A workspace whose process is alive, found without touching any lock: for the message when the store is
    /// busy. (Testing a lock could make a build that is just creating its workspace fail to take it.)
    static func liveProcess(in root: HoistRoot) -> Found? {
        workspaces(in: root).first { found in
            guard let pid = found.pid, pid != getpid() else { return false }
            return kill(pid, 0) == 0 || errno == EPERM
        }
    }

    /// A workspace whose lock someone holds.
    ///
    /// Call only while holding the store's collection lock: a build takes that lock before it creates its
    /// workspace, so no build can be taking its workspace lock while this briefly tests it.
    static func lockedWorkspace(in root: HoistRoot) -> Found? {
        workspaces(in: root).first { found in
            let descriptor = open(root.temporaryPath + "/" + found.name + "/.lock", O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return false }
            defer { close(descriptor) }
            if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
                flock(descriptor, LOCK_UN)
                return false
            }
            return errno == EWOULDBLOCK
        }
    }

    /// Workspace directories, sorted by name.
    private static func workspaces(in root: HoistRoot) -> [Found] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.temporaryPath)) ?? []
        return names.filter { $0.hasPrefix("build-") }.sorted().map { name in
            Found(name: name, pid: name.split(separator: "-").dropFirst().first.flatMap { Int32($0) })
        }
    }
}
