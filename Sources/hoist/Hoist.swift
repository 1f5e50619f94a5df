// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import Foundation

@main
struct Hoist: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hoist",
        abstract: "Build OCI container images from Dockerfiles, without a daemon.",
        version: "hoist \(BuildInfo.version) (\(BuildInfo.revision))",
        subcommands: [
            ImagesCommand.self, InspectCommand.self, TagCommand.self, RemoveImageCommand.self, PruneCommand.self,
            BuildCommand.self, LockCommand.self, ImportCommand.self, SaveCommand.self,
            PullCommand.self, PushCommand.self, LoginCommand.self, LogoutCommand.self, ParseCommand.self,
        ])

    /// Parses and runs a command; every failure becomes one line on standard error and a non-zero exit.
    static func main() async {
        do {
            var command = try parseAsRoot(GlobalOptions.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            guard code == .failure, message.hasPrefix("Error: ") else { exit(withError: error) }
            // One line, named after the tool, as compilers and git print theirs.
            let line = "hoist: error: " + message.dropFirst("Error: ".count).replacingOccurrences(of: "\n", with: " ")
            FileHandle.standardError.write(Data((line + "\n").utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
