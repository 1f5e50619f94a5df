// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import LayerArchive
import OCIImage
import Sandbox

/// Runs one stage's instructions, from its base to its finished image.
struct StageBuilder {
    let session: BuildSession
    let index: Int
    let stage: Stage
    let planned: PlannedStage
    let label: String
    var image: ImageState
    var scope: VariableScope
    var platform: Platform
    /// Whether CMD was set in this stage (ENTRYPOINT then keeps it).
    var commandSetHere = false
    /// The stage's own root directory in snapshot mode, made at its first filesystem step.
    var snapshotRoot: String?
    /// The cache chain: the key of everything so far (base, then every instruction).
    var chain = SHA256Hasher.digest(of: [UInt8]())
    var stepCount: Int

    init(session: BuildSession, index: Int) {
        self.session = session
        self.index = index
        self.stage = session.typed.stages[index]
        self.planned = session.plan.stages[index]
        self.label = stage.name ?? "stage-\(index)"
        self.image = .scratch(platform: .host)
        self.scope = session.plan.scope(forStage: index, baseEnvironment: [])
        self.platform = .host
        self.stepCount = stage.instructions.filter { if case .arg = $0.command { false } else { true } }.count + 1
    }

    /// Builds the stage.
    mutating func build() async throws -> ImageState {
        try Task.checkCancellation()
        try await from()
        var position = 1
        for instruction in try onBuildTriggers() + stage.instructions {
            try Task.checkCancellation()
            let expanded = try scope.apply(instruction)
            if case .arg = expanded.command { continue }
            position += 1
            try await execute(expanded, position: position)
        }
        image.cacheKey = chain
        return image
    }

    // MARK: - FROM

    private mutating func from() async throws {
        let text = "FROM " + describeBase()
        let step = await session.beginStep(
            stage: label, position: 1, count: stepCount, instruction: text, location: stage.range)
        let started = Date()
        do {
            let requested = try planned.platform.map { try Platform(parsing: $0) }
            platform =
                requested
                ?? Platform(
                    os: session.request.platform.os, architecture: session.request.platform.architecture,
                    variant: session.request.platform.variant)
            switch planned.base {
            case .scratch:
                image = .scratch(platform: platform)
            case .stage(let earlier):
                image = try await session.stageImage(earlier)
            case .image(let name):
                image = try await session.baseImage(name, platform: platform)
                image.configuration.created = nil
                if session.rootMode == .overlay {
                    // Extract the base's layers while the stage's first instructions run.
                    let layers = image.layers
                    Task { for layer in layers { _ = try? await layer.directory() } }
                }
            }
        } catch {
            session.observer(
                .stepFinished(step: step.number, elapsed: elapsed(since: started), outcome: .failed("\(error)")))
            throw error
        }
        image.configuration.architecture = platform.architecture
        image.configuration.os = platform.os
        image.configuration.variant = platform.variant
        if case .image = planned.base { image.configuration.author = nil }
        let environment = (image.config.Env ?? []).map { entry -> KeyValue in
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return KeyValue(key: String(parts[0]), value: parts.count > 1 ? String(parts[1]) : "")
        }
        scope = session.plan.scope(forStage: index, baseEnvironment: environment)
        if let shell = image.config.Shell, !shell.isEmpty {
            _ = try scope.apply(Instruction(.shell(shell), range: stage.range, text: "SHELL"))
        }
        chain = chainStart()
        session.observer(.stepFinished(step: step.number, elapsed: elapsed(since: started), outcome: .noLayer))
    }

    private func describeBase() -> String {
        var text = stage.from.image
        switch planned.base {
        case .image(let name): text = name
        case .stage(let earlier): text = session.typed.stages[earlier].name ?? String(earlier)
        case .scratch: text = "scratch"
        }
        if let name = stage.name { text += " AS " + name }
        return text
    }

    /// The base image's ONBUILD triggers, as instructions run before the stage's own; they are then cleared.
    private mutating func onBuildTriggers() throws -> [Instruction] {
        guard case .image = planned.base, let triggers = image.config.OnBuild, !triggers.isEmpty else { return [] }
        image.config.OnBuild = nil
        let text = "FROM scratch\n" + triggers.joined(separator: "\n") + "\n"
        let parsed = try Dockerfile.parse(text, fileName: stage.range.fileName + " (ONBUILD of the base image)")
        let instructions = try parsed.typed().stages.first?.instructions ?? []
        stepCount += instructions.count
        return instructions.map { instruction in
            var moved = instruction
            moved.range = stage.range
            return moved
        }
    }

    // MARK: - Instructions

    private mutating func execute(_ instruction: Instruction, position: Int) async throws {
        let text = Self.describe(instruction)
        let step = await session.beginStep(
            stage: label, position: position, count: stepCount, instruction: text, location: instruction.range)
        let started = Date()
        do {
            let outcome = try await apply(instruction, text: text, step: step)
            session.observer(.stepFinished(step: step.number, elapsed: elapsed(since: started), outcome: outcome))
        } catch {
            let wrapped = Self.locate(error, instruction: instruction, text: text)
            session.observer(
                .stepFinished(step: step.number, elapsed: elapsed(since: started), outcome: .failed("\(wrapped)")))
            throw wrapped
        }
    }

    /// Errors that don't say where they happened get the step's location.
    private static func locate(_ error: any Error, instruction: Instruction, text: String) -> any Error {
        switch error {
        case is CancellationError, is DockerfileError: return error
        case let error as BuildError:
            switch error {
            case .stepFailed, .stepError: return error
            default: break
            }
        default: break
        }
        let range = instruction.range
        return BuildError.stepError(
            location: "\(range.fileName):\(range.start.line):\(range.start.column)", instruction: text,
            reason: "\(error)")
    }

    private mutating func apply(_ instruction: Instruction, text: String, step: BuildStep) async throws
        -> StepOutcome
    {
        var config = image.config
        switch instruction.command {
        case .from, .arg:
            return .noLayer
        case .run(let run):
            return try await self.run(run, instruction: instruction, text: text, step: step)
        case .copy(let copy):
            return try await self.copy(copy, isAdd: false, instruction: instruction, text: text, step: step)
        case .add(let copy):
            return try await self.copy(copy, isAdd: true, instruction: instruction, text: text, step: step)
        case .workdir(let path):
            let directory = RootedPath.absolute(path, from: config.WorkingDir ?? "/")
            config.WorkingDir = directory
            image.config = config
            let user = config.User ?? ""
            let cache = stepCache(["WORKDIR", directory, user], position: step.position)
            return try await filesystemStep(createdBy: text, step: step, cache: cache) { root in
                // As BuildKit and buildah: directories WORKDIR creates belong to the current USER.
                var owner = ResolvedUser(uid: 0, gid: 0, supplementaryGroups: [], home: "/")
                if !user.isEmpty {
                    let database = (try? UserDatabase.load(root: root)) ?? UserDatabase(passwd: "", group: "")
                    owner = try database.resolve(user)
                }
                try RootedPath.makeDirectories(directory, in: root, uid: owner.uid, gid: owner.gid)
            }
        case .env:
            config.Env = scope.environment.map { $0.key + "=" + $0.value }
        case .label(let pairs):
            var labels = config.Labels ?? [:]
            for pair in pairs { labels[pair.key] = pair.value }
            config.Labels = labels
        case .maintainer(let name):
            // The config's `author`, as Docker and buildah set it, and the `maintainer` label Docker's
            // documentation recommends in its place.
            image.configuration.author = name
            var labels = config.Labels ?? [:]
            labels["maintainer"] = name
            config.Labels = labels
        case .expose(let ports):
            var exposed = config.ExposedPorts ?? [:]
            for port in ports { for single in Self.expandPort(port) { exposed[single] = EmptyObject() } }
            config.ExposedPorts = exposed
        case .cmd(let form):
            config.Cmd = form.arguments(shell: scope.shell)
            commandSetHere = true
        case .entrypoint(let form):
            config.Entrypoint = form.arguments(shell: scope.shell)
            if !commandSetHere { config.Cmd = nil }
        case .shell(let words):
            config.Shell = words
        case .volume(let paths):
            var volumes = config.Volumes ?? [:]
            for path in paths where !path.isEmpty { volumes[path] = EmptyObject() }
            config.Volumes = volumes
        case .user(let user):
            config.User = user
        case .stopSignal(let signal):
            config.StopSignal = signal
        case .healthcheck(let check):
            switch check {
            case .none:
                config.Healthcheck = .init(Test: ["NONE"])
            case .check(let options):
                config.Healthcheck = .init(
                    Test: options.test, Interval: options.interval, Timeout: options.timeout,
                    StartPeriod: options.startPeriod, StartInterval: options.startInterval, Retries: options.retries)
            }
        case .onbuild(let trigger):
            config.OnBuild = (config.OnBuild ?? []) + [trigger]
        }
        image.config = config
        image.record(text, created: session.created(), emptyLayer: true)
        chainConfigurationStep("\(instruction.command)")
        return .noLayer
    }

    /// `80` → `80/tcp`; `8000-8002/udp` → each port of the range.
    static func expandPort(_ text: String) -> [String] {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        let proto = parts.count > 1 ? parts[1].lowercased() : "tcp"
        let bounds = parts[0].split(separator: "-").compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return [parts[0] + "/" + proto] }
        return (bounds[0]...bounds[1]).map { "\($0)/\(proto)" }
    }

    /// How an instruction appears in progress lines and the image history (after expansion).
    static func describe(_ instruction: Instruction) -> String {
        instruction.text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? instruction.command.keyword
    }

    // MARK: - Filesystem steps

    /// Runs `body` on the stage's root filesystem (an overlay with a fresh upper directory) and turns what it
    /// changed into a new layer, compressed in the background; a step that changes nothing adds no layer.
    mutating func filesystemStep(
        createdBy: String, step: BuildStep, cache: StepCache,
        afterUnmount: ((String) async throws -> Void)? = nil, _ body: (String) async throws -> Void
    ) async throws -> StepOutcome {
        if let key = cache.key {
            guard let reason = await lookUp(key, cache: cache, step: step) else { return .cached }
            session.observer(.cacheMiss(step: step.number, reason: reason))
        }
        let outcome: StepOutcome
        var finished = cache
        if session.rootMode == .snapshot {
            outcome = try await snapshotStep(createdBy: createdBy, step: step, cache: &finished, body)
        } else {
            outcome = try await overlayStep(
                createdBy: createdBy, step: step, cache: &finished, afterUnmount: afterUnmount, body)
        }
        if outcome != .cached, let key = finished.key {
            chain = key
            await remember(key, cache: finished)
        }
        return outcome
    }

    /// For a step whose key is known only after its body ran: reuses the entry (discarding what the body did)
    /// or reports the miss. - Returns: whether it was a hit.
    private mutating func checkLateKey(_ cache: inout StepCache, step: BuildStep) async -> Bool {
        guard let lateKey = cache.lateKey else { return false }
        let (key, sources) = lateKey()
        cache.key = key
        cache.inputs.key = key
        cache.inputs.sources = sources
        guard let reason = await lookUp(key, cache: cache, step: step) else { return true }
        session.observer(.cacheMiss(step: step.number, reason: reason))
        return false
    }

    private mutating func overlayStep(
        createdBy: String, step: BuildStep, cache: inout StepCache, afterUnmount: ((String) async throws -> Void)?,
        _ body: (String) async throws -> Void
    ) async throws -> StepOutcome {
        let lowers = try await image.layerDirectories()
        let directory = session.workspace.path + "/step-\(step.number)"
        let upper = directory + "/upper"
        let work = directory + "/work"
        let merged = directory + "/root"
        for path in [upper, work, merged] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        _ = chmod(upper, 0o755)
        let mount = try OverlayMount.mount(
            lowers: lowers, upper: upper, work: work, at: merged, empty: session.layers.emptyPath)
        do {
            try await body(merged)
        } catch {
            _ = mount.unmountQuietly()
            throw error
        }
        try mount.unmount()
        try? FileManager.default.removeItem(atPath: work)
        // Work that writes straight into the upper directory: plain filesystem speed, no overlay in the way.
        if let afterUnmount { try await afterUnmount(upper) }
        if session.rootMode == .overlay, await checkLateKey(&cache, step: step) {
            try? FileManager.default.removeItem(atPath: directory)
            return .cached
        }
        try CopiedUpDirectories.prune(upper: upper, lowers: lowers)
        let created = session.created()
        if try FileManager.default.contentsOfDirectory(atPath: upper).isEmpty {
            image.record(createdBy, created: created, emptyLayer: true)
            return .noLayer
        }
        let diff = try FilesystemDiff.fromOverlayUpper(path: upper)
        let session = self.session
        let number = step.number
        let blob = LayerBlobSource.deferred(eager: session.exportedStages.contains(index)) {
            try await session.writeLayer(diff, step: number)
        }
        let keptAs = cache.key.map { "dir-" + $0.encoded }
        await session.state.addNewLayer(upper: upper, blob: blob, keptAs: keptAs)
        image.layers.append(StageLayer(directory: { upper }, blob: blob, keptAs: keptAs))
        image.record(createdBy, created: created, emptyLayer: false)
        return .filesystemChanged
    }

    /// `filesystemStep` without overlay: the stage's tree is a directory of its own; the step's changes are
    /// found by comparing it with a snapshot taken before, and written as a layer before the next step.
    private mutating func snapshotStep(
        createdBy: String, step: BuildStep, cache: inout StepCache, _ body: (String) async throws -> Void
    ) async throws -> StepOutcome {
        let root: String
        if let snapshotRoot {
            root = snapshotRoot
        } else {
            root = session.workspace.path + "/stage-\(index)-root"
            try await session.materialize(image, at: root)
            snapshotRoot = root
        }
        let before = try await FilesystemSnapshot.capture(root: root)
        try await body(root)
        if await checkLateKey(&cache, step: step) { return .cached }
        let diff = try await before.diff(against: root)
        let created = session.created()
        guard !diff.changes.isEmpty else {
            image.record(createdBy, created: created, emptyLayer: true)
            return .noLayer
        }
        let blob = try await session.writeLayer(diff, step: step.number)
        image.layers.append(
            StageLayer(
                directory: { throw BuildError.invalidOption("no layer directories in snapshot mode") },
                blob: .known(blob)))
        image.record(createdBy, created: created, emptyLayer: false)
        return .filesystemChanged
    }

    func elapsed(since start: Date) -> Double { Date().timeIntervalSince(start) }
}
