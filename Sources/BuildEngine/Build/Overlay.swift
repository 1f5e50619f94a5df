// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CSandbox
import Foundation
import LayerArchive
import OCIImage

/// An overlay mount in this process's mount namespace: a stage's root filesystem for one step.
struct OverlayMount: Sendable {
    /// Where the merged tree is visible.
    let target: String
    /// The step's upper directory (its changes), or nil for a read-only view.
    let upper: String?

    /// Mounts `lowers` (bottom first, as image layers are listed) with `upper` on top.
    /// - Parameters:
    ///   - lowers: layer directories, bottom first; may be empty.
    ///   - upper: a fresh directory for the changes; nil for a read-only view.
    ///   - work: overlay's work directory (same filesystem as upper); required with `upper`.
    ///   - target: an existing empty directory.
    ///   - empty: an empty directory, used when fewer lowers than overlay needs are given.
    static func mount(
        lowers: [String], upper: String?, work: String?, at target: String, empty: String
    ) throws -> OverlayMount {
        var stack = Array(lowers.reversed())
        let needed = upper == nil ? 2 : 1
        while stack.count < needed { stack.append(empty) }
        var detail = [CChar](repeating: 0, count: 512)
        let result = withCStrings(stack) { pointers in
            csandbox_mount_overlay(target, pointers, Int32(stack.count), upper, work, &detail, Int32(detail.count))
        }
        guard result == 0 else {
            let message = String(decoding: detail.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw BuildError.mountFailed(
                target: target, reason: systemErrorMessage(-result) + (message.isEmpty ? "" : " (\(message))"))
        }
        return OverlayMount(target: target, upper: upper)
    }

    /// Unmounts the view.
    func unmount() throws {
        let result = csandbox_unmount(target)
        guard result == 0 else {
            throw BuildError.mountFailed(target: target, reason: "unmount: " + systemErrorMessage(-result))
        }
    }
}

/// Calls `body` with a C array of C strings for `strings`.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let duplicated = strings.map { strdup($0) }
    defer { duplicated.forEach { free($0) } }
    let constant = duplicated.map { UnsafePointer($0) }
    return constant.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Extracted layer directories under `ROOT/layers/<diffID>`, made once and shared by every build.
actor LayerDirectories {
    let path: String
    let store: any ContentStore
    private var pending: [Digest: Task<String, any Error>] = [:]

    init(path: String, store: any ContentStore) throws {
        self.path = path
        self.store = store
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: emptyPath, withIntermediateDirectories: true)
    }

    /// An empty directory, for overlays with nothing below.
    nonisolated var emptyPath: String { path + "/.empty" }

    /// The directory for `diffID`, extracting `layer` first when it isn't there yet.
    func directory(diffID: Digest, layer: Descriptor) async throws -> String {
        let target = path + "/" + diffID.encoded
        if FileManager.default.fileExists(atPath: target) { return target }
        if let running = pending[diffID] { return try await running.value }
        let store = self.store
        let task = Task<String, any Error> {
            let applier = LayerApplier(store: store, options: .init(whiteouts: .overlay, expectedDiffID: diffID))
            _ = try await applier.extract(layer.digest, into: target)
            return target
        }
        pending[diffID] = task
        defer { pending[diffID] = nil }
        return try await task.value
    }

    /// Keeps a step's upper directory as the layer directory for `diffID`, or drops it when one exists.
    /// - Returns: the layer directory.
    func adopt(_ upper: String, diffID: Digest) -> String {
        let target = path + "/" + diffID.encoded
        if !FileManager.default.fileExists(atPath: target), rename(upper, target) == 0 { return target }
        try? FileManager.default.removeItem(atPath: upper)
        return target
    }
}

/// Overlay copies a directory up into the upper directory whenever something beneath it is touched, even when
/// nothing in it changes for good: the sandbox's mount points for /etc/resolv.conf and /etc/hosts, removed
/// afterwards, leave `etc/` behind. Such directories are not changes. This removes, deepest first, every
/// directory of `upper` that is empty, not opaque, and shadows a lower directory with the same mode and owner
/// (mtime aside: creating and removing an entry changes it). See specs/build.md.
enum CopiedUpDirectories {
    static func prune(upper: String, lowers: [String]) throws {
        _ = try pruneChildren(of: "", upper: upper, lowers: lowers)
    }

    /// Returns whether `relative` (a directory of upper) ended up empty.
    private static func pruneChildren(of relative: String, upper: String, lowers: [String]) throws -> Bool {
        let directory = relative.isEmpty ? upper : upper + "/" + relative
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        var remaining = names.count
        for name in names {
            let child = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(upper + "/" + child, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { continue }
            let isEmpty = try pruneChildren(of: child, upper: upper, lowers: lowers)
            if isEmpty, !isOpaque(upper + "/" + child), shadowsSameDirectory(child, info, lowers: lowers),
                rmdir(upper + "/" + child) == 0
            {
                remaining -= 1
            }
        }
        return remaining == 0
    }

    private static func isOpaque(_ path: String) -> Bool {
        csandbox_overlay_is_opaque(path) == 1
    }

    /// Whether the topmost lower entry at `relative` is a directory with `info`'s mode and owner.
    private static func shadowsSameDirectory(_ relative: String, _ info: stat, lowers: [String]) -> Bool {
        for lower in lowers.reversed() {
            var below = stat()
            guard lstat(lower + "/" + relative, &below) == 0 else { continue }
            return below.st_mode == info.st_mode && below.st_uid == info.st_uid && below.st_gid == info.st_gid
        }
        return false
    }
}
