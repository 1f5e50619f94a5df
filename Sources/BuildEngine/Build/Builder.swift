// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import LayerArchive
import Logging
import OCIImage
import Registry

/// Builds images from Dockerfiles: `hoist build`. See specs/build.md.
///
/// Each build plans the stage graph, runs the stages the target needs (independent ones concurrently), runs
/// each RUN in the sandbox on an overlay of the stage's layers, turns every step's upper directory into a
/// layer, and commits the target stage's image to the local store.
public struct Builder: Sendable {
    /// The Hoist root (store, layers, temporary files).
    public let root: HoistRoot
    /// Receives progress events.
    public let observer: BuildObserver

    /// - Parameters:
    ///   - root: where images, layers and work files live.
    ///   - observer: called with progress events.
    public init(root: HoistRoot, observer: @escaping BuildObserver = { _ in }) {
        self.root = root
        self.observer = observer
    }

    /// Runs a build and commits its image to the store, tagged with the request's tags.
    /// - Throws: `DockerfileError` for the Dockerfile; `BuildError` for everything the build itself meets.
    ///   A failed or cancelled build leaves no image and no work files; layers of finished steps stay.
    public func build(_ request: BuildRequest) async throws -> BuildResult {
        try Workspace.removeLeftovers(in: root)
        let dockerfile = try Dockerfile.parse(request.dockerfileText, fileName: request.dockerfileName)
        for warning in dockerfile.warnings { observer(.warning(warning.description)) }
        let typed = try dockerfile.typed()
        let plan = try typed.plan(
            BuildOptions(
                buildArguments: request.buildArguments, target: request.target, targetPlatform: request.platform))
        for warning in plan.warnings { observer(.warning(warning.description)) }
        let store = try root.openStore()
        // From here until the build ends, `hoist prune` refuses to run: cache hits name blobs and trees the build
        // only checked, and a build that starts while a prune runs waits for it.
        try store.beginWriting()
        let workspace = try Workspace.create(in: root)
        // --cache-from: the entry lists are read now; --no-cache turns remote lookups off with local ones.
        let remote =
            request.noCache || request.cacheFrom.isEmpty
            ? nil
            : await RemoteCacheImporter.open(request.cacheFrom, request: request, store: store, observer: observer)
        let session: BuildSession
        let result: BuildResult
        do {
            session = try BuildSession(
                root: root, store: store, request: request, typed: typed, plan: plan, workspace: workspace,
                observer: observer, remoteCache: remote)
        } catch {
            workspace.remove()
            await remote?.close()
            throw error
        }
        do {
            result = try await session.run()
        } catch {
            await session.finish()
            await remote?.close()
            throw error
        }
        await session.finish()
        await remote?.close()
        // --cache-to: after the build, from the entries it wrote and hit. A failure leaves the image stored.
        try await RemoteCacheExporter(session: session).export(image: result.manifest.digest)
        return result
    }
}

/// A build's private directory under `ROOT/tmp`, locked while the build lives so that a later start can tell
/// leftovers of a killed build from the work of a running one.
struct Workspace: Sendable {
    let path: String
    let lockDescriptor: Int32

    static func create(in root: HoistRoot) throws -> Workspace {
        let path = root.temporaryPath + "/build-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let descriptor = open(path + "/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw BuildError.exportFailed(path: path + "/.lock", reason: systemErrorMessage(errno))
        }
        return Workspace(path: path, lockDescriptor: descriptor)
    }

    /// Unmounts whatever is still mounted beneath the workspace, deepest first, and removes it.
    func remove() {
        Self.unmountAll(beneath: path)
        try? FileManager.default.removeItem(atPath: path)
        close(lockDescriptor)
    }

    /// Removes the workspaces of builds that are no longer running (killed, or lost power).
    static func removeLeftovers(in root: HoistRoot) throws {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.temporaryPath) else { return }
        for name in names where name.hasPrefix("build-") {
            let path = root.temporaryPath + "/" + name
            let descriptor = open(path + "/.lock", O_RDWR | O_CLOEXEC)
            if descriptor >= 0 {
                defer { close(descriptor) }
                guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }  // a live build
            }
            unmountAll(beneath: path)
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    static func unmountAll(beneath path: String) {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return }
        let mountPoints = table.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            return decodeMountInfoPath(String(fields[4]))
        }
        for point in mountPoints.filter({ $0.hasPrefix(path + "/") }).sorted(by: { $0.count > $1.count }) {
            _ = OverlayMount(target: point, upper: nil).unmountQuietly()
        }
    }

    /// mountinfo escapes space, tab, newline and backslash as octal.
    private static func decodeMountInfoPath(_ text: String) -> String {
        guard text.contains("\\") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
                let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension OverlayMount {
    /// Unmounts, reporting failure only by the result.
    func unmountQuietly() -> Bool { (try? unmount()) != nil }
}
