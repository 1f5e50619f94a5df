// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A position in a Dockerfile: a 1-based line and a 1-based column counted in Unicode scalars.
public struct SourcePosition: Hashable, Sendable, Codable, Comparable {
    /// The 1-based line number.
    public var line: Int
    /// The 1-based column, in Unicode scalars.
    public var column: Int

    /// Creates a position.
    /// - Parameters:
    ///   - line: the 1-based line number.
    ///   - column: the 1-based column.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// A span of a Dockerfile, from `start` (inclusive) to `end` (exclusive), in a named file.
///
/// Mirrors BuildKit's `parser.Range` (frontend/dockerfile/parser/errors.go), with columns added.
public struct SourceRange: Hashable, Sendable, Codable {
    /// The file name as given to the parser (for example `Dockerfile`).
    public var fileName: String
    /// The first position covered.
    public var start: SourcePosition
    /// The position just after the last character covered.
    public var end: SourcePosition

    /// Creates a range.
    /// - Parameters:
    ///   - fileName: the file the range belongs to.
    ///   - start: the first position covered.
    ///   - end: the position just after the last one covered.
    public init(fileName: String, start: SourcePosition, end: SourcePosition) {
        self.fileName = fileName
        self.start = start
        self.end = end
    }

    /// A range covering whole lines, used when no column information is available.
    /// - Parameters:
    ///   - fileName: the file the range belongs to.
    ///   - line: the first line.
    ///   - endLine: the last line (defaults to `line`).
    public init(fileName: String, line: Int, endLine: Int? = nil) {
        self.init(
            fileName: fileName, start: SourcePosition(line: line, column: 1),
            end: SourcePosition(line: endLine ?? line, column: 1))
    }
}
