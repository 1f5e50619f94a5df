// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// The variables visible at one point of a stage, and the step-by-step expansion of its
/// instructions, with Docker's rules:
/// - `ENV` (including the base image's) wins over `ARG` of the same name;
/// - `ARG NAME` takes, in order, the `--build-arg` value, its own default, the global ARG of the same
///   name, or the predefined platform value; without any of these it is declared but unset;
/// - proxy `--build-arg`s reach `RUN` without an `ARG`.
///
/// The build engine makes one scope per stage (``BuildPlan/scope(forStage:baseEnvironment:)``),
/// then calls ``apply(_:)`` for each instruction in order and executes what it returns.
public struct VariableScope: Hashable, Sendable {
    /// The build's options.
    public let options: BuildOptions
    /// The values of the global ARGs (declared before the first FROM).
    public let globalArguments: [String: String]
    /// The environment: the base image's `Env`, then each `ENV`, in order, names unique.
    public private(set) var environment: [KeyValue]
    /// Position of each name in `environment`, so lookups stay O(1) with thousands of variables.
    private var environmentIndex: [String: Int] = [:]
    /// The stage's ARGs that have a value.
    public private(set) var arguments: [String: String]
    /// Every ARG name declared in the stage so far.
    public private(set) var declaredArguments: Set<String> = []
    /// The shell for shell-form commands (`SHELL`; default `/bin/sh -c`).
    public private(set) var shell: [String] = ["/bin/sh", "-c"]
    /// The lexer (its escape character comes from the Dockerfile).
    public let lexer: ShellLexer

    /// Creates the scope at the start of a stage.
    /// - Parameters:
    ///   - options: the build's options.
    ///   - globalArguments: the global ARG values.
    ///   - baseEnvironment: the base image's environment, in order.
    ///   - escapeCharacter: the Dockerfile's escape character.
    public init(
        options: BuildOptions, globalArguments: [String: String], baseEnvironment: [KeyValue] = [],
        escapeCharacter: Unicode.Scalar = "\\"
    ) {
        self.options = options
        self.globalArguments = globalArguments
        self.environment = []
        self.arguments = [:]
        self.lexer = ShellLexer(escapeCharacter: escapeCharacter)
        for pair in baseEnvironment { setEnvironment(pair.key, pair.value) }
    }

    /// A variable's value for expansion: ENV first, then ARG.
    /// - Parameter name: the variable name.
    /// - Returns: its value, or nil when unset.
    public func value(of name: String) -> String? {
        if let index = environmentIndex[name] { return environment[index].value }
        return arguments[name]
    }

    /// The environment a `RUN` process gets: the stage's ARGs, overridden by ENV, plus proxy build args.
    public var runEnvironment: [KeyValue] {
        var out: [KeyValue] = []
        let envKeys = Set(environment.map(\.key))
        for name in BuildOptions.proxyArguments.sorted() where !envKeys.contains(name) && arguments[name] == nil {
            if let value = options.buildArguments[name] { out.append(KeyValue(key: name, value: value)) }
        }
        for (name, value) in arguments.sorted(by: { $0.key < $1.key }) where !envKeys.contains(name) {
            out.append(KeyValue(key: name, value: value))
        }
        return out + environment
    }

    /// Expands one word (quotes removed, no splitting).
    /// - Parameters:
    ///   - word: the text.
    ///   - range: where it is, for errors.
    /// - Returns: the expanded text.
    /// - Throws: ``DockerfileError`` with kind `expansion`.
    public func expand(_ word: String, at range: SourceRange) throws(DockerfileError) -> String {
        if isPlain(word) { return word }
        do {
            return try lexer.expand(word, lookup: { self.value(of: $0) }).result
        } catch {
            throw DockerfileError(.expansion(error.message), at: range)
        }
    }

    /// Whether a word has nothing the lexer would change (no `$`, quote or escape character).
    private func isPlain(_ word: String) -> Bool {
        let escape = UInt8(truncatingIfNeeded: lexer.escapeCharacter.value)
        return !word.utf8.contains { $0 == UInt8(ascii: "$") || $0 == 0x22 || $0 == 0x27 || $0 == escape }
    }

    private func expandWords(_ word: String, at range: SourceRange) throws(DockerfileError) -> [String] {
        do {
            return try lexer.expand(word, lookup: { self.value(of: $0) }).words
        } catch {
            throw DockerfileError(.expansion(error.message), at: range)
        }
    }

    private mutating func setEnvironment(_ key: String, _ value: String) {
        if let index = environmentIndex[key] {
            environment[index].value = value
        } else {
            environmentIndex[key] = environment.count
            environment.append(KeyValue(key: key, value: value))
        }
    }

    /// Expands an instruction for the current scope and applies its effect on the scope
    /// (`ARG`, `ENV`, `SHELL`).
    /// - Parameter instruction: the next instruction of the stage.
    /// - Returns: the instruction with every value BuildKit expands replaced by its expansion.
    /// - Throws: ``DockerfileError`` for expansion errors and values that are invalid once expanded.
    public mutating func apply(_ instruction: Instruction) throws(DockerfileError) -> Instruction {
        let range = instruction.range
        var result = instruction
        switch instruction.command {
        case .from, .cmd, .entrypoint, .maintainer, .onbuild, .healthcheck:
            break
        case .shell(let words):
            shell = words
        case .run(var run):
            run.mountSpecifications = try run.mountSpecifications.map { (spec) throws(DockerfileError) in
                try expand(spec, at: range)
            }
            var mounts: [Mount] = []
            for spec in run.mountSpecifications {
                do {
                    mounts.append(try Mount.parse(spec))
                } catch {
                    throw DockerfileError(error, at: range)
                }
            }
            run.mounts = mounts
            result.command = .run(run)
        case .label(let pairs):
            result.command = .label(try expandPairs(pairs, at: range))
        case .env(let pairs):
            let expanded = try expandPairs(pairs, at: range)
            for pair in expanded { setEnvironment(pair.key, pair.value) }
            result.command = .env(expanded)
        case .expose(let ports):
            var expanded: [String] = []
            for port in ports { expanded += try expandWords(port, at: range) }
            for port in expanded where !Self.isValidPort(port) {
                throw DockerfileError(.invalidInstruction("invalid port specification: \"\(port)\""), at: range)
            }
            result.command = .expose(expanded)
        case .add(let copy):
            result.command = .add(try expandCopy(copy, at: range))
        case .copy(let copy):
            result.command = .copy(try expandCopy(copy, at: range))
        case .volume(let paths):
            result.command = .volume(try paths.map { (path) throws(DockerfileError) in try expand(path, at: range) })
        case .user(let user):
            result.command = .user(try expand(user, at: range))
        case .workdir(let path):
            result.command = .workdir(try expand(path, at: range))
        case .stopSignal(let signal):
            result.command = .stopSignal(try expand(signal, at: range))
        case .arg(let declarations):
            var resolved: [ArgDeclaration] = []
            for declaration in declarations {
                let value = try resolveArgument(declaration, at: range)
                declaredArguments.insert(declaration.name)
                arguments[declaration.name] = value
                resolved.append(ArgDeclaration(name: declaration.name, defaultValue: value))
            }
            result.command = .arg(resolved)
        }
        return result
    }

    private func resolveArgument(_ declaration: ArgDeclaration, at range: SourceRange) throws(DockerfileError)
        -> String?
    {
        if let override = options.buildArguments[declaration.name] { return override }
        if let text = declaration.defaultValue { return try expand(text, at: range) }
        if let global = globalArguments[declaration.name] { return global }
        return options.predefinedArguments[declaration.name]
    }

    private func expandPairs(_ pairs: [KeyValue], at range: SourceRange) throws(DockerfileError) -> [KeyValue] {
        var out: [KeyValue] = []
        for pair in pairs {
            out.append(KeyValue(key: try expand(pair.key, at: range), value: try expand(pair.value, at: range)))
        }
        return out
    }

    private func expandCopy(_ copy: Copy, at range: SourceRange) throws(DockerfileError) -> Copy {
        var out = copy
        out.sources = try copy.sources.map { (source) throws(DockerfileError) in try expand(source, at: range) }
        out.destination = try expand(copy.destination, at: range)
        out.from = try copy.from.map { (text) throws(DockerfileError) in try expand(text, at: range) }
        out.chown = try copy.chown.map { (text) throws(DockerfileError) in try expand(text, at: range) }
        out.chmod = try copy.chmod.map { (text) throws(DockerfileError) in try expand(text, at: range) }
        out.checksum = try copy.checksum.map { (text) throws(DockerfileError) in try expand(text, at: range) }
        out.excludes = try copy.excludes.map { (text) throws(DockerfileError) in try expand(text, at: range) }
        if let chmod = out.chmod, chmod.isEmpty || chmod.count > 4 || UInt32(chmod, radix: 8) == nil {
            throw DockerfileError(
                .invalidFlagValue(flag: "chmod", value: chmod, reason: "must be an octal mode such as 0755"), at: range)
        }
        if out.checksum != nil,
            !out.sources.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") })
        {
            throw DockerfileError(
                .invalidInstruction("checksum can't be specified for non-http(s) sources"), at: range)
        }
        var rawLexer = lexer
        rawLexer.ignoresQuotes = true
        out.heredocSources = []
        for heredoc in copy.heredocSources {
            var expanded = heredoc
            if heredoc.expand {
                do {
                    expanded.content = try rawLexer.expand(heredoc.content, lookup: { self.value(of: $0) }).result
                } catch {
                    throw DockerfileError(.expansion(error.message), at: range)
                }
            }
            out.heredocSources.append(expanded)
        }
        return out
    }

    /// `port[-port][/tcp|udp|sctp]`.
    static func isValidPort(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        if parts.count == 2 && !["tcp", "udp", "sctp"].contains(parts[1].lowercased()) { return false }
        let range = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard range.count <= 2 else { return false }
        let numbers = range.compactMap { UInt16($0) }
        guard numbers.count == range.count else { return false }
        return numbers.count == 1 || numbers[0] <= numbers[1]
    }
}
