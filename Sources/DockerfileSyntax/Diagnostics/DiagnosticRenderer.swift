// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Renders a ``DockerfileError`` for a terminal, compiler style:
///
/// ```
/// Dockerfile:12:5: error: unknown flag: --chwon (did you mean --chown?)
///  12 | COPY --chwon=app:app . /app
///     |      ^~~~~~~
/// ```
public enum DiagnosticRenderer {
    /// Renders an error with the offending source line and a caret line.
    /// - Parameters:
    ///   - error: the error.
    ///   - source: the Dockerfile text the error's range refers to (nil to print the header only).
    /// - Returns: the rendered text, ending in a newline.
    public static func render(_ error: DockerfileError, source: String?) -> String {
        render(severity: "error", message: error.message, range: error.range, source: source)
    }

    /// Renders a warning like an error, with the label `warning`.
    /// - Parameters:
    ///   - warning: the warning.
    ///   - source: the Dockerfile text.
    /// - Returns: the rendered text, ending in a newline.
    public static func render(_ warning: DockerfileWarning, source: String?) -> String {
        guard let range = warning.range else { return "warning: \(warning.message)\n" }
        return render(severity: "warning", message: warning.message, range: range, source: source)
    }

    static func render(severity: String, message: String, range: SourceRange, source: String?) -> String {
        var out = "\(range.fileName):\(range.start.line):\(range.start.column): \(severity): \(message)\n"
        guard let source, range.start.line >= 1, let line = Self.line(range.start.line, in: source) else {
            return out
        }
        let number = String(range.start.line)
        let gutter = String(repeating: " ", count: number.count)
        let shown = String(line.unicodeScalars.map { $0 == "\t" ? " " : $0 }.map(Character.init))
        out += " \(number) | \(shown)\n"
        let lineLength = line.unicodeScalars.count
        let startColumn = min(max(range.start.column, 1), lineLength + 1)
        var width = 1
        if range.end.line == range.start.line && range.end.column > startColumn {
            width = min(range.end.column, lineLength + 1) - startColumn
        } else if range.end.line > range.start.line {
            width = max(1, lineLength + 1 - startColumn)
        }
        let pad = String(repeating: " ", count: startColumn - 1)
        let marks = "^" + String(repeating: "~", count: max(0, width - 1))
        out += " \(gutter) | \(pad)\(marks)\n"
        return out
    }

    private static func line(_ number: Int, in source: String) -> String? {
        var current = 1
        var start = source.utf8.startIndex
        var index = source.utf8.startIndex
        while index < source.utf8.endIndex {
            if source.utf8[index] == UInt8(ascii: "\n") {
                if current == number { break }
                current += 1
                start = source.utf8.index(after: index)
            }
            index = source.utf8.index(after: index)
        }
        guard current == number else { return nil }
        var text = String(decoding: source.utf8[start..<index], as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
