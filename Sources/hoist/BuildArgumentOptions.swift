// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import Foundation

/// `--build-arg` and `--build-arg-file`, as `hoist build` and `hoist lock` take them.
struct BuildArgumentOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A build argument, NAME=value or NAME (taken from the environment).", valueName: "arg"))
    var buildArg: [String] = []

    @Option(help: ArgumentHelp("A file of NAME=value build arguments, one per line.", valueName: "file"))
    var buildArgFile: [String] = []

    /// `--build-arg` and `--build-arg-file` values; the command line wins over the files.
    func values() throws -> [String: String] {
        var result: [String: String] = [:]
        for path in buildArgFile {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read the build-arg file \(path)")
            }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else {
                    throw ValidationError("\(path):\(number + 1): expected NAME=value, got '\(trimmed)'")
                }
                result[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
            }
        }
        for argument in buildArg {
            if let equals = argument.firstIndex(of: "=") {
                let name = String(argument[..<equals])
                guard Self.isArgumentName(name) else {
                    throw ValidationError("--build-arg '\(argument)': '\(name)' is not a valid argument name")
                }
                result[name] = String(argument[argument.index(after: equals)...])
            } else {
                guard Self.isArgumentName(argument) else {
                    throw ValidationError("--build-arg '\(argument)' is not NAME=value or NAME")
                }
                if let value = ProcessInfo.processInfo.environment[argument] { result[argument] = value }
            }
        }
        return result
    }

    static func isArgumentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}
