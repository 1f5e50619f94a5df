// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import OCIImage
import Sandbox

extension StageBuilder {
    /// `RUN`: the command in the sandbox, on the stage's root, with its mounts; its changes become a layer.
    mutating func run(_ run: Run, instruction: Instruction, text: String, step: BuildStep) async throws
        -> StepOutcome
    {
        try checkPlatformRunnable()
        let stepDirectory = session.workspace.path + "/step-\(step.number)"
        let (arguments, scriptMounts) = try commandLine(run, stepDirectory: stepDirectory)
        var environment = scope.runEnvironment.map { $0.key + "=" + $0.value }
        if !environment.contains(where: { $0.hasPrefix("PATH=") }) {
            environment.append("PATH=" + ImageState.defaultPath)
        }
        let config = image.config
        let workingDirectory = config.WorkingDir ?? "/"
        var prepared = PreparedMounts()
        defer { prepared.release() }
        for mount in run.mounts {
            try await prepare(mount, workingDirectory: workingDirectory, into: &prepared, stepDirectory: stepDirectory)
        }
        environment += prepared.environment
        let network: Sandbox.NetworkMode
        switch run.network ?? .default {
        case .none: network = .none
        case .host: network = .host
        case .default: network = session.request.network == .none ? .none : .host
        }
        let request = RunRequest(
            root: "/", arguments: arguments, environment: environment, workingDirectory: workingDirectory,
            user: config.User ?? "", hostname: "hoist", network: network, mounts: scriptMounts + prepared.mounts,
            hostFiles: .host)
        let observer = session.observer
        let number = step.number
        let location = "\(instruction.range.fileName):\(instruction.range.start.line):\(instruction.range.start.column)"
        let createdBy = "RUN " + arguments.joined(separator: " ")
        let cache = stepCache(
            try runCacheMaterial(
                run, arguments: arguments, network: network, user: config.User ?? "",
                workingDirectory: workingDirectory),
            extra: try await mountSourceDigests(run.mounts, workingDirectory: workingDirectory),
            position: step.position, seesVariables: true)
        return try await filesystemStep(createdBy: createdBy, step: step, cache: cache) { root in
            var rooted = request
            rooted.root = root
            let status = try await NamespaceExecutor().run(
                rooted,
                output: .handler { chunk in
                    observer(.stepOutput(step: number, bytes: chunk.bytes, isError: chunk.stream == .standardError))
                })
            switch status {
            case .exited(0): return
            case .exited(let code):
                throw BuildError.stepFailed(location: location, instruction: text, status: code, signaled: false)
            case .signaled(let signal):
                throw BuildError.stepFailed(location: location, instruction: text, status: signal, signaled: true)
            }
        }
    }

    /// The argument vector, and the mounts a here-document script needs.
    ///
    /// As BuildKit: a RUN that is one here-document and nothing else runs the document (through the shell,
    /// or directly when it starts with `#!`); any other here-document use hands the shell the whole text, which
    /// the shell reads its here-documents from.
    private func commandLine(_ run: Run, stepDirectory: String) throws -> ([String], [Sandbox.Mount]) {
        switch run.command {
        case .exec(let arguments):
            return (arguments, [])
        case .shell(let text):
            guard !run.heredocs.isEmpty else { return (scope.shell + [text], []) }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if run.heredocs.count == 1, let word = try? HeredocWord.parse(trimmed),
                word.name == run.heredocs[0].name
            {
                var content = run.heredocs[0].content
                if run.heredocs[0].chomp {
                    content = content.split(separator: "\n", omittingEmptySubsequences: false)
                        .map { $0.drop(while: { $0 == "\t" }) }.joined(separator: "\n")
                }
                guard content.hasPrefix("#!") else { return (scope.shell + [content], []) }
                let script = stepDirectory + "/heredoc-" + run.heredocs[0].name
                try FileManager.default.createDirectory(atPath: stepDirectory, withIntermediateDirectories: true)
                try Data(content.utf8).write(to: URL(fileURLWithPath: script))
                _ = chmod(script, 0o755)
                let target = "/dev/pipes/" + run.heredocs[0].name
                return ([target], [.bind(source: script, target: target, readOnly: true)])
            }
            var script = text
            for heredoc in run.heredocs { script += "\n" + heredoc.content + heredoc.name }
            return (scope.shell + [script], [])
        }
    }

    /// What a RUN's cache key covers of the instruction: the command as it runs, here-document bodies, the
    /// mounts that bring content in (not cache mounts or secrets), the network, user and directory.
    private func runCacheMaterial(
        _ run: Run, arguments: [String], network: Sandbox.NetworkMode, user: String, workingDirectory: String
    ) throws -> [String] {
        var material = ["RUN"] + arguments
        for heredoc in run.heredocs { material += ["heredoc", heredoc.name, heredoc.content] }
        for mount in run.mounts where mount.type != .cache && mount.type != .secret {
            material.append("mount \(mount)")
        }
        material += ["network=\(network)", "user=" + user, "workdir=" + workingDirectory]
        return material
    }

    /// For each bind mount, what its content is: the source stage's cache key, the image's digest, or a digest
    /// of the context tree it binds.
    private func mountSourceDigests(_ mounts: [DockerfileSyntax.Mount], workingDirectory: String) async throws
        -> [StepRead]
    {
        var reads: [StepRead] = []
        for mount in mounts where mount.type == .bind {
            if let from = mount.from {
                reads.append(StepRead(from: from, source: try await sourceImage(from)))
            } else {
                let source = mount.source ?? "."
                let path = try RootedPath.resolve(source, in: session.request.contextDirectory)
                reads.append(StepRead(what: "the context's \(source)", digest: try TreeDigest.of(path).description))
            }
        }
        return reads
    }

    /// Fails early, with the reason, when the stage's platform can't execute here.
    private func checkPlatformRunnable() throws {
        let host = Platform.host
        guard platform.architecture != host.architecture else { return }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/sys/fs/binfmt_misc")) ?? []
        let wanted =
            [
                "amd64": "x86_64", "arm64": "aarch64", "arm": "arm", "386": "i386", "ppc64le": "ppc64le",
                "s390x": "s390x", "riscv64": "riscv64",
            ][platform.architecture] ?? platform.architecture
        if names.contains(where: { $0.contains(wanted) }) { return }
        throw BuildError.platformUnsupported(requested: platform.description, host: host.description)
    }

    // MARK: - RUN --mount

    /// What a step's `--mount`s turned into, and what to undo afterwards.
    struct PreparedMounts {
        var mounts: [Sandbox.Mount] = []
        var environment: [String] = []
        var locks: [Int32] = []
        var overlays: [OverlayMount] = []

        mutating func release() {
            for overlay in overlays.reversed() { _ = overlay.unmountQuietly() }
            for lock in locks { close(lock) }
            overlays = []
            locks = []
        }
    }

    private func prepare(
        _ mount: DockerfileSyntax.Mount, workingDirectory: String, into prepared: inout PreparedMounts,
        stepDirectory: String
    ) async throws {
        let target = mount.target.map { RootedPath.absolute($0, from: workingDirectory) }
        switch mount.type {
        case .bind:
            guard let target else { throw BuildError.invalidOption("--mount=type=bind needs a target") }
            let base: String
            if let from = mount.from {
                base = try await sourceRoot(from)
            } else {
                base = session.request.contextDirectory
            }
            let source = try RootedPath.resolve(mount.source ?? ".", in: base)
            var info = stat()
            guard lstat(source, &info) == 0 else {
                throw BuildError.invalidOption("--mount=type=bind: source \(mount.source ?? ".") does not exist")
            }
            if mount.readOnly == false {
                let copy = stepDirectory + "/bind-\(prepared.mounts.count)"
                if info.st_mode & S_IFMT == S_IFDIR {
                    for part in ["upper", "work", "root"] {
                        try FileManager.default.createDirectory(
                            atPath: copy + "/" + part, withIntermediateDirectories: true)
                    }
                    let overlay = try OverlayMount.mount(
                        lowers: [source], upper: copy + "/upper", work: copy + "/work", at: copy + "/root",
                        empty: session.layers.emptyPath)
                    prepared.overlays.append(overlay)
                    prepared.mounts.append(.bind(source: copy + "/root", target: target, readOnly: false))
                } else {
                    try FileManager.default.createDirectory(atPath: stepDirectory, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(atPath: source, toPath: copy)
                    prepared.mounts.append(.bind(source: copy, target: target, readOnly: false))
                }
            } else {
                prepared.mounts.append(.bind(source: source, target: target, readOnly: true))
            }
        case .cache:
            guard let target else { throw BuildError.invalidOption("--mount=type=cache needs a target") }
            guard mount.from == nil else {
                throw BuildError.invalidOption("--mount=type=cache,from=… is not supported; Hoist starts caches empty")
            }
            let id = mount.id ?? target
            let directory = session.root.cacheMountsPath + "/" + SHA256Hasher.digest(of: Array(id.utf8)).encoded
            if !FileManager.default.fileExists(atPath: directory) {
                let staging = directory + ".new-\(getpid())"
                try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
                _ = chmod(staging, mode_t(mount.mode ?? 0o755))
                _ = chown(staging, mount.uid ?? 0, mount.gid ?? 0)
                if rename(staging, directory) != 0 { try? FileManager.default.removeItem(atPath: staging) }
            }
            if mount.sharing == .locked {
                let lock = open(directory + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
                if lock >= 0 {
                    prepared.locks.append(lock)
                    await blockingLock(lock)
                }
            }
            prepared.mounts.append(.bind(source: directory, target: target, readOnly: mount.readOnly == true))
        case .tmpfs:
            guard let target else { throw BuildError.invalidOption("--mount=type=tmpfs needs a target") }
            prepared.mounts.append(.tmpfs(target: target, sizeBytes: mount.size.map { Int($0) }))
        case .secret:
            let id = mount.id ?? target.map { ($0 as NSString).lastPathComponent } ?? ""
            guard !id.isEmpty else { throw BuildError.invalidOption("--mount=type=secret needs an id or a target") }
            guard let source = session.request.secrets[id] else {
                if mount.required == true {
                    throw BuildError.invalidOption(
                        "secret '\(id)' is required; pass it with --secret id=\(id),src=FILE")
                }
                return
            }
            guard let bytes = FileManager.default.contents(atPath: source) else {
                throw BuildError.invalidOption("secret '\(id)': cannot read \(source)")
            }
            if let variable = mount.env {
                prepared.environment.append(variable + "=" + String(decoding: bytes, as: UTF8.self))
                if target == nil { return }
            }
            let copy = stepDirectory + "/secret-\(prepared.mounts.count)"
            try FileManager.default.createDirectory(atPath: stepDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: copy, contents: bytes, attributes: nil) else {
                throw BuildError.invalidOption("secret '\(id)': cannot stage it for the step")
            }
            _ = chmod(copy, mode_t(mount.mode ?? 0o400))
            _ = chown(copy, mount.uid ?? 0, mount.gid ?? 0)
            prepared.mounts.append(.bind(source: copy, target: target ?? "/run/secrets/" + id, readOnly: true))
        case .ssh:
            throw BuildError.invalidOption("--mount=type=ssh is not supported by Hoist")
        }
    }

    /// The root filesystem named by a `from=` (a stage name or index, or an image).
    func sourceRoot(_ from: String) async throws -> String {
        let source = try await sourceImage(from)
        return try await session.rootView(of: source, key: from.lowercased())
    }

    /// The image named by `--from`/`from=`: an earlier stage (by name or index) or an image.
    func sourceImage(_ from: String) async throws -> ImageState {
        if let found = session.typed.stages.first(where: { $0.name == from.lowercased() }), found.index < index {
            return try await session.stageImage(found.index)
        }
        if let number = Int(from), number >= 0, number < index { return try await session.stageImage(number) }
        return try await session.baseImage(from, platform: platform)
    }

    private func blockingLock(_ descriptor: Int32) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                _ = flock(descriptor, LOCK_EX)
                continuation.resume()
            }
        }
    }
}
