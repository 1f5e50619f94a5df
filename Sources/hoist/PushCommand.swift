// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import Foundation
import OCIImage
import Registry

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Upload an image from the local store to a registry; prints DEST@sha256:… last.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registryOptions: RegistryCommandOptions

    @Option(help: ArgumentHelp("Also write DEST@sha256:… to this file.", valueName: "file"))
    var digestfile: String?

    @Argument(help: "The image in the local store: a name, a digest or a digest prefix.")
    var source: String

    @Argument(help: "Where to push: [registry/]repository[:tag] (default: the source name).")
    var destination: String?

    func run() async throws {
        global.bootstrapLogging()
        let store = try global.openStore()
        let found = try LocalImages(store: store).resolve(source)
        let destinationText = PullCommand.stripTransport(destination ?? found.name ?? source)
        var target = try ImageReference(parsing: destinationText)
        if target.tag == nil && target.digest == nil { target = target.withDefaultTag }
        let origins = RegistryCommandOptions.originLog(root: global.hoistRoot)
        let progress = registryOptions.progressPrinter()
        let pushed = try await RegistryClient.withClient(
            registry: target.registry, options: registryOptions.registryOptions(),
            credentials: try registryOptions.credentialResolver()
        ) { client in
            try await client.push(found.descriptor, from: store, to: target, origins: origins, progress: progress)
        }
        var name = target.description
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        let line = "\(name)@\(pushed.digest)"
        if let digestfile {
            do {
                try Data(line.utf8).write(to: URL(fileURLWithPath: digestfile), options: .atomic)
            } catch {
                throw ValidationError("cannot write \(digestfile): \(error.localizedDescription)")
            }
        }
        print(line)
    }
}
