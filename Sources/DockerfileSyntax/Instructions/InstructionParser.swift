// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

extension Dockerfile {
    /// The instruction keywords BuildKit knows, lower case.
    public static let instructionNames = [
        "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label", "maintainer",
        "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir",
    ]

    /// Gives every node a type and groups the instructions into stages.
    /// - Returns: the typed Dockerfile.
    /// - Throws: ``DockerfileError`` for unknown instructions or flags, bad flag values, wrong argument
    ///   counts, instructions other than ARG before the first FROM, and duplicate or invalid stage names.
    public func typed() throws(DockerfileError) -> TypedDockerfile {
        var globals: [Instruction] = []
        var stages: [Stage] = []
        var names: [String: Int] = [:]
        for node in nodes {
            let instruction = try InstructionParser.instruction(from: node)
            if case .from(let from) = instruction.command {
                if let name = from.stageName {
                    if names[name] != nil {
                        throw DockerfileError(.duplicateStageName(name), at: BuildFlags.range(of: name, in: node))
                    }
                    names[name] = stages.count
                }
                stages.append(
                    Stage(
                        index: stages.count, name: from.stageName, from: from, range: instruction.range,
                        instructions: []))
                continue
            }
            guard !stages.isEmpty else {
                guard case .arg = instruction.command else {
                    throw DockerfileError(.instructionBeforeFrom(instruction.command.keyword), at: instruction.range)
                }
                globals.append(instruction)
                continue
            }
            stages[stages.count - 1].instructions.append(instruction)
        }
        guard !stages.isEmpty else {
            let where_ = nodes.last?.range ?? SourceRange(fileName: fileName, line: 1)
            throw DockerfileError(
                .wrongArguments(instruction: "dockerfile", message: "has no from instruction"), at: where_)
        }
        return TypedDockerfile(
            fileName: fileName, globalArguments: globals, stages: stages, escapeCharacter: String(escapeCharacter))
    }
}

/// Node → ``Instruction`` (BuildKit `instructions/parse.go`).
enum InstructionParser {
    static func instruction(from node: Node) throws(DockerfileError) -> Instruction {
        let command = try command(from: node)
        return Instruction(command, range: node.range, text: node.original)
    }

    private static func fail(_ node: Node, _ message: String) -> DockerfileError {
        DockerfileError(.wrongArguments(instruction: node.instructionName, message: message), at: node.range)
    }

    private static func noFlags(_ node: Node) throws(DockerfileError) {
        if node.flags.isEmpty { return }
        _ = try BuildFlags(node, accepted: [:])
    }

    // The flags each instruction accepts (BuildKit `instructions/parse.go`).
    private static let fromFlags: [String: BuildFlags.Kind] = ["platform": .string]
    private static let runFlags: [String: BuildFlags.Kind] = ["mount": .list, "network": .string, "security": .string]
    private static let copyFlags: [String: BuildFlags.Kind] = [
        "chown": .string, "chmod": .string, "link": .bool, "exclude": .list, "from": .string, "parents": .bool,
    ]
    private static let addFlags: [String: BuildFlags.Kind] = [
        "chown": .string, "chmod": .string, "link": .bool, "exclude": .list, "checksum": .string,
        "keep-git-dir": .bool,
    ]
    private static let healthcheckFlags: [String: BuildFlags.Kind] = [
        "interval": .string, "timeout": .string, "start-period": .string, "start-interval": .string,
        "retries": .string,
    ]

    private static func exactlyOne(_ node: Node) throws(DockerfileError) -> String {
        try noFlags(node)
        guard node.arguments.count == 1 else { throw fail(node, "requires exactly one argument") }
        return node.arguments[0]
    }

    private static func commandLine(_ node: Node) -> CommandForm {
        node.isJSON ? .exec(node.arguments) : .shell(node.arguments.first ?? "")
    }

    static func command(from node: Node) throws(DockerfileError) -> Instruction.Command {
        switch node.instructionName {
        case "from": return .from(try from(node))
        case "run": return .run(try run(node))
        case "cmd":
            try noFlags(node)
            return .cmd(commandLine(node))
        case "entrypoint":
            try noFlags(node)
            return .entrypoint(commandLine(node))
        case "shell":
            try noFlags(node)
            guard node.isJSON else { throw fail(node, "requires the arguments to be in json form") }
            guard !node.arguments.isEmpty else { throw fail(node, "requires at least one argument") }
            return .shell(node.arguments)
        case "label", "env":
            try noFlags(node)
            guard !node.arguments.isEmpty else { throw fail(node, "requires at least one argument") }
            var pairs: [KeyValue] = []
            var i = 0
            while i + 1 < node.arguments.count {
                pairs.append(KeyValue(key: node.arguments[i], value: node.arguments[i + 1]))
                i += 3
            }
            if node.instructionName == "env" {
                for pair in pairs where pair.key.isEmpty { throw fail(node, "names can not be blank") }
                return .env(pairs)
            }
            return .label(pairs)
        case "maintainer": return .maintainer(try exactlyOne(node))
        case "expose":
            try noFlags(node)
            guard !node.arguments.isEmpty else { throw fail(node, "requires at least one argument") }
            return .expose(node.arguments)
        case "add", "copy": return try copy(node)
        case "volume":
            try noFlags(node)
            guard !node.arguments.isEmpty else { throw fail(node, "requires at least one argument") }
            for path in node.arguments where path.trimmingSpaces().isEmpty {
                throw fail(node, "specified can not be an empty string")
            }
            return .volume(node.arguments)
        case "user": return .user(try exactlyOne(node))
        case "workdir": return .workdir(try exactlyOne(node))
        case "stopsignal": return .stopSignal(try exactlyOne(node))
        case "arg": return .arg(try args(node))
        case "onbuild": return .onbuild(try onbuild(node))
        case "healthcheck": return .healthcheck(try healthcheck(node))
        default:
            let suggestion = Suggestions.nearest(to: node.instructionName, in: Dockerfile.instructionNames)
            throw DockerfileError(
                .unknownInstruction(node.keyword, suggestion: suggestion?.uppercased()),
                at: BuildFlags.range(of: node.keyword, in: node))
        }
    }

    // MARK: - Instructions

    private static func isValidStageName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII, GoText.isLetter(first) else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (GoText.isLetter(scalar) || GoText.isDigit(scalar) || "-_.".unicodeScalars.contains(scalar))
        }
    }

    private static func from(_ node: Node) throws(DockerfileError) -> From {
        let flags = try BuildFlags(node, accepted: fromFlags)
        let arguments = node.arguments
        guard arguments.count == 1 || arguments.count == 3 else {
            throw fail(node, "requires either one or three arguments")
        }
        var stageName: String?
        if arguments.count == 3 {
            guard arguments[1].lowercased() == "as" else {
                throw fail(node, "with three arguments needs \"as\" as the second argument")
            }
            let name = arguments[2].lowercased()
            guard isValidStageName(name) else {
                throw DockerfileError(.invalidStageName(arguments[2]), at: BuildFlags.range(of: arguments[2], in: node))
            }
            stageName = name
        }
        return From(image: arguments[0], platform: flags.strings["platform"], stageName: stageName)
    }

    private static func run(_ node: Node) throws(DockerfileError) -> Run {
        let flags = try BuildFlags(node, accepted: runFlags)
        guard !node.arguments.isEmpty else { throw fail(node, "requires at least one argument") }
        var network: NetworkMode?
        if let value = flags.strings["network"] {
            guard let mode = NetworkMode(rawValue: value) else {
                throw DockerfileError(
                    .invalidFlagValue(flag: "network", value: value, reason: "must be default, none or host"),
                    at: flags.flagRange("--network"))
            }
            network = mode
        }
        var security: SecurityMode?
        if let value = flags.strings["security"] {
            guard let mode = SecurityMode(rawValue: value) else {
                throw DockerfileError(
                    .invalidFlagValue(flag: "security", value: value, reason: "must be sandbox or insecure"),
                    at: flags.flagRange("--security"))
            }
            security = mode
        }
        let specifications = flags.lists["mount"] ?? []
        var mounts: [Mount] = []
        for specification in specifications {
            do {
                mounts.append(try Mount.parse(specification))
            } catch {
                throw DockerfileError(error, at: flags.flagRange(specification))
            }
        }
        return Run(
            command: commandLine(node), mountSpecifications: specifications, mounts: mounts, network: network,
            security: security, heredocs: node.heredocs)
    }

    private static func copy(_ node: Node) throws(DockerfileError) -> Instruction.Command {
        let isAdd = node.instructionName == "add"
        let flags = try BuildFlags(node, accepted: isAdd ? addFlags : copyFlags)
        if isAdd && flags.bools["keep-git-dir"] != nil {
            throw DockerfileError(
                .unsupported("add --keep-git-dir is not supported: hoist does not fetch git sources"),
                at: flags.flagRange("--keep-git-dir"))
        }
        guard node.arguments.count >= 2 else {
            throw fail(
                node, "requires at least two arguments, but only one was provided; destination could not be determined")
        }
        var sources: [String] = []
        var heredocSources: [Heredoc] = []
        for word in node.arguments.dropLast() {
            if !node.isJSON, let heredoc = try? HeredocWord.parse(word),
                let body = node.heredocs.first(where: { $0.name == heredoc.name })
            {
                heredocSources.append(body)
            } else {
                sources.append(word)
            }
        }
        let destination = node.arguments[node.arguments.count - 1]
        if !node.isJSON, (try? HeredocWord.parse(destination)) != nil {
            throw fail(node, "destination can not be a here-document")
        }
        let copy = Copy(
            sources: sources, heredocSources: heredocSources, destination: destination, from: flags.strings["from"],
            chown: flags.strings["chown"], chmod: flags.strings["chmod"], link: flags.bools["link"] ?? false,
            parents: flags.bools["parents"] ?? false, excludes: flags.lists["exclude"] ?? [],
            checksum: flags.strings["checksum"], isJSON: node.isJSON)
        return isAdd ? .add(copy) : .copy(copy)
    }

    private static func args(_ node: Node) throws(DockerfileError) -> [ArgDeclaration] {
        try noFlags(node)
        guard !node.arguments.isEmpty else { throw fail(node, "requires at least one argument") }
        return node.arguments.map { word in
            guard let equals = word.firstIndex(of: "=") else { return ArgDeclaration(name: word, defaultValue: nil) }
            return ArgDeclaration(
                name: String(word[..<equals]), defaultValue: String(word[word.index(after: equals)...]))
        }
    }

    private static func onbuild(_ node: Node) throws(DockerfileError) -> String {
        try noFlags(node)
        guard let child = node.child else { throw fail(node, "requires at least one argument") }
        switch child.instructionName {
        case "onbuild": throw fail(node, "can not be chained (onbuild onbuild)")
        case "from", "maintainer":
            throw fail(node, "\(child.instructionName) isn't allowed as an onbuild trigger")
        default: break
        }
        _ = try command(from: child)
        var text = node.original
        if let range = text.firstRange(of: child.keyword) { text = String(text[range.lowerBound...]) }
        return text
    }

    private static func healthcheck(_ node: Node) throws(DockerfileError) -> Healthcheck {
        let flags = try BuildFlags(node, accepted: healthcheckFlags)
        guard let type = node.arguments.first else { throw fail(node, "requires an argument") }
        switch type.uppercased() {
        case "NONE":
            guard node.arguments.count == 1 else { throw fail(node, "none takes no arguments") }
            guard node.flags.isEmpty else { throw fail(node, "none does not take options") }
            return .none
        case "CMD":
            let rest = Array(node.arguments.dropFirst())
            guard !rest.isEmpty else { throw fail(node, "cmd requires a command") }
            let test = node.isJSON ? ["CMD"] + rest : ["CMD-SHELL", rest[0]]
            var configuration = HealthcheckConfiguration(test: test)
            configuration.interval = try duration(flags, "interval")
            configuration.timeout = try duration(flags, "timeout")
            configuration.startPeriod = try duration(flags, "start-period")
            configuration.startInterval = try duration(flags, "start-interval")
            if let text = flags.strings["retries"] {
                guard let retries = Int(text), retries >= 0 else {
                    throw DockerfileError(
                        .invalidFlagValue(flag: "retries", value: text, reason: "must be a non-negative integer"),
                        at: flags.flagRange("--retries"))
                }
                configuration.retries = retries
            }
            return .check(configuration)
        default:
            throw fail(node, "unknown type \(GoText.quote(type)) (try cmd)")
        }
    }

    private static func duration(_ flags: BuildFlags, _ name: String) throws(DockerfileError) -> Int64? {
        guard let text = flags.strings[name] else { return nil }
        guard let nanoseconds = GoDuration.parse(text), nanoseconds >= 0 else {
            throw DockerfileError(
                .invalidFlagValue(flag: name, value: text, reason: "must be a non-negative duration such as 30s"),
                at: flags.flagRange("--" + name))
        }
        if nanoseconds != 0 && nanoseconds < 1_000_000 {
            throw DockerfileError(
                .invalidFlagValue(flag: name, value: text, reason: "cannot be less than 1ms"),
                at: flags.flagRange("--" + name))
        }
        return nanoseconds
    }
}

/// Go `time.ParseDuration`.
enum GoDuration {
    static func parse(_ text: String) -> Int64? {
        var scalars = Substring(text)
        var negative = false
        if scalars.first == "-" || scalars.first == "+" {
            negative = scalars.first == "-"
            scalars = scalars.dropFirst()
        }
        if scalars == "0" { return 0 }
        guard !scalars.isEmpty else { return nil }
        let units: [(String, Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        var total = 0.0
        while !scalars.isEmpty {
            let number = scalars.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number) else { return nil }
            scalars = scalars.dropFirst(number.count)
            let unitText = scalars.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            scalars = scalars.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard total.isFinite, total < 9.0e18 else { return nil }
        return negative ? -Int64(total) : Int64(total)
    }
}
