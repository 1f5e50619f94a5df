// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import DockerfileSyntax
import Foundation
import OCIImage

struct LockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Pin every base image of a Dockerfile to a digest, in DOCKERFILE.lock.",
        discussion: """
            Resolves each FROM, COPY --from and RUN --mount=from= image a build would read (after ARG \
            expansion, for each --platform) the way the build would: the local store first (unless --pull), \
            else the registry. Existing pins are kept unless --update; references no longer used are dropped. \
            `hoist build` then builds from the pinned digests, and `hoist build --locked` refuses a lock that is \
            incomplete or out of date. See specs/lock.md.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registryOptions: RegistryCommandOptions

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The Dockerfile (default: CONTEXT/Dockerfile).", valueName: "file"))
    var file: String?

    @OptionGroup var buildArguments: BuildArgumentOptions

    @Option(help: ArgumentHelp("The stage to build (default: the last).", valueName: "stage"))
    var target: String?

    @Option(
        help: ArgumentHelp(
            "The platforms built (comma-separated or repeated; default: this machine's).",
            valueName: "os/arch[/variant]"))
    var platform: [String] = []

    @Flag(help: "Resolve base images in their registry even when the local store has them.")
    var pull = false

    @Flag(help: "Resolve every reference again, not only those the lock lacks.")
    var update = false

    @Option(help: ArgumentHelp("The lock file (default: the Dockerfile's path + .lock).", valueName: "file"))
    var lockFile: String?

    @Argument(help: ArgumentHelp("The build context directory.", valueName: "context"))
    var context: String = "."

    func validate() throws {
        if file == "-" && lockFile == nil {
            throw ValidationError("hoist lock needs the Dockerfile as a file (its lock file sits beside it)")
        }
    }

    func run() async throws {
        global.bootstrapLogging()
        let requests = try makeRequests()
        guard let first = requests.first,
            let path = lockFile ?? first.dockerfilePath.map(LockFile.path(forDockerfile:))
        else { return }
        let existing = try LockFile.read(at: path)
        let outcome: BaseLocker.Outcome
        do {
            outcome = try await BaseLocker(root: global.hoistRoot).lock(requests, existing: existing, update: update)
        } catch let error as DockerfileError {
            FileHandle.standardError.write(Data(DiagnosticRenderer.render(error, source: first.dockerfileText).utf8))
            throw ExitCode.failure
        }
        for pin in outcome.pins { print(Self.line(for: pin)) }
        for (name, platform) in outcome.removed { print("\(name) \(platform) removed (no longer used)") }
        if outcome.lock == existing {
            report("\(path) is up to date")
        } else {
            try outcome.lock.write(to: path)
            report("wrote \(path): \(outcome.lock.references.count) reference(s)")
        }
    }

    /// `NAME PLATFORM DIGEST (what happened)`.
    static func line(for pin: BaseLocker.Pin) -> String {
        let note: String
        switch pin.status {
        case .new: note = "new"
        case .changed: note = "changed from \(pin.previous?.description ?? "nothing")"
        case .unchanged: note = pin.source == nil ? "kept" : "unchanged"
        }
        return "\(pin.name) \(pin.platform) \(pin.digest) (\(note))"
    }

    private func report(_ line: String) {
        guard !registryOptions.quiet else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    // MARK: - Requests

    /// One build request per platform, as `hoist build` would make it.
    private func makeRequests() throws -> [BuildRequest] {
        let contextPath = URL(fileURLWithPath: context).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: contextPath, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw ValidationError("the build context \(context) is not a directory")
        }
        let text: String
        let path: String?
        if file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            path = nil
        } else {
            let dockerfile = file ?? contextPath + "/Dockerfile"
            guard let data = FileManager.default.contents(atPath: dockerfile) else {
                throw ValidationError("cannot read the Dockerfile \(dockerfile)")
            }
            text = String(decoding: data, as: UTF8.self)
            path = dockerfile
        }
        let name =
            file == "-"
            ? "<stdin>"
            : file ?? (context == "." ? "Dockerfile" : (context as NSString).appendingPathComponent("Dockerfile"))
        let arguments = try buildArguments.values()
        var platforms: [PlatformTriple] = []
        for text in platform.flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let parsed = PlatformTriple(parsing: text.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--platform takes os/arch[/variant], such as linux/amd64, not '\(text)'")
            }
            if !platforms.contains(parsed) { platforms.append(parsed) }
        }
        if platforms.isEmpty { platforms = [.host] }
        return try platforms.map { platform in
            var request = BuildRequest(
                contextDirectory: contextPath, dockerfileText: text, dockerfileName: name, dockerfilePath: path)
            request.buildArguments = arguments
            request.target = target
            request.platform = platform
            request.registryOptions = registryOptions.registryOptions()
            request.credentials = try registryOptions.credentialResolver()
            request.pullAlways = pull
            return request
        }
    }
}
