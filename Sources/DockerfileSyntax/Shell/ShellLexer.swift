// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A failure while expanding variables in a shell word (bad substitution, `${V:?msg}`, unmatched quote…).
public struct ShellExpansionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// One lowercase sentence (or the user's own `${V?message}` text).
    public var message: String
    /// The word being processed.
    public var word: String

    public var description: String { "failed to process \"\(word)\": \(message)" }
}

/// The outcome of expanding one shell word.
public struct ShellExpansion: Hashable, Sendable {
    /// The expanded text, quotes removed, with no word splitting (BuildKit `ProcessWord`).
    public var result: String
    /// The expanded text split into words on unquoted whitespace (BuildKit `ProcessWords`).
    public var words: [String]
    /// Names that were looked up and found.
    public var matched: Set<String>
    /// Names that were looked up and not found.
    public var unmatched: Set<String>
}

/// Shell-word processing as BuildKit's `shell.Lex` does it: quotes, the escape character, and
/// `$V`, `${V}`, `${V:-w}`, `${V-w}`, `${V:+w}`, `${V+w}`, `${V:?m}`, `${V?m}`, `${V#p}`, `${V##p}`,
/// `${V%p}`, `${V%%p}`, `${V/p/r}`, `${V//p/r}`.
///
/// See moby/buildkit frontend/dockerfile/shell/lex.go for the behaviour this reproduces.
public struct ShellLexer: Hashable, Sendable {
    /// The escape character (`\` by default, `` ` `` with `# escape=``).
    public var escapeCharacter: Unicode.Scalar
    /// Keep quote characters in the output (BuildKit `RawQuotes`).
    public var keepsQuotes = false
    /// Keep escape characters in the output (BuildKit `RawEscapes`).
    public var keepsEscapes = false
    /// Treat quotes as ordinary characters (BuildKit `SkipProcessQuotes`), as for here-document bodies.
    public var ignoresQuotes = false
    /// Leave references to unset variables as written (BuildKit `SkipUnsetEnv`).
    public var keepsUnsetVariables = false

    /// The deepest `${…}` nesting accepted; deeper input is an error rather than a deep recursion.
    public static let maximumNesting = 256

    /// Creates a lexer.
    /// - Parameter escapeCharacter: the escape character, `\` unless the Dockerfile says otherwise.
    public init(escapeCharacter: Unicode.Scalar = "\\") {
        self.escapeCharacter = escapeCharacter
    }

    /// Expands a word and reports which variables were used.
    /// - Parameters:
    ///   - word: the text to process.
    ///   - lookup: returns a variable's value, or nil when it is not set.
    /// - Returns: the expanded word, its split words, and the matched and unmatched names.
    /// - Throws: ``ShellExpansionError`` on bad syntax or a failed `${V?message}`.
    public func expand(_ word: String, lookup: (String) -> String?) throws(ShellExpansionError) -> ShellExpansion {
        let outcome: Result<ShellExpansion, LexFailure> = withoutActuallyEscaping(lookup) { escapable in
            var scanner = ShellWordScanner(lexer: self, source: Array(word.unicodeScalars), lookup: escapable)
            do throws(LexFailure) {
                let (result, words) = try scanner.processStopOn(nil, rawEscapes: keepsEscapes)
                return .success(
                    ShellExpansion(result: result, words: words, matched: scanner.matched, unmatched: scanner.unmatched)
                )
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let expansion): return expansion
        case .failure(let failure): throw ShellExpansionError(message: failure.message, word: word)
        }
    }

    /// Expands a word against a dictionary of variables.
    /// - Parameters:
    ///   - word: the text to process.
    ///   - environment: the variables.
    /// - Returns: the expanded word and its split words.
    /// - Throws: ``ShellExpansionError``.
    public func expand(_ word: String, environment: [String: String]) throws(ShellExpansionError) -> ShellExpansion {
        try expand(word, lookup: { environment[$0] })
    }

    /// Expands a word into a single string (BuildKit `ProcessWord`).
    /// - Parameters:
    ///   - word: the text to process.
    ///   - environment: the variables.
    /// - Returns: the expanded text.
    /// - Throws: ``ShellExpansionError``.
    public func processWord(_ word: String, environment: [String: String]) throws(ShellExpansionError) -> String {
        try expand(word, environment: environment).result
    }

    /// Expands and splits a word (BuildKit `ProcessWords`).
    /// - Parameters:
    ///   - word: the text to process.
    ///   - environment: the variables.
    /// - Returns: the words.
    /// - Throws: ``ShellExpansionError``.
    public func processWords(_ word: String, environment: [String: String]) throws(ShellExpansionError) -> [String] {
        try expand(word, environment: environment).words
    }
}

struct LexFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Accumulates split words the way BuildKit's `wordsStruct` does.
private struct WordAccumulator {
    var word = String.UnicodeScalarView()
    var words: [String] = []
    var inWord = false

    mutating func addChar(_ scalar: Unicode.Scalar) {
        if GoText.isSpace(scalar) {
            if inWord && !word.isEmpty {
                words.append(String(word))
                word = String.UnicodeScalarView()
                inWord = false
            }
        } else {
            addRawChar(scalar)
        }
    }

    mutating func addRawChar(_ scalar: Unicode.Scalar) {
        word.append(scalar)
        inWord = true
    }

    mutating func addString(_ text: String) {
        for scalar in text.unicodeScalars { addChar(scalar) }
    }

    mutating func addRawString(_ text: String) {
        word.append(contentsOf: text.unicodeScalars)
        inWord = true
    }

    mutating func finish() -> [String] {
        if !word.isEmpty {
            words.append(String(word))
            word = String.UnicodeScalarView()
            inWord = false
        }
        return words
    }
}

struct ShellWordScanner {
    let lexer: ShellLexer
    let source: [Unicode.Scalar]
    let lookup: (String) -> String?
    var index = 0
    var rawEscapes = false
    var depth = 0
    var matched: Set<String> = []
    var unmatched: Set<String> = []

    init(lexer: ShellLexer, source: [Unicode.Scalar], lookup: @escaping (String) -> String?) {
        self.lexer = lexer
        self.source = source
        self.lookup = lookup
        self.rawEscapes = lexer.keepsEscapes
    }

    private func peek() -> Unicode.Scalar? { index < source.count ? source[index] : nil }

    private mutating func next() -> Unicode.Scalar? {
        guard index < source.count else { return nil }
        defer { index += 1 }
        return source[index]
    }

    private mutating func value(of name: String) -> String? {
        if let value = lookup(name) {
            matched.insert(name)
            return value
        }
        unmatched.insert(name)
        return nil
    }

    mutating func processStopOn(_ stop: Unicode.Scalar?, rawEscapes: Bool) throws(LexFailure) -> (String, [String]) {
        let saved = self.rawEscapes
        self.rawEscapes = rawEscapes
        defer { self.rawEscapes = saved }
        var result = String.UnicodeScalarView()
        var words = WordAccumulator()
        let escape = lexer.escapeCharacter
        while let ch = peek() {
            if let stop, ch == stop {
                index += 1
                return (String(result), words.finish())
            }
            if ch == "$" {
                let text = try processDollar()
                result.append(contentsOf: text.unicodeScalars)
                words.addString(text)
            } else if !lexer.ignoresQuotes && (ch == "'" || ch == "\"") {
                let text = ch == "'" ? try processSingleQuote() : try processDoubleQuote()
                result.append(contentsOf: text.unicodeScalars)
                words.addRawString(text)
            } else if ch == "<" {
                processPossibleHeredoc(into: &result, words: &words)
            } else {
                index += 1
                var scalar = ch
                if scalar == escape {
                    if self.rawEscapes {
                        words.addRawChar(scalar)
                        result.append(scalar)
                    }
                    guard let escaped = next() else { break }
                    scalar = escaped
                    words.addRawChar(scalar)
                } else {
                    words.addChar(scalar)
                }
                result.append(scalar)
            }
        }
        if let stop {
            throw LexFailure("unexpected end of statement while looking for matching \(stop)")
        }
        return (String(result), words.finish())
    }

    /// `<` is literal, but `<<`, an optional `-` and the blanks after it stay in one word, so
    /// `RUN <<  EOF` and `RUN <<- EOF` yield a single here-document word (as BuildKit's lexer does).
    private mutating func processPossibleHeredoc(
        into result: inout String.UnicodeScalarView, words: inout WordAccumulator
    ) {
        index += 1
        result.append("<")
        words.addRawChar("<")
        guard peek() == "<" else { return }
        index += 1
        result.append("<")
        words.addRawChar("<")
        if peek() == "-" {
            index += 1
            result.append("-")
            words.addRawChar("-")
        }
        while let ch = peek(), ch == " " || ch == "\t" {
            index += 1
            result.append(ch)
            words.addRawChar(ch)
        }
    }

    private mutating func processSingleQuote() throws(LexFailure) -> String {
        var result = String.UnicodeScalarView()
        index += 1
        if lexer.keepsQuotes { result.append("'") }
        while true {
            guard let ch = next() else {
                throw LexFailure("unexpected end of statement while looking for matching single-quote")
            }
            if ch == "'" {
                if lexer.keepsQuotes { result.append(ch) }
                return String(result)
            }
            result.append(ch)
        }
    }

    private mutating func processDoubleQuote() throws(LexFailure) -> String {
        var result = String.UnicodeScalarView()
        index += 1
        if lexer.keepsQuotes { result.append("\"") }
        let escape = lexer.escapeCharacter
        while true {
            guard let ch = peek() else {
                throw LexFailure("unexpected end of statement while looking for matching double-quote")
            }
            if ch == "\"" {
                index += 1
                if lexer.keepsQuotes { result.append(ch) }
                return String(result)
            }
            if ch == "$" {
                result.append(contentsOf: try processDollar().unicodeScalars)
                continue
            }
            index += 1
            var scalar = ch
            if scalar == escape {
                if rawEscapes { result.append(scalar) }
                guard let following = peek() else { continue }
                if following == "\"" || following == "$" || following == escape {
                    scalar = following
                    index += 1
                }
            }
            result.append(scalar)
        }
    }

    private mutating func processName() -> String {
        var name = String.UnicodeScalarView()
        while let ch = peek() {
            if name.isEmpty && GoText.isDigit(ch) {
                while let digit = peek(), GoText.isDigit(digit) {
                    name.append(digit)
                    index += 1
                }
                return String(name)
            }
            if name.isEmpty && "@*#?-$!0".unicodeScalars.contains(ch) {
                index += 1
                return String(ch)
            }
            guard GoText.isLetter(ch) || GoText.isDigit(ch) || ch == "_" else { break }
            name.append(ch)
            index += 1
        }
        return String(name)
    }

    private mutating func processDollar() throws(LexFailure) -> String {
        index += 1
        guard peek() == "{" else {
            let name = processName()
            if name.isEmpty { return "$" }
            if let value = value(of: name) { return value }
            return lexer.keepsUnsetVariables ? "$" + name : ""
        }
        index += 1
        guard let first = peek() else { throw LexFailure("syntax error: missing '}'") }
        if first == "{" || first == "}" || first == ":" { throw LexFailure("syntax error: bad substitution") }
        depth += 1
        defer { depth -= 1 }
        if depth > ShellLexer.maximumNesting { throw LexFailure("substitutions nested too deeply") }
        let name = processName()
        guard let ch = next() else { throw LexFailure("syntax error: missing '}'") }
        switch ch {
        case "}":
            if let value = value(of: name) { return value }
            return lexer.keepsUnsetVariables ? "${\(name)}" : ""
        case ":", "+", "-", "?", "#", "%":
            return try processModifier(name: name, first: ch)
        case "/":
            return try processReplacement(name: name)
        default:
            throw LexFailure("unsupported modifier (\(ch)) in substitution")
        }
    }

    private mutating func processModifier(name: String, first: Unicode.Scalar) throws(LexFailure) -> String {
        var modifier = first
        var written = String(first)
        var nullIsUnset = false
        if first == ":" {
            nullIsUnset = true
            guard let second = next() else { throw LexFailure("syntax error: missing '}'") }
            modifier = second
            written.unicodeScalars.append(second)
        }
        let isPattern = modifier == "#" || modifier == "%"
        if nullIsUnset && isPattern { throw LexFailure("unsupported modifier (\(written)) in substitution") }
        var word: String
        do {
            word = try processStopOn("}", rawEscapes: isPattern).0
        } catch {
            if peek() == nil { throw LexFailure("syntax error: missing '}'") }
            throw error
        }
        let value = value(of: name)
        if lexer.keepsUnsetVariables && value == nil { return "${\(name)\(written)\(word)}" }
        let isUnset = value == nil || (nullIsUnset && value == "")
        switch modifier {
        case "-":
            return isUnset ? word : (value ?? "")
        case "+":
            return isUnset ? "" : word
        case "?":
            guard let value else {
                throw LexFailure("\(name): " + (word.isEmpty ? "is not allowed to be unset" : word))
            }
            if nullIsUnset && value.isEmpty {
                throw LexFailure("\(name): " + (word.isEmpty ? "is not allowed to be empty" : word))
            }
            return value
        case "#", "%":
            var greedy = false
            if word.unicodeScalars.first == modifier {
                greedy = true
                word = String(word.unicodeScalars.dropFirst())
            }
            let pattern = try ShellPattern(word)
            let subject = value ?? ""
            return modifier == "%"
                ? pattern.trimSuffix(of: subject, longest: greedy) : pattern.trimPrefix(of: subject, longest: greedy)
        default:
            throw LexFailure("unsupported modifier (\(written)) in substitution")
        }
    }

    private mutating func processReplacement(name: String) throws(LexFailure) -> String {
        let replaceAll = peek() == "/"
        if replaceAll { index += 1 }
        let patternText: String
        do {
            patternText = try processStopOn("/", rawEscapes: true).0
        } catch {
            if peek() == nil { throw LexFailure("syntax error: missing '/' in ${}") }
            throw error
        }
        let replacement: String
        do {
            replacement = try processStopOn("}", rawEscapes: true).0
        } catch {
            if peek() == nil { throw LexFailure("syntax error: missing '}'") }
            throw error
        }
        let value = value(of: name)
        if lexer.keepsUnsetVariables && value == nil { return "${\(name)/\(patternText)/\(replacement)}" }
        let pattern = try ShellPattern(patternText)
        return pattern.replace(in: value ?? "", with: replacement, all: replaceAll)
    }
}
