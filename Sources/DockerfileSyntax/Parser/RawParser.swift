// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Turns Dockerfile text into raw nodes, reproducing BuildKit's `parser.Parse` line handling:
/// directives, comments, continuations, flags, per-instruction argument splitting and heredocs.
struct RawParser {
    static let validDirectives: Set<String> = ["syntax", "escape", "check"]
    /// `ONBUILD ONBUILD …` deeper than this is rejected instead of recursing.
    static let maximumOnbuildNesting = 16

    let bytes: [UInt8]
    let fileName: String
    var position = 0
    var lineNumber = 0
    var escape = UInt8(ascii: "\\")
    var directivesDone = false
    var directives: [ParserDirective] = []
    var warnings: [DockerfileWarning] = []

    init(text: String, fileName: String) {
        self.bytes = Array(text.utf8)
        self.fileName = fileName
    }

    // MARK: - Lines

    private mutating func nextLine() -> Range<Int>? {
        guard position < bytes.count else { return nil }
        let start = position
        let end = bytes.withUnsafeBufferPointer { buffer -> Int in
            var i = start
            while i < buffer.count {
                if buffer[i] == 0x0A { return i + 1 }
                i += 1
            }
            return buffer.count
        }
        position = end
        return start..<end
    }

    private func isComment(_ range: Range<Int>) -> Bool {
        let trimmed = UTF8Bytes.trimLeadingSpace(bytes, UTF8Bytes.trimNewline(bytes, range))
        return !trimmed.isEmpty && bytes[trimmed.lowerBound] == UInt8(ascii: "#")
    }

    private func lineRange(_ line: Int) -> SourceRange {
        SourceRange(fileName: fileName, line: line)
    }

    /// BuildKit `processLine`: strip the newline, optionally leading space, look for a directive, drop comments.
    private mutating func processLine(_ range: Range<Int>, stripLeadingSpace: Bool) throws(DockerfileError) -> Range<
        Int
    > {
        var token = UTF8Bytes.trimNewline(bytes, range)
        if stripLeadingSpace { token = UTF8Bytes.trimLeadingSpace(bytes, token) }
        try parseDirective(token)
        if isComment(token) { return token.lowerBound..<token.lowerBound }
        return token
    }

    private static func isDirectiveSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D
    }

    /// Matches `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` and records a known directive.
    private mutating func parseDirective(_ range: Range<Int>) throws(DockerfileError) {
        guard !directivesDone else { return }
        guard let (name, value) = Self.matchDirective(bytes, range) else {
            directivesDone = true
            return
        }
        let key = name.lowercased()
        guard Self.validDirectives.contains(key) else {
            directivesDone = true
            return
        }
        let line = lineNumber + 1
        if directives.contains(where: { $0.name == key }) {
            throw DockerfileError(
                .invalidDirective("only one \(key) parser directive can be used"), at: lineRange(line))
        }
        if key == "escape" {
            guard value == "\\" || value == "`" else {
                throw DockerfileError(
                    .invalidDirective("invalid escape token '\(value)' does not match ` or \\"), at: lineRange(line))
            }
            escape = value == "`" ? UInt8(ascii: "`") : UInt8(ascii: "\\")
        }
        directives.append(ParserDirective(name: key, value: value, line: line))
    }

    private static func matchDirective(_ bytes: [UInt8], _ range: Range<Int>) -> (String, String)? {
        var i = range.lowerBound
        let end = range.upperBound
        guard i < end, bytes[i] == UInt8(ascii: "#") else { return nil }
        i += 1
        while i < end && isDirectiveSpace(bytes[i]) { i += 1 }
        let nameStart = i
        func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
        guard i < end, isAlpha(bytes[i]) else { return nil }
        while i < end && (isAlpha(bytes[i]) || (bytes[i] >= 0x30 && bytes[i] <= 0x39)) { i += 1 }
        let name = UTF8Bytes.string(bytes, nameStart..<i)
        while i < end && isDirectiveSpace(bytes[i]) { i += 1 }
        guard i < end, bytes[i] == UInt8(ascii: "=") else { return nil }
        i += 1
        while i < end && isDirectiveSpace(bytes[i]) { i += 1 }
        var valueEnd = end
        while valueEnd > i && isDirectiveSpace(bytes[valueEnd - 1]) { valueEnd -= 1 }
        guard valueEnd > i, !bytes[i..<valueEnd].contains(0x0A) else { return nil }
        return (name, UTF8Bytes.string(bytes, i..<valueEnd))
    }

    /// BuildKit `trimContinuationCharacter`: `([^E])E[ \t]*$|^E[ \t]*$` removes the escape and blanks.
    private func trimContinuation(_ range: Range<Int>) -> (Range<Int>, isEndOfLine: Bool) {
        var end = range.upperBound
        while end > range.lowerBound && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        guard end > range.lowerBound, bytes[end - 1] == escape else { return (range, true) }
        let escapeIndex = end - 1
        if escapeIndex > range.lowerBound && bytes[escapeIndex - 1] == escape { return (range, true) }
        return (range.lowerBound..<escapeIndex, false)
    }

    // MARK: - Parse

    mutating func parse() throws(DockerfileError) -> [Node] {
        var nodes: [Node] = []
        var comments: [String] = []
        var logical: [UInt8] = []
        while var physical = nextLine() {
            if lineNumber == 0 && bytes[physical].starts(with: [0xEF, 0xBB, 0xBF]) {
                physical = (physical.lowerBound + 3)..<physical.upperBound
            }
            if isComment(physical) {
                let text = UTF8Bytes.trimNewline(bytes, physical)
                let hash = bytes[text].firstIndex(of: UInt8(ascii: "#")) ?? text.lowerBound
                comments.append(GoText.trimSpace(UTF8Bytes.string(bytes, (hash + 1)..<text.upperBound)))
            }
            let processed = try processLine(physical, stripLeadingSpace: true)
            lineNumber += 1
            let startLine = lineNumber
            let startColumn = UTF8Bytes.scalarCount(bytes, physical.lowerBound..<processed.lowerBound) + 1
            var (content, isEndOfLine) = trimContinuation(processed)
            if isEndOfLine && content.isEmpty { continue }
            logical.removeAll(keepingCapacity: true)
            logical.append(contentsOf: bytes[content])
            var lastLine = processed
            var hasEmptyContinuationLine = false
            while !isEndOfLine, let next = nextLine() {
                let continued = try processLine(next, stripLeadingSpace: false)
                lineNumber += 1
                lastLine = UTF8Bytes.trimNewline(bytes, next)
                if isComment(next) { continue }
                if UTF8Bytes.trimLeadingSpace(bytes, continued).isEmpty {
                    hasEmptyContinuationLine = true
                    continue
                }
                let (part, end) = trimContinuation(continued)
                isEndOfLine = end
                logical.append(contentsOf: bytes[part])
            }
            let endColumn = UTF8Bytes.scalarCount(bytes, lastLine) + 1
            var range = SourceRange(
                fileName: fileName, start: SourcePosition(line: startLine, column: startColumn),
                end: SourcePosition(line: lineNumber, column: endColumn))
            let lineText = String(decoding: logical, as: UTF8.self)
            if hasEmptyContinuationLine {
                warnings.append(DockerfileWarning("empty continuation line found in: \(lineText)", at: range))
            }
            var node = try makeNode(logical, original: lineText, range: range)
            node.comments = comments
            if canContainHeredoc(node) && Self.containsHeredocMarker(logical) {
                node.heredocs = try readHeredocs(for: lineText, range: range)
                range.end = SourcePosition(line: lineNumber, column: 1)
                node.range = range
            }
            nodes.append(node)
            comments = []
        }
        if nodes.isEmpty {
            throw DockerfileError(.noInstructions, at: lineRange(max(lineNumber, 1)))
        }
        return nodes
    }

    private static func containsHeredocMarker(_ line: [UInt8]) -> Bool {
        var previous: UInt8 = 0
        for byte in line {
            if byte == UInt8(ascii: "<") && previous == byte { return true }
            previous = byte
        }
        return false
    }

    private func canContainHeredoc(_ node: Node) -> Bool {
        var target = node
        if node.instructionName == "onbuild", let child = node.child { target = child }
        return ["run", "copy", "add"].contains(target.instructionName) && !target.isJSON
    }

    /// Reads each here-document's body right after recognising its word, so a line with many
    /// here-document words and no bodies fails at the first unterminated one.
    private mutating func readHeredocs(for line: String, range: SourceRange) throws(DockerfileError) -> [Heredoc] {
        var heredocs: [Heredoc] = []
        for word in HeredocWord.candidateWords(inLine: line) {
            let parsed: Heredoc?
            do {
                parsed = try HeredocWord.parse(word)
            } catch {
                throw DockerfileError(.invalidHeredoc(error.message), at: range)
            }
            guard var heredoc = parsed else { continue }
            let terminator = Array(heredoc.name.utf8)
            var content: [UInt8] = []
            var terminated = false
            while let next = nextLine() {
                lineNumber += 1
                var candidate = UTF8Bytes.trimNewline(bytes, next)
                if heredoc.chomp {
                    while !candidate.isEmpty && bytes[candidate.lowerBound] == 0x09 {
                        candidate = (candidate.lowerBound + 1)..<candidate.upperBound
                    }
                }
                if bytes[candidate].elementsEqual(terminator) {
                    terminated = true
                    break
                }
                content.append(contentsOf: bytes[next])
            }
            guard terminated else {
                var where_ = range
                where_.end = SourcePosition(line: lineNumber, column: 1)
                throw DockerfileError(.unterminatedHeredoc(name: heredoc.name), at: where_)
            }
            heredoc.content = String(decoding: content, as: UTF8.self)
            heredocs.append(heredoc)
        }
        return heredocs
    }

    // MARK: - Nodes

    /// BuildKit `newNodeFromLine`, made iterative for `ONBUILD` chains.
    func makeNode(_ line: [UInt8], original: String, range: SourceRange) throws(DockerfileError) -> Node {
        var wrappers: [(keyword: String, flags: [String])] = []
        var current = 0..<line.count
        let splitter = ArgumentSplitter(bytes: line, escape: escape)
        while true {
            let trimmed = UTF8Bytes.trimSpace(line, current)
            var split = trimmed.lowerBound
            while split < trimmed.upperBound && !GoText.isSplitSpace(line[split]) { split += 1 }
            let keyword = UTF8Bytes.string(line, trimmed.lowerBound..<split)
            var rest = split..<split
            var flags: [String] = []
            if split < trimmed.upperBound {
                var argsStart = split
                while argsStart < trimmed.upperBound && GoText.isSplitSpace(line[argsStart]) { argsStart += 1 }
                let extracted = splitter.extractFlags(argsStart..<trimmed.upperBound)
                flags = extracted.flags
                rest = UTF8Bytes.trimSpace(line, extracted.rest)
            }
            let name = GoText.lower(keyword)
            if name == "onbuild" && !rest.isEmpty {
                guard wrappers.count < Self.maximumOnbuildNesting else {
                    throw DockerfileError(.invalidInstruction("onbuild instructions nested too deeply"), at: range)
                }
                wrappers.append((keyword, flags))
                current = rest
                continue
            }
            var node: Node
            do {
                node = try Self.splitArguments(name: name, keyword: keyword, rest: rest, splitter: splitter)
            } catch {
                throw DockerfileError(error, at: range)
            }
            node.flags = flags
            node.original = original
            node.range = range
            for wrapper in wrappers.reversed() {
                node = Node(
                    keyword: wrapper.keyword, flags: wrapper.flags, children: [node], original: original, range: range)
            }
            return node
        }
    }

    private static func splitArguments(
        name: String, keyword: String, rest: Range<Int>, splitter: ArgumentSplitter
    ) throws(DockerfileError.Kind) -> Node {
        let placeholder = SourceRange(fileName: "", line: 0)
        var arguments: [String] = []
        var isJSON = false
        switch name {
        case "run", "cmd", "entrypoint", "shell":
            (arguments, isJSON) = try splitter.maybeJSON(rest)
        case "add", "copy", "volume":
            (arguments, isJSON) = try splitter.maybeJSONToList(rest)
        case "from", "expose":
            arguments = splitter.whitespaceDelimited(rest)
        case "env", "label":
            arguments = try splitter.nameValues(rest, keyword: name.uppercased())
        case "arg":
            arguments = splitter.words(rest)
        case "maintainer", "user", "workdir", "stopsignal":
            arguments = rest.isEmpty ? [] : [UTF8Bytes.string(splitter.bytes, rest)]
        case "healthcheck":
            (arguments, isJSON) = try splitter.healthcheck(rest)
        case "onbuild":
            arguments = []
        default:
            arguments = [""]
        }
        return Node(keyword: keyword, arguments: arguments, isJSON: isJSON, range: placeholder)
    }
}
