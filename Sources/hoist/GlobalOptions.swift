// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import Foundation
import Logging
import OCIImage

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where Hoist keeps images, layers and cache (default: $HOIST_ROOT, else /var/lib/hoist as root, else $XDG_DATA_HOME/hoist or ~/.local/share/hoist).",
            valueName: "dir"))
    var root: String?

    @Option(help: ArgumentHelp("Log detail: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: Logger.Level = .warning

    /// The option names that take a value, for `movedAfterSubcommand`.
    static let valueOptions: Set<String> = ["--root", "--log-level"]

    /// Lets global options stand before the subcommand (`hoist --root DIR images`) by moving them
    /// behind it, where every subcommand declares them.
    static func movedAfterSubcommand(_ arguments: [String]) -> [String] {
        var leading = [String]()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if valueOptions.contains(argument), index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else if let name = argument.split(separator: "=", maxSplits: 1).first,
                argument.contains("="), valueOptions.contains(String(name))
            {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        return [arguments[index]] + leading + arguments[(index + 1)...]
    }

    /// The root directory in effect.
    var hoistRoot: HoistRoot {
        if let root { return HoistRoot(path: root) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["HOIST_ROOT"], !fromEnvironment.isEmpty {
            return HoistRoot(path: fromEnvironment)
        }
        return HoistRoot(path: HoistRoot.defaultPath())
    }

    /// Opens the image store under the root, creating it on first use.
    func openStore() throws -> LayoutContentStore {
        try hoistRoot.openStore()
    }

    /// Sends log messages at `logLevel` and above to standard error. Call once, first thing in `run`.
    func bootstrapLogging() {
        let level = logLevel
        LoggingBootstrap.once {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Makes logging bootstrap idempotent: swift-log allows it only once per process.
enum LoggingBootstrap {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var done = false

    static func once(_ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard !done else { return }
        done = true
        body()
    }
}
