// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import DockerfileSyntax
import Foundation

/// `hoist parse`: reads a Dockerfile the way a build would, without building, and prints the
/// raw syntax tree (`--dump`, BuildKit's format) or the typed instructions and stage graph (`--json`).
struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Check a Dockerfile and print its syntax tree or its typed instructions and stage graph.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the syntax tree in BuildKit's dump format (the default).")
    var dump = false

    @Flag(help: "Print the typed instructions and the stage graph as JSON.")
    var json = false

    @Flag(help: "Indent the JSON output.")
    var pretty = false

    @Option(
        name: .customLong("build-arg"),
        help: ArgumentHelp("A build argument, as NAME=value (repeatable; used with --json).", valueName: "NAME=value"))
    var buildArguments: [String] = []

    @Option(help: ArgumentHelp("The stage to build (used with --json).", valueName: "stage"))
    var target: String?

    @Option(help: ArgumentHelp("The target platform, os/arch[/variant] (used with --json).", valueName: "platform"))
    var platform: String?

    @Argument(help: ArgumentHelp("The Dockerfile to read ('-' for standard input).", valueName: "file"))
    var file: String

    func validate() throws {
        if dump && json { throw ValidationError("give either --dump or --json, not both") }
        for argument in buildArguments where argument.isEmpty || argument.hasPrefix("=") {
            throw ValidationError("--build-arg needs NAME=value")
        }
        if let platform, PlatformTriple(parsing: platform) == nil {
            throw ValidationError("--platform must be os/arch[/variant], not \"\(platform)\"")
        }
    }

    func run() throws {
        let source = try readSource()
        do throws(DockerfileError) {
            let parsed = try Dockerfile.parse(source, fileName: file == "-" ? "Dockerfile" : file)
            if json {
                try printJSON(parsed, source: source)
            } else {
                FileHandle.standardOutput.write(Data(parsed.dump().utf8))
            }
        } catch {
            FileHandle.standardError.write(Data(DiagnosticRenderer.render(error, source: source).utf8))
            throw ExitCode(1)
        }
    }

    private func readSource() throws -> String {
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file)")
            }
            data = contents
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func options() -> BuildOptions {
        var values: [String: String] = [:]
        for argument in buildArguments {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 {
                values[String(parts[0])] = String(parts[1])
            } else if let value = ProcessInfo.processInfo.environment[argument] {
                // Like docker: `--build-arg NAME` takes the value from the environment.
                values[argument] = value
            }
        }
        var options = BuildOptions(buildArguments: values, target: target)
        if let platform, let parsed = PlatformTriple(parsing: platform) { options.targetPlatform = parsed }
        return options
    }

    private func printJSON(_ parsed: Dockerfile, source: String) throws(DockerfileError) {
        let typed = try parsed.typed()
        let plan = try typed.plan(options())
        let warnings = parsed.warnings + plan.warnings
        var writer = JSONWriter(pretty: pretty)
        writer.object { writer in
            writer.field("directives", parsed.directives)
            writer.field("escapeCharacter", typed.escapeCharacter)
            writer.field("file", typed.fileName)
            writer.field("globalArguments", typed.globalArguments)
            writer.field("plan", plan)
            writer.field("stages", typed.stages)
            writer.field("warnings", warnings)
        }
        FileHandle.standardOutput.write(Data(writer.bytes + [0x0A]))
        for warning in warnings {
            FileHandle.standardError.write(Data(DiagnosticRenderer.render(warning, source: source).utf8))
        }
    }
}
