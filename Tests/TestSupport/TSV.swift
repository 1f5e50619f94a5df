// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// Reads the tab-separated tables of the conformance corpus.
public enum TSV {
    /// The rows of a file, skipping lines that start with `#` and empty lines; cells are not unescaped.
    public static func rows(at path: String) throws -> [[String]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}
