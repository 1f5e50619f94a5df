// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A parsed Dockerfile: the raw node tree, before instructions are given types.
///
/// ```swift
/// let file = try Dockerfile.parse(text, fileName: "Dockerfile")
/// let typed = try file.instructions()      // typed instructions, grouped into stages
/// ```
public struct Dockerfile: Hashable, Sendable {
    /// The file name used in diagnostics.
    public var fileName: String
    /// The parser directives found at the top of the file.
    public var directives: [ParserDirective]
    /// The escape character (`\`, or `` ` `` after `# escape=``).
    public var escapeCharacter: Unicode.Scalar
    /// The instructions, in source order.
    public var nodes: [Node]
    /// Non-fatal findings (for example empty continuation lines).
    public var warnings: [DockerfileWarning]

    /// Parses Dockerfile text into raw nodes.
    /// - Parameters:
    ///   - text: the whole file.
    ///   - fileName: the name used in diagnostics.
    /// - Returns: the parsed file.
    /// - Throws: ``DockerfileError`` with the location of the first problem.
    public static func parse(_ text: String, fileName: String = "Dockerfile") throws(DockerfileError) -> Dockerfile {
        var parser = RawParser(text: text, fileName: fileName)
        let nodes = try parser.parse()
        return Dockerfile(
            fileName: fileName, directives: parser.directives,
            escapeCharacter: Unicode.Scalar(parser.escape), nodes: nodes, warnings: parser.warnings)
    }

    /// The value of a parser directive (`syntax`, `escape`, `check`), if present.
    /// - Parameter name: the directive name, any case.
    /// - Returns: its value.
    public func directive(_ name: String) -> String? {
        directives.first { $0.name == name.lowercased() }?.value
    }

    /// The node tree in the exact format of BuildKit's `Node.Dump()` plus a final newline,
    /// one parenthesised instruction per line.
    public func dump() -> String {
        var out = ""
        for node in nodes {
            out += "(" + node.dump() + ")\n"
        }
        return out
    }
}
