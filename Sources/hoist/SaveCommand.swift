// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import OCIImage

struct SaveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save",
        abstract: "Write images to a docker-archive tar that `docker load` and skopeo read.")

    @OptionGroup var global: GlobalOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The archive to write.", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("The platform to save from a multi-platform image.", valueName: "os/arch"))
    var platform: String?

    @Argument(help: "The images: names, digests or digest prefixes.")
    var images: [String]

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("name at least one image to save") }
    }

    func run() throws {
        global.bootstrapLogging()
        let local = LocalImages(store: try global.openStore())
        let wanted = try platform.map(Platform.init(parsing:)) ?? .host
        // One entry per manifest, with every name it was asked for, as `docker save` writes them.
        var entries = [DockerArchiveExporter.Entry]()
        for name in images {
            let image = try local.resolve(name)
            let (manifest, _) = try local.manifest(of: image, platform: wanted)
            let tags = try image.name.map { [try ImageReference(parsing: $0)] } ?? []
            if let existing = entries.firstIndex(where: { $0.manifest.digest == manifest.digest }) {
                entries[existing].tags += tags.filter { !entries[existing].tags.contains($0) }
            } else {
                entries.append(DockerArchiveExporter.Entry(manifest: manifest, tags: tags))
            }
        }
        try DockerArchiveExporter(store: local.store).export(entries, to: output)
    }
}
