// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Recognises here-document words (`[n]<<[-]WORD`) the way BuildKit's `ParseHeredoc` and
/// `heredocsFromLine` do: the line is lexed with quotes and escapes kept, each word is matched
/// against `^(\d*)<<(-?)\s*([^<]*)$`, and the rest is lexed twice (with and without quotes) to
/// find the name and whether any part of it was quoted.
public enum HeredocWord {
    /// Parses one word.
    /// - Parameter word: a word such as `<<EOF`, `3<<-'END'`.
    /// - Returns: the here-document it introduces (with empty content), or nil when it is not one.
    /// - Throws: ``ShellExpansionError`` when the word's quoting is broken (`<<'EOF`).
    public static func parse(_ word: String) throws(ShellExpansionError) -> Heredoc? {
        let scalars = Array(word.unicodeScalars)
        var i = 0
        while i < scalars.count, scalars[i].isASCII, GoText.isDigit(scalars[i]) { i += 1 }
        let descriptorText = String(String.UnicodeScalarView(scalars[0..<i]))
        guard i + 1 < scalars.count, scalars[i] == "<", scalars[i + 1] == "<" else { return nil }
        i += 2
        var chomp = false
        if i < scalars.count && scalars[i] == "-" {
            chomp = true
            i += 1
        }
        while i < scalars.count, [" ", "\t", "\n", "\u{0C}", "\r"].contains(scalars[i]) { i += 1 }
        let restScalars = scalars[i...]
        guard !restScalars.contains("<") else { return nil }
        let rest = String(String.UnicodeScalarView(restScalars))
        guard !rest.isEmpty else { return nil }

        var lexer = ShellLexer(escapeCharacter: "\\")
        lexer.keepsUnsetVariables = true
        let words = try lexer.expand(rest, lookup: { _ in nil }).words
        guard words.count == 1 else { return nil }
        lexer.keepsQuotes = true
        let rawWords = try lexer.expand(rest, lookup: { _ in nil }).words
        guard rawWords.count == 1 else {
            throw ShellExpansionError(message: "internal lexing of heredoc produced inconsistent results", word: rest)
        }
        func quoteCount(_ text: String) -> Int { text.unicodeScalars.filter { $0 == "'" || $0 == "\"" }.count }
        let expand = quoteCount(words[0]) == quoteCount(rawWords[0])
        return Heredoc(
            name: words[0], fileDescriptor: Int(descriptorText.prefix(9)) ?? 0, expand: expand, chomp: chomp)
    }

    /// Finds the here-document words in an instruction line, in order.
    /// - Parameter line: the logical line, keyword included.
    /// - Returns: the here-documents it introduces (contents not yet read).
    /// - Throws: ``ShellExpansionError`` when a here-document word is malformed.
    public static func heredocs(inLine line: String) throws(ShellExpansionError) -> [Heredoc] {
        var out: [Heredoc] = []
        for word in candidateWords(inLine: line) {
            if let heredoc = try parse(word) { out.append(heredoc) }
        }
        return out
    }

    /// The line's words (lexed with quotes, escapes and unset variables kept) that may start a
    /// here-document; ``parse(_:)`` decides. A line that does not lex has none.
    static func candidateWords(inLine line: String) -> [String] {
        var lexer = ShellLexer(escapeCharacter: "\\")
        lexer.keepsQuotes = true
        lexer.keepsEscapes = true
        lexer.keepsUnsetVariables = true
        let words = (try? lexer.expand(line, lookup: { _ in nil }).words) ?? []
        return words.filter { $0.utf8.contains(UInt8(ascii: "<")) }
    }
}
