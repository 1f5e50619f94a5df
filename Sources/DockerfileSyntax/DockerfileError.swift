// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// An error found in a Dockerfile (or a `.dockerignore` pattern), with where it was found.
///
/// The `kind` is data for programs; `description` is one lowercase sentence for people.
/// Rendering with the source line and a caret is done by ``DiagnosticRenderer``.
public struct DockerfileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Hashable, Sendable, Error {
        /// The file holds no instruction at all.
        case noInstructions
        /// A parser directive was repeated or has a bad value.
        case invalidDirective(String)
        /// An ENV or LABEL line is malformed.
        case invalidKeyValue(String)
        /// A JSON (exec form) array holds something other than strings.
        case jsonNotStringArray
        /// A here-document has no terminating line.
        case unterminatedHeredoc(name: String)
        /// A here-document word is malformed.
        case invalidHeredoc(String)
        /// An instruction keyword BuildKit does not know.
        case unknownInstruction(String, suggestion: String?)
        /// A `--flag` the instruction does not take.
        case unknownFlag(String, suggestion: String?)
        /// A flag given more than once.
        case duplicateFlag(String)
        /// A flag with a value it cannot take.
        case invalidFlagValue(flag: String, value: String, reason: String)
        /// Missing or surplus arguments.
        case wrongArguments(instruction: String, message: String)
        /// Any other malformed instruction.
        case invalidInstruction(String)
        /// A variable-expansion (shell word) error.
        case expansion(String)
        /// An instruction before the first FROM that is not ARG.
        case instructionBeforeFrom(String)
        /// A stage name defined twice.
        case duplicateStageName(String)
        /// A stage name that is not valid.
        case invalidStageName(String)
        /// A reference to a stage that does not exist or comes later.
        case unknownStage(String)
        /// Stages that depend on each other in a cycle.
        case dependencyCycle([String])
        /// `--target` names no stage.
        case unknownTarget(String)
        /// A feature Hoist does not support.
        case unsupported(String)
        /// A bad `.dockerignore` pattern.
        case invalidPattern(String)
    }

    /// What went wrong.
    public var kind: Kind
    /// Where it went wrong.
    public var range: SourceRange

    /// Creates an error.
    /// - Parameters:
    ///   - kind: what went wrong.
    ///   - range: where.
    public init(_ kind: Kind, at range: SourceRange) {
        self.kind = kind
        self.range = range
    }

    /// One lowercase sentence describing the error, without its location.
    public var message: String {
        switch kind {
        case .noInstructions: return "file with no instructions"
        case .invalidDirective(let text): return text
        case .invalidKeyValue(let text): return text
        case .jsonNotStringArray: return "when using JSON array syntax, arrays must be comprised of strings only"
        case .unterminatedHeredoc(let name): return "unterminated heredoc \(name)"
        case .invalidHeredoc(let text): return text
        case .unknownInstruction(let name, let suggestion):
            return "unknown instruction: \(name)" + Self.hint(suggestion)
        case .unknownFlag(let name, let suggestion): return "unknown flag: --\(name)" + Self.hint(suggestion)
        case .duplicateFlag(let name): return "duplicate flag specified: --\(name)"
        case .invalidFlagValue(let flag, let value, let reason):
            return "invalid value \"\(value)\" for flag --\(flag): \(reason)"
        case .wrongArguments(let instruction, let message): return "\(instruction.lowercased()) \(message)"
        case .invalidInstruction(let text): return text
        case .expansion(let text): return text
        case .instructionBeforeFrom(let name):
            return "\(name.lowercased()) is not allowed before the first from; only arg is"
        case .duplicateStageName(let name): return "duplicate stage name \"\(name)\""
        case .invalidStageName(let name):
            return
                "invalid stage name \"\(name)\": must start with a letter and hold only letters, digits, '-', '_' or '.'"
        case .unknownStage(let text): return text
        case .dependencyCycle(let names):
            return "stages depend on each other in a cycle: " + names.joined(separator: " -> ")
        case .unknownTarget(let name): return "target stage \"\(name)\" could not be found"
        case .unsupported(let text): return text
        case .invalidPattern(let text): return text
        }
    }

    public var description: String {
        "\(range.fileName):\(range.start.line):\(range.start.column): \(message)"
    }

    private static func hint(_ suggestion: String?) -> String {
        guard let suggestion else { return "" }
        return " (did you mean \(suggestion)?)"
    }
}

/// A problem that does not stop the build, such as an unused `--build-arg`.
public struct DockerfileWarning: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A short lowercase sentence.
    public var message: String
    /// Where, when the warning concerns a place in the file.
    public var range: SourceRange?

    /// Creates a warning.
    /// - Parameters:
    ///   - message: a short lowercase sentence.
    ///   - range: where, if anywhere.
    public init(_ message: String, at range: SourceRange? = nil) {
        self.message = message
        self.range = range
    }

    public var description: String {
        guard let range else { return "warning: \(message)" }
        return "\(range.fileName):\(range.start.line):\(range.start.column): warning: \(message)"
    }
}
