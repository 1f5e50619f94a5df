// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Parses an instruction's `--flag[=value]` words against the flags it accepts (BuildKit `BFlags`).
struct BuildFlags {
    enum Kind { case string, bool, list }

    let node: Node
    let accepted: [String: Kind]
    private(set) var strings: [String: String] = [:]
    private(set) var bools: [String: Bool] = [:]
    private(set) var lists: [String: [String]] = [:]

    /// Parses the node's flags.
    init(_ node: Node, accepted: [String: Kind]) throws(DockerfileError) {
        self.node = node
        self.accepted = accepted
        var seen: Set<String> = []
        for word in node.flags {
            guard word.hasPrefix("--") else {
                throw DockerfileError(.invalidInstruction("invalid flag \"\(word)\""), at: flagRange(word))
            }
            let body = word.dropFirst(2)
            let name: String
            let value: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                value = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
                value = nil
            }
            guard let kind = accepted[name] else {
                let suggestion = Suggestions.nearest(to: name, in: accepted.keys.sorted()).map { "--" + $0 }
                throw DockerfileError(.unknownFlag(name, suggestion: suggestion), at: flagRange("--" + name))
            }
            if kind != .list {
                guard seen.insert(name).inserted else {
                    throw DockerfileError(.duplicateFlag(name), at: flagRange("--" + name))
                }
            }
            switch kind {
            case .bool:
                switch value?.lowercased() {
                case nil, "true": bools[name] = true
                case "false": bools[name] = false
                default:
                    throw DockerfileError(
                        .invalidFlagValue(flag: name, value: value ?? "", reason: "expecting a boolean value"),
                        at: flagRange("--" + name))
                }
            case .string:
                guard let value else {
                    throw DockerfileError(
                        .invalidFlagValue(flag: name, value: "", reason: "missing a value"), at: flagRange("--" + name))
                }
                strings[name] = value
            case .list:
                guard let value else {
                    throw DockerfileError(
                        .invalidFlagValue(flag: name, value: "", reason: "missing a value"), at: flagRange("--" + name))
                }
                lists[name, default: []].append(value)
            }
        }
    }

    /// The source range of a flag, found in the instruction's text (the whole instruction if not found).
    func flagRange(_ text: String) -> SourceRange {
        Self.range(of: text, in: node)
    }

    static func range(of text: String, in node: Node) -> SourceRange {
        SourceRange.locate(text, in: node.original, within: node.range)
    }
}

extension SourceRange {
    /// The range of `text` inside an instruction's logical line, assuming it is on the first
    /// physical line; the whole instruction when it is not found.
    static func locate(_ text: String, in line: String, within range: SourceRange) -> SourceRange {
        guard !text.isEmpty, let found = line.firstRange(of: text) else { return range }
        let offset = line.unicodeScalars[..<found.lowerBound].count
        let start = SourcePosition(line: range.start.line, column: range.start.column + offset)
        let end = SourcePosition(line: range.start.line, column: start.column + text.unicodeScalars.count)
        return SourceRange(fileName: range.fileName, start: start, end: end)
    }
}
