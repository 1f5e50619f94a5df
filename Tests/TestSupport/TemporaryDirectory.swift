// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// A fresh directory under the system temporary directory, removed when the value is dropped.
public final class TemporaryDirectory: @unchecked Sendable {
    // @unchecked: `path` is immutable after init.
    public let path: String

    /// Creates the directory.
    public init(_ prefix: String = "hoist-test") throws {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return nil }
            return String(cString: result)
        }
        guard let created else { throw TestSupportError.setup("mkdtemp failed for \(prefix)") }
        path = created.replacingOccurrences(of: "//", with: "/")
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/relative`.
    public func child(_ relative: String) -> String { path + "/" + relative }
}

/// Failures of the test support code itself.
public enum TestSupportError: Error, CustomStringConvertible {
    case setup(String)
    case missingTool(tool: String, package: String)
    case timedOut(String)

    public var description: String {
        switch self {
        case .setup(let message): "test setup failed: \(message)"
        case .missingTool(let tool, let package):
            "'\(tool)' is needed by this test: install it with `apt-get install \(package)` (.ci/run does)"
        case .timedOut(let what): "timed out: \(what)"
        }
    }
}
