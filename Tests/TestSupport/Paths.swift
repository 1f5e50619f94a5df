// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// Where things are, seen from the tests.
public enum TestPaths {
    /// The package's root directory (the one holding Package.swift).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `../shared/conformance`, the external conformance corpus (read, never copied).
    /// `HOIST_CONFORMANCE_DIR` overrides it.
    public static var conformance: String {
        if let override = ProcessInfo.processInfo.environment["HOIST_CONFORMANCE_DIR"] { return override }
        return URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent(
            "shared/conformance"
        )
        .path
    }

    /// The `hoist` executable built beside the test bundle. `HOIST_BIN` overrides it.
    public static var hoistBinary: String {
        if let override = ProcessInfo.processInfo.environment["HOIST_BIN"] { return override }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("hoist").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return packageRoot + "/.build/debug/hoist"
    }

    /// Whether the tests run in CI, where nothing may be skipped.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}
