// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A here-document attached to a `RUN`, `COPY` or `ADD` line (`<<EOF` … `EOF`).
public struct Heredoc: Hashable, Sendable, Codable {
    /// The terminating word, with quotes removed (`<<'EOF'` gives `EOF`).
    public var name: String
    /// The file descriptor prefix (`3<<EOF` gives 3); 0 when absent.
    public var fileDescriptor: Int
    /// Whether variables in the body are expanded: false when any part of the word was quoted.
    public var expand: Bool
    /// Whether `<<-` was used: leading tabs are stripped from the body when it is used.
    public var chomp: Bool
    /// The raw body, each line ending in a newline; leading tabs are kept even when `chomp` is set.
    public var content: String

    /// Creates a here-document.
    /// - Parameters:
    ///   - name: the terminating word.
    ///   - fileDescriptor: the file descriptor prefix, 0 when absent.
    ///   - expand: whether variables in the body are expanded.
    ///   - chomp: whether `<<-` was used.
    ///   - content: the raw body.
    public init(name: String, fileDescriptor: Int = 0, expand: Bool = true, chomp: Bool = false, content: String = "") {
        self.name = name
        self.fileDescriptor = fileDescriptor
        self.expand = expand
        self.chomp = chomp
        self.content = content
    }

    /// The body with leading tabs removed from every line when `chomp` is set (BuildKit `ChompHeredocContent`).
    public var effectiveContent: String {
        guard chomp else { return content }
        var out = ""
        out.reserveCapacity(content.utf8.count)
        var atLineStart = true
        for scalar in content.unicodeScalars {
            if atLineStart && scalar == "\t" { continue }
            atLineStart = scalar == "\n"
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

/// One instruction of the raw syntax tree: the keyword as written, its leading `--flags`, and its
/// argument nodes, exactly as BuildKit's parser splits them.
public struct Node: Hashable, Sendable {
    /// The keyword as written (`RUN`, `run`, `Copy`…).
    public var keyword: String
    /// The leading `--flag[=value]` words, with quotes and escapes removed.
    public var flags: [String]
    /// The argument nodes (see the conformance README for the per-instruction split).
    public var arguments: [String]
    /// For `ONBUILD`: the wrapped instruction.
    public var children: [Node]
    /// Whether the arguments came from a JSON array (exec form).
    public var isJSON: Bool
    /// Here-documents read after the line.
    public var heredocs: [Heredoc]
    /// The logical line (continuations joined), trimmed.
    public var original: String
    /// Comment lines directly above the instruction, without the `#`.
    public var comments: [String]
    /// Where the instruction is, from its first character to the end of its last line
    /// (here-document bodies included).
    public var range: SourceRange

    /// The keyword in lower case, as used for dispatch.
    public var instructionName: String { GoText.lower(keyword) }

    /// The wrapped instruction of an `ONBUILD` line.
    public var child: Node? { children.first }

    /// Creates a node.
    public init(
        keyword: String, flags: [String] = [], arguments: [String] = [], children: [Node] = [],
        isJSON: Bool = false, heredocs: [Heredoc] = [], original: String = "", comments: [String] = [],
        range: SourceRange
    ) {
        self.keyword = keyword
        self.flags = flags
        self.arguments = arguments
        self.children = children
        self.isJSON = isJSON
        self.heredocs = heredocs
        self.original = original
        self.comments = comments
        self.range = range
    }

    /// The node in BuildKit's `Node.Dump()` format, without the surrounding parentheses.
    public func dump() -> String {
        var out = GoText.lower(keyword)
        if !flags.isEmpty {
            out += " [" + flags.map(GoText.quote).joined(separator: " ") + "]"
        }
        if let child = children.first {
            out += " (" + child.dump() + ")"
        } else {
            for argument in arguments {
                out += " " + GoText.quote(argument)
            }
        }
        return GoText.trimSpace(out)
    }
}

/// A parser directive from the top of the file (`# syntax=`, `# escape=`, `# check=`).
public struct ParserDirective: Hashable, Sendable, Codable {
    /// The lower-cased directive name.
    public var name: String
    /// The value as written.
    public var value: String
    /// The line it is on.
    public var line: Int
}
