// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport

/// Reads the shared conformance corpus (never copied into the repository).
enum Corpus {
    static func path(_ components: String...) -> String {
        ([TestPaths.conformance] + components).joined(separator: "/")
    }

    static func text(_ components: String...) throws -> String {
        let path = ([TestPaths.conformance] + components).joined(separator: "/")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return String(decoding: data, as: UTF8.self)
    }

    static func directories(_ components: String...) throws -> [String] {
        let path = ([TestPaths.conformance] + components).joined(separator: "/")
        return try FileManager.default.contentsOfDirectory(atPath: path).sorted().filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
    }

    static func json(_ components: String...) throws -> Any {
        let path = ([TestPaths.conformance] + components).joined(separator: "/")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
