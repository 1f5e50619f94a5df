// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import Testing

@testable import BuildEngine
@testable import TestSupport

/// A build context and a destination root in a fresh temporary directory, with small file helpers.
final class CopyFixture {
    let scratch: TemporaryDirectory
    let context: String
    let root: String

    init() throws {
        scratch = try TemporaryDirectory("hoist-copy")
        context = scratch.child("context")
        root = scratch.child("root")
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// Writes a file (creating parents) with a mode and, optionally, an mtime.
    func write(_ path: String, _ text: String, mode: Int = 0o644, mtime: Int? = nil) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        #expect(chmod(path, mode_t(mode)) == 0)
        if let mtime {
            let times = [timespec(tv_sec: mtime, tv_nsec: 0), timespec(tv_sec: mtime, tv_nsec: 0)]
            #expect(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0)
        }
    }

    func symlink(_ path: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    func read(_ path: String) throws -> String {
        String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    func info(_ path: String) throws -> stat {
        var result = stat()
        guard lstat(path, &result) == 0 else { throw TestSupportError.setup("lstat \(path): errno \(errno)") }
        return result
    }

    func exists(_ path: String) -> Bool {
        var result = stat()
        return lstat(path, &result) == 0
    }

    /// Runs a copy from the build context into the root.
    @discardableResult
    func copy(
        _ sources: [String], to destination: String, workdir: String = "/", add: Bool = false,
        options: CopyOperation.Options = CopyOperation.Options(), ignore: [String] = [], heredocs: [Heredoc] = []
    ) async throws -> CopyResult {
        let matcher = ignore.isEmpty ? nil : try IgnoreMatcher(patterns: ignore)
        let operation = CopyOperation(
            sources: sources, heredocs: heredocs, destination: destination, workingDirectory: workdir, isAdd: add,
            sourceTree: .context(directory: context, ignore: matcher), options: options,
            temporaryDirectory: scratch.path)
        return try await operation.perform(into: root)
    }

    /// The message of the error a copy throws.
    func copyError(
        _ sources: [String], to destination: String, add: Bool = false,
        options: CopyOperation.Options = CopyOperation.Options(), ignore: [String] = []
    ) async -> String? {
        do {
            try await copy(sources, to: destination, add: add, options: options, ignore: ignore)
            return nil
        } catch {
            return "\(error)"
        }
    }
}

struct CopyFixtureTests {
    @Test func fixtureWritesModesAndTimes() throws {
        let fixture = try CopyFixture()
        try fixture.write(fixture.context + "/a/b.txt", "x", mode: 0o600, mtime: 1000)
        let info = try fixture.info(fixture.context + "/a/b.txt")
        #expect(info.st_mode & 0o7777 == 0o600)
        #expect(info.st_mtim.tv_sec == 1000)
    }
}
