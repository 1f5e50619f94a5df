// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// What a stage is built on.
public enum StageBase: Hashable, Sendable {
    /// An image reference (expanded with the global ARGs), such as `alpine:3.20`.
    case image(String)
    /// An earlier stage, by index.
    case stage(Int)
    /// `FROM scratch`: an empty root filesystem.
    case scratch
}

/// A stage as the engine plans it: its base resolved and its dependencies known.
public struct PlannedStage: Hashable, Sendable {
    /// The stage's index.
    public var index: Int
    /// The `AS` name, if any.
    public var name: String?
    /// What the stage starts from.
    public var base: StageBase
    /// The `--platform` of its FROM, expanded, if given.
    public var platform: String?
    /// Earlier stages it needs: its base, `COPY --from`, `RUN --mount=from=`; sorted, unique.
    public var dependencies: [Int]
    /// Images (not stages) named by `COPY --from` or `RUN --mount=from=`.
    public var externalImages: [String]
}

/// The stage graph of a Dockerfile for one build: which stages the target needs and in what order
/// they can run.
public struct BuildPlan: Hashable, Sendable {
    /// The file name used in diagnostics.
    public var fileName: String
    /// Every stage of the file.
    public var stages: [PlannedStage]
    /// The stage to build.
    public var target: Int
    /// The stages the target needs, itself included, in index order.
    public var requiredStages: [Int]
    /// The required stages grouped into levels: every stage's dependencies are in earlier levels, so
    /// the stages of one level can run in parallel.
    public var levels: [[Int]]
    /// The global ARG values (declared before the first FROM) after `--build-arg`s.
    public var globalArguments: [String: String]
    /// Non-fatal findings, such as `--build-arg`s no ARG consumes.
    public var warnings: [DockerfileWarning]
    /// The build's options, in a form that encodes to JSON.
    public var options: BuildOptionsSummary
    /// The build's options.
    public var buildOptions: BuildOptions
    /// The Dockerfile's escape character.
    public var escapeCharacter: Unicode.Scalar

    /// The scope to expand a stage's instructions with, before its first instruction.
    /// - Parameters:
    ///   - index: the stage index (a value of ``requiredStages``).
    ///   - baseEnvironment: the base image's (or base stage's) environment, in order.
    /// - Returns: a fresh scope for the stage.
    public func scope(forStage index: Int, baseEnvironment: [KeyValue]) -> VariableScope {
        VariableScope(
            options: buildOptions, globalArguments: globalArguments, baseEnvironment: baseEnvironment,
            escapeCharacter: escapeCharacter)
    }
}

/// The options a plan was made with, in a form that encodes to JSON.
public struct BuildOptionsSummary: Hashable, Sendable, Codable {
    /// `--target`, if given.
    public var target: String?
    /// The target platform.
    public var targetPlatform: String
    /// The build platform.
    public var buildPlatform: String
    /// The `--build-arg` names given.
    public var buildArgumentNames: [String]
}

extension TypedDockerfile {
    /// Resolves the global ARGs and FROM lines, and works out the stage graph for a build.
    /// - Parameter options: build args, target and platforms.
    /// - Returns: the plan.
    /// - Throws: ``DockerfileError`` for expansion errors, a blank base name, an unknown `--target`,
    ///   a `--from` naming a later stage or a stage index out of range, and dependency cycles.
    public func plan(_ options: BuildOptions) throws(DockerfileError) -> BuildPlan {
        let lexer = ShellLexer(escapeCharacter: escapeCharacter.unicodeScalars.first ?? "\\")
        let predefined = options.predefinedArguments
        var globals: [String: String] = [:]
        var declared: Set<String> = []
        func lookupGlobal(_ name: String) -> String? { globals[name] ?? predefined[name] }
        func expandGlobal(_ word: String, _ range: SourceRange) throws(DockerfileError) -> String {
            do {
                return try lexer.expand(word, lookup: lookupGlobal).result
            } catch {
                throw DockerfileError(.expansion(error.message), at: range)
            }
        }
        for instruction in globalArguments {
            guard case .arg(let declarations) = instruction.command else { continue }
            for declaration in declarations {
                declared.insert(declaration.name)
                if let value = options.buildArguments[declaration.name] {
                    globals[declaration.name] = value
                } else if let text = declaration.defaultValue {
                    globals[declaration.name] = try expandGlobal(text, instruction.range)
                }
            }
        }

        var planned: [PlannedStage] = []
        var nameToIndex: [String: Int] = [:]
        for stage in stages {
            let image = try expandGlobal(stage.from.image, stage.range)
            guard !image.isEmpty else {
                throw DockerfileError(
                    .invalidInstruction("base name (\(stage.from.image)) should not be blank"), at: stage.range)
            }
            let base: StageBase
            if let earlier = nameToIndex[image.lowercased()] {
                base = .stage(earlier)
            } else if image.lowercased() == "scratch" {
                base = .scratch
            } else {
                base = .image(image)
            }
            let platform = try stage.from.platform.map { (text) throws(DockerfileError) in
                try expandGlobal(text, stage.range)
            }
            var dependencies: Set<Int> = []
            if case .stage(let earlier) = base { dependencies.insert(earlier) }
            var external: [String] = []
            for instruction in stage.instructions {
                for reference in Self.stageReferences(instruction) {
                    let name = try expandGlobal(reference, instruction.range)
                    let where_ = SourceRange.locate(reference, in: instruction.text, within: instruction.range)
                    switch try Self.resolve(name, from: stage, names: nameToIndex, all: stages, at: where_) {
                    case .stage(let index): dependencies.insert(index)
                    case .image(let image): if !external.contains(image) { external.append(image) }
                    case .scratch: break
                    }
                }
                if case .arg(let declarations) = instruction.command {
                    for declaration in declarations { declared.insert(declaration.name) }
                }
            }
            planned.append(
                PlannedStage(
                    index: stage.index, name: stage.name, base: base, platform: platform,
                    dependencies: dependencies.sorted(), externalImages: external))
            if let name = stage.name { nameToIndex[name] = stage.index }
        }

        let target: Int
        if let wanted = options.target {
            guard let index = nameToIndex[wanted.lowercased()] else {
                throw DockerfileError(
                    .unknownTarget(wanted),
                    at: SourceRange(fileName: fileName, line: stages.first?.range.start.line ?? 1))
            }
            target = index
        } else {
            target = stages.count - 1
        }
        let required = Self.requiredStages(from: target, in: planned)
        let levels = try Self.levels(of: required, in: planned, stages: stages)

        var consumed = declared
        consumed.formUnion(BuildOptions.alwaysConsumed)
        let unused = options.buildArguments.keys.filter { !consumed.contains($0) }.sorted()
        var warnings: [DockerfileWarning] = []
        if !unused.isEmpty {
            warnings.append(
                DockerfileWarning("one or more build-args were not consumed: " + unused.joined(separator: ", ")))
        }
        return BuildPlan(
            fileName: fileName, stages: planned, target: target, requiredStages: required, levels: levels,
            globalArguments: globals, warnings: warnings,
            options: BuildOptionsSummary(
                target: options.target, targetPlatform: options.targetPlatform.description,
                buildPlatform: options.buildPlatform.description,
                buildArgumentNames: options.buildArguments.keys.sorted()),
            buildOptions: options, escapeCharacter: lexer.escapeCharacter)
    }

    /// `COPY --from` and `RUN --mount=from=` values of an instruction, unexpanded.
    static func stageReferences(_ instruction: Instruction) -> [String] {
        switch instruction.command {
        case .copy(let copy): return copy.from.map { [$0] } ?? []
        case .run(let run): return run.mounts.compactMap(\.from)
        default: return []
        }
    }

    private static func resolve(
        _ name: String, from stage: Stage, names: [String: Int], all stages: [Stage], at range: SourceRange
    ) throws(DockerfileError) -> StageBase {
        if let index = names[name.lowercased()] { return .stage(index) }
        if let index = Int(name) {
            guard index >= 0 && index < stage.index else {
                throw DockerfileError(
                    .unknownStage("stage index \(index) is not an earlier stage of this dockerfile"), at: range)
            }
            return .stage(index)
        }
        if stages.contains(where: { $0.name == name.lowercased() }) {
            throw DockerfileError(
                .unknownStage("stage \"\(name)\" is defined later; a stage can only use earlier stages"), at: range)
        }
        if name.lowercased() == "scratch" { return .scratch }
        return .image(name)
    }

    /// The target and everything it depends on, found without recursion.
    static func requiredStages(from target: Int, in stages: [PlannedStage]) -> [Int] {
        var seen: Set<Int> = [target]
        var pending = [target]
        while let index = pending.popLast() {
            for dependency in stages[index].dependencies where seen.insert(dependency).inserted {
                pending.append(dependency)
            }
        }
        return seen.sorted()
    }

    /// Kahn's algorithm over the required stages; a leftover stage means a cycle.
    static func levels(of required: [Int], in stages: [PlannedStage], stages source: [Stage]) throws(DockerfileError)
        -> [[Int]]
    {
        var level: [Int: Int] = [:]
        var remaining = Set(required)
        var levels: [[Int]] = []
        while !remaining.isEmpty {
            let ready = remaining.filter { index in stages[index].dependencies.allSatisfy { level[$0] != nil } }
                .sorted()
            guard !ready.isEmpty else {
                let names = remaining.sorted().map { stages[$0].name ?? String($0) }
                let first = remaining.sorted().first ?? 0
                throw DockerfileError(.dependencyCycle(names), at: source[first].range)
            }
            for index in ready {
                level[index] = levels.count
                remaining.remove(index)
            }
            levels.append(ready)
        }
        return levels
    }
}
