// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import PackagePlugin

/// Bakes the package version and the git revision of the checkout into the `hoist` executable.
///
/// A prebuild command runs before every build, so the revision follows the checkout. The script
/// rewrites the generated file only when its content changes, so an unchanged revision costs no
/// recompilation.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = context.package.directoryURL.appending(path: "Plugins/BuildInfoPlugin/build-info.sh")
        return [
            .prebuildCommand(
                displayName: "Recording hoist build info",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [script.path, context.package.directoryURL.path, output.path],
                outputFilesDirectory: output)
        ]
    }
}
