// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import DockerfileSyntax
import Foundation
import LayerArchive
import OCIImage
import Registry

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build an image from a Dockerfile; prints its digest.",
        discussion: """
            Runs every RUN in an isolated root (namespaces, overlay), writes a layer per changing step, commits \
            the image to the local store under each --tag, and optionally pushes or exports it. Needs root. \
            See specs/build.md.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registryOptions: RegistryCommandOptions

    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("The Dockerfile (default: CONTEXT/Dockerfile; - reads standard input).", valueName: "file"))
    var file: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("A name for the image (repeatable).", valueName: "name"))
    var tag: [String] = []

    @OptionGroup var buildArguments: BuildArgumentOptions

    @Option(help: ArgumentHelp("The stage to build (default: the last).", valueName: "stage"))
    var target: String?

    @Option(help: ArgumentHelp("The target platform (default: this machine's).", valueName: "os/arch[/variant]"))
    var platform: String?

    @Option(help: ArgumentHelp("The network of RUN steps: host (default) or none.", valueName: "mode"))
    var network: String = "host"

    @Option(help: ArgumentHelp("A secret for RUN --mount=type=secret: id=ID,src=FILE.", valueName: "spec"))
    var secret: [String] = []

    @Option(help: ArgumentHelp("A label for the image, NAME=value (repeatable).", valueName: "label"))
    var label: [String] = []

    @Option(
        help: ArgumentHelp(
            "Seconds since 1970 for every time in the image, clamping file mtimes (default: $SOURCE_DATE_EPOCH, else the commit time of the context's git HEAD, else --timestamp, else now).",
            valueName: "seconds"))
    var sourceDateEpoch: Int64?

    @Option(
        help: ArgumentHelp(
            "The image's times when neither SOURCE_DATE_EPOCH nor a git checkout gives one (default: now).",
            valueName: "seconds"))
    var timestamp: Int64?

    @Option(help: ArgumentHelp("Media types: oci (default) or docker.", valueName: "format"))
    var format: String = "oci"

    @Option(
        help: ArgumentHelp("Layer compression: gzip (default), gzip-isal, zstd or uncompressed.", valueName: "kind"))
    var compression: String = "gzip"

    @Flag(help: "Look base images up in their registry even when the local store has them.")
    var pull = false

    @Flag(help: "Fail unless the lock file pins every base image and each still resolves to its pin.")
    var locked = false

    @Option(help: ArgumentHelp("The lock file (default: the Dockerfile's path + .lock).", valueName: "file"))
    var lockFile: String?

    @Flag(help: "Run every step; use no cache entries (new ones are still written).")
    var noCache = false

    @Option(
        help: ArgumentHelp(
            "Run every step of these stages (names or indexes; repeatable, comma-separated).", valueName: "stage"))
    var noCacheFilter: [String] = []

    @Option(
        help: ArgumentHelp(
            "Use a remote build cache: type=registry,ref=REPO:TAG or type=local,src=DIR (repeatable).",
            valueName: "spec"))
    var cacheFrom: [String] = []

    @Option(
        help: ArgumentHelp(
            "Write the build cache: type=registry,ref=REPO:TAG or type=local,dest=DIR, with mode=min (default) or max.",
            valueName: "spec"))
    var cacheTo: [String] = []

    @Flag(
        help: """
            Build twice, in separate temporary roots without cache, and fail naming the first difference unless \
            both images have one digest; then store, tag, push and export that image as usual.
            """)
    var verifyReproducible = false

    @Flag(help: "Push the image to every --tag after building.")
    var push = false

    @Option(
        name: [.customLong("output"), .customShort("o")],
        help: ArgumentHelp(
            "Also write the image: type=oci,dest=DIR|FILE.tar or type=docker,dest=FILE.tar (repeatable).",
            valueName: "spec"))
    var output: [String] = []

    @Option(help: ArgumentHelp("Write the image (manifest) digest to this file.", valueName: "file"))
    var iidfile: String?

    @Option(help: ArgumentHelp("Write build metadata as JSON to this file.", valueName: "file"))
    var metadataFile: String?

    @Option(
        help: ArgumentHelp(
            "Progress output: auto (tty on a terminal, else plain), plain, tty or json.", valueName: "mode"))
    var progress: String = "auto"

    @Argument(help: ArgumentHelp("The build context directory.", valueName: "context"))
    var context: String = "."

    func validate() throws {
        guard ["host", "none", "default"].contains(network) else {
            throw ValidationError("--network takes host or none, not '\(network)'")
        }
        guard BuildRequest.Format(rawValue: format) != nil else {
            throw ValidationError("--format takes oci or docker, not '\(format)'")
        }
        guard ["auto", "plain", "tty", "json"].contains(progress) else {
            throw ValidationError("--progress takes auto, plain, tty or json, not '\(progress)'")
        }
        if push && tag.isEmpty { throw ValidationError("--push needs at least one --tag to push to") }
        if verifyReproducible && !cacheTo.isEmpty {
            throw ValidationError(
                "--cache-to can't be used with --verify-reproducible: both builds run without cache and write no entries"
            )
        }
        do {
            for spec in cacheFrom { _ = try CacheImport(parsing: spec) }
            for spec in cacheTo { _ = try CacheExport(parsing: spec) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        global.bootstrapLogging()
        let request = try makeRequest()
        let outputs = try output.map(OutputSpecification.init(parsing:))
        let printer = BuildProgress(mode: progressMode())
        let builder = Builder(root: global.hoistRoot, observer: printer.observer)
        let verifier = verifyReproducible ? reproducibleBuild(mode: printer.mode) : nil
        let result: BuildResult
        do {
            result = try await withInterruptsCancelling {
                if let verifier { return try await verifier.build(request) }
                return try await builder.build(request)
            }
        } catch let error as DockerfileError {
            FileHandle.standardError.write(
                Data(DiagnosticRenderer.render(error, source: request.dockerfileText).utf8))
            throw ExitCode.failure
        } catch let error as BuildError {
            // A failing RUN makes `hoist build` exit with the command's own status.
            guard case .stepFailed(_, _, let status, let signaled) = error else { throw error }
            FileHandle.standardError.write(Data("hoist: error: \(error)\n".utf8))
            throw ExitCode(signaled ? 128 + status : status)
        }
        let store = try global.openStore()
        for output in outputs { try output.write(result, store: store) }
        var pushed: [[String: String]] = []
        if push {
            for reference in request.tags {
                let descriptor = try await RegistryClient.withClient(
                    registry: reference.registry, options: registryOptions.registryOptions(),
                    credentials: try registryOptions.credentialResolver()
                ) { client in
                    try await client.push(
                        result.manifest, from: store, to: reference.withDefaultTag,
                        origins: RegistryCommandOptions.originLog(root: global.hoistRoot),
                        progress: registryOptions.quiet ? nil : registryOptions.progressPrinter())
                }
                pushed.append([
                    "reference": reference.withDefaultTag.description, "digest": descriptor.digest.description,
                ])
                if !registryOptions.quiet {
                    FileHandle.standardError.write(
                        Data("pushed \(reference.withDefaultTag.name)@\(descriptor.digest)\n".utf8))
                }
            }
        }
        if let iidfile { try writeFile(iidfile, result.manifest.digest.description) }
        if let metadataFile { try writeFile(metadataFile, try metadata(result, pushed: pushed)) }
        print(result.manifest.digest)
    }

    // MARK: - Request

    private func makeRequest() throws -> BuildRequest {
        let contextPath = URL(fileURLWithPath: context).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: contextPath, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw ValidationError("the build context \(context) is not a directory")
        }
        let dockerfileText: String
        let dockerfileName: String
        var dockerfilePath: String? = nil
        if file == "-" {
            dockerfileText = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            dockerfileName = "<stdin>"
        } else {
            let path = file ?? contextPath + "/Dockerfile"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the Dockerfile \(path)")
            }
            dockerfileText = String(decoding: data, as: UTF8.self)
            dockerfileName =
                file ?? (context == "." ? "Dockerfile" : (context as NSString).appendingPathComponent("Dockerfile"))
            dockerfilePath = path
        }
        var request = BuildRequest(
            contextDirectory: contextPath, dockerfileText: dockerfileText, dockerfileName: dockerfileName,
            dockerfilePath: dockerfilePath)
        request.tags = try tag.map { try ImageReference(parsing: $0) }
        request.buildArguments = try buildArguments.values()
        request.target = target
        if let platform {
            guard let parsed = PlatformTriple(parsing: platform) else {
                throw ValidationError("--platform takes os/arch[/variant], such as linux/amd64, not '\(platform)'")
            }
            request.platform = parsed
        }
        request.network = network == "none" ? .none : .default
        request.secrets = try secrets()
        request.labels = try pairs(label, option: "--label")
        request.sourceDateEpoch = try imageTime(contextPath)
        request.format = BuildRequest.Format(rawValue: format) ?? .oci
        request.compression = try ImportCommand.layerCompression(compression, level: nil)
        if request.format == .docker, case .zstd = request.compression {
            throw ValidationError("--format docker can't carry zstd layers; use gzip")
        }
        request.registryOptions = registryOptions.registryOptions()
        request.credentials = try registryOptions.credentialResolver()
        request.pullAlways = pull
        request.noCache = noCache
        request.noCacheStages = Set(noCacheFilter.flatMap { $0.split(separator: ",").map { String($0).lowercased() } })
        request.lock = try LockPolicy.load(dockerfilePath: dockerfilePath, lockPath: lockFile, isRequired: locked)
        do {
            request.cacheFrom = try cacheFrom.map(CacheImport.init(parsing:))
            request.cacheTo = try cacheTo.map(CacheExport.init(parsing:))
        } catch {
            throw ValidationError("\(error)")
        }
        return request
    }

    /// The image's times, and where they come from (reported unless --quiet): the option or SOURCE_DATE_EPOCH,
    /// else the commit time of the context's git HEAD, else --timestamp; nil (now) when none applies.
    private func imageTime(_ context: String) throws -> Int64? {
        let chosen: (Int64, String)?
        if let sourceDateEpoch {
            chosen = (sourceDateEpoch, "--source-date-epoch")
        } else if let fromEnvironment = try Timestamp.sourceDateEpoch() {
            chosen = (fromEnvironment, "SOURCE_DATE_EPOCH")
        } else if let commit = GitSource.commitTime(context) {
            chosen = (commit, "the commit time of the context's git HEAD")
        } else if let timestamp {
            chosen = (timestamp, "--timestamp")
        } else if verifyReproducible {
            // Builds that each take "now" differ trivially; see specs/build.md, "Verifying reproducibility".
            chosen = (Int64(Date().timeIntervalSince1970), "the current time, fixed for both builds")
        } else {
            chosen = nil
        }
        if !registryOptions.quiet && progress != "json" {
            let line =
                chosen.map { "image times: \(Timestamp.rfc3339(epochSeconds: $0.0)), from \($0.1)" }
                ?? "image times: the current time (no SOURCE_DATE_EPOCH, git checkout or --timestamp)"
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return chosen?.0
    }

    private func secrets() throws -> [String: String] {
        var result: [String: String] = [:]
        for spec in secret {
            let fields = try pairs(spec.split(separator: ",").map(String.init), option: "--secret")
            guard let id = fields["id"], !id.isEmpty else { throw ValidationError("--secret '\(spec)' needs id=ID") }
            let source = fields["src"] ?? fields["source"]
            if let variable = fields["env"], source == nil {
                guard let value = ProcessInfo.processInfo.environment[variable] else {
                    throw ValidationError("--secret '\(spec)': the environment has no \(variable)")
                }
                let staged = global.hoistRoot.temporaryPath + "/secret-env-\(getpid())-\(id)"
                try FileManager.default.createDirectory(
                    atPath: global.hoistRoot.temporaryPath, withIntermediateDirectories: true)
                guard
                    FileManager.default.createFile(
                        atPath: staged, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600])
                else { throw ValidationError("--secret '\(spec)': cannot stage the value") }
                result[id] = staged
                continue
            }
            guard let source, FileManager.default.isReadableFile(atPath: source) else {
                throw ValidationError("--secret '\(spec)': src must name a readable file")
            }
            result[id] = source
        }
        return result
    }

    private func pairs(_ items: [String], option: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw ValidationError("\(option) takes NAME=value, not '\(item)'")
            }
            result[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        return result
    }

    private func progressMode() -> BuildProgress.Mode {
        if registryOptions.quiet { return .quiet }
        switch progress {
        case "plain": return .plain
        case "tty": return .tty
        case "json": return .json
        default: return isatty(STDERR_FILENO) == 1 ? .tty : .plain
        }
    }

    // MARK: - Results

    private func metadata(_ result: BuildResult, pushed: [[String: String]]) throws -> String {
        var object: [String: Any] = [
            "image.digest": result.manifest.digest.description,
            "containerimage.digest": result.manifest.digest.description,
            "config.digest": result.imageManifest.config.digest.description,
            "manifest": try JSONSerialization.jsonObject(
                with: try JSONEncoder().encode(result.imageManifest)),
            "tags": result.tags.map { $0.withDefaultTag.description },
            "pushed": pushed,
            "layers": result.imageManifest.layers.map {
                ["digest": $0.digest.description, "size": $0.size, "mediaType": $0.mediaType.rawValue] as [String: Any]
            },
            "baseImages": result.baseImages.map { ["name": $0.name, "digest": $0.digest.description] },
        ]
        if let revision = result.sourceRevision { object["source.revision"] = revision }
        let data = try JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private func writeFile(_ path: String, _ text: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// `--output type=oci|docker,dest=PATH`.
struct OutputSpecification {
    enum Kind: String { case oci, docker }
    var kind: Kind
    var destination: String

    init(parsing text: String) throws {
        var fields: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2 else { throw ValidationError("--output '\(text)': '\(part)' is not key=value") }
            fields[pieces[0]] = pieces[1]
        }
        guard let type = fields["type"], let kind = Kind(rawValue: type) else {
            throw ValidationError("--output '\(text)': type must be oci or docker")
        }
        guard let destination = fields["dest"], !destination.isEmpty else {
            throw ValidationError("--output '\(text)': dest=PATH is required")
        }
        if kind == .docker && !destination.hasSuffix(".tar") {
            throw ValidationError("--output '\(text)': type=docker writes a tar; give dest=FILE.tar")
        }
        self.kind = kind
        self.destination = destination
    }

    func write(_ result: BuildResult, store: any ContentStore) throws {
        let entry = DockerArchiveExporter.Entry(manifest: result.manifest, tags: result.tags)
        switch kind {
        case .docker:
            try DockerArchiveExporter(store: store).export([entry], to: destination)
        case .oci where destination.hasSuffix(".tar"):
            try DockerArchiveExporter(store: store).export([entry], to: destination, dockerManifest: false)
        case .oci:
            try OCILayoutExporter(store: store).export([entry], to: destination)
        }
    }
}

/// Runs `body`, cancelling it on SIGINT or SIGTERM (the sandbox then kills the step's processes, and the build
/// unmounts and removes its work files) before exiting with 130 or 143.
func withInterruptsCancelling<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let task = Task { try await body() }
    let received = SignalFlag()
    var sources: [DispatchSourceSignal] = []
    for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            received.set(number)
            task.cancel()
        }
        source.resume()
        sources.append(source)
    }
    defer { for source in sources { source.cancel() } }
    do {
        return try await task.value
    } catch {
        if let number = received.value {
            FileHandle.standardError.write(Data("hoist: build interrupted\n".utf8))
            throw ExitCode(128 + number)
        }
        throw error
    }
}

/// The signal that interrupted the build, if any.
final class SignalFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var number: Int32?
    func set(_ value: Int32) {
        lock.lock()
        number = number ?? value
        lock.unlock()
    }
    var value: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return number
    }
}
