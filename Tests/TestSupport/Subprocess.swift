// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// The outcome of a finished child process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutBytes: Data
    /// Whether the process exited with status 0.
    public var succeeded: Bool { status == 0 }
}

/// Runs programs for tests: real tools (skopeo, umoci, tar…) and the built `hoist` binary.
public enum Subprocess {
    /// Runs a program to completion, capturing its output.
    /// - Parameters:
    ///   - arguments: the program (a path, or a name looked up in PATH) and its arguments.
    ///   - environment: replaces the inherited environment when given.
    ///   - extraEnvironment: added to the inherited (or given) environment.
    ///   - input: bytes written to standard input, which is then closed.
    ///   - directory: the working directory.
    ///   - timeout: seconds before the process is killed and `timedOut` thrown.
    public static func run(
        _ arguments: [String], environment: [String: String]? = nil, extraEnvironment: [String: String] = [:],
        input: Data? = nil, directory: String? = nil, timeout: TimeInterval = 600
    ) throws -> ProcessResult {
        guard let program = arguments.first else { throw TestSupportError.setup("no program to run") }
        let process = Process()
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
        } else {
            guard let found = which(program) else {
                throw TestSupportError.setup("'\(program)' is not on PATH")
            }
            process.executableURL = URL(fileURLWithPath: found)
        }
        process.arguments = Array(arguments.dropFirst())
        var env = environment ?? ProcessInfo.processInfo.environment
        for (key, value) in extraEnvironment { env[key] = value }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        let stdinPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = stdinPipe
        try process.run()
        // Read both pipes concurrently so neither fills up and blocks the child.
        let collected = Collected()
        let group = DispatchGroup()
        for (pipe, isStdout) in [(stdoutPipe, true), (stderrPipe, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(data, stdout: isStdout)
                group.leave()
            }
        }
        if let input { stdinPipe.fileHandleForWriting.write(input) }
        try? stdinPipe.fileHandleForWriting.close()
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            throw TestSupportError.timedOut(arguments.joined(separator: " "))
        }
        process.waitUntilExit()
        let (out, err) = collected.get()
        return ProcessResult(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self), stdoutBytes: out)
    }

    /// The full path of a program on PATH, or `nil`.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in (path + ":/usr/sbin:/sbin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Fails (never skips) when a tool a test needs is missing, naming the Debian package to install.
    /// - Returns: the tool's path.
    @discardableResult
    public static func requireTool(_ name: String, package: String) throws -> String {
        guard let found = which(name) else { throw TestSupportError.missingTool(tool: name, package: package) }
        return found
    }
}

private final class Collected: @unchecked Sendable {
    // @unchecked: `lock` guards both buffers.
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()
    func set(_ data: Data, stdout: Bool) {
        lock.lock()
        if stdout { out = data } else { err = data }
        lock.unlock()
    }
    func get() -> (Data, Data) {
        lock.lock()
        defer { lock.unlock() }
        return (out, err)
    }
}
