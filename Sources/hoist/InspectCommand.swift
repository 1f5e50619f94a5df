// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import Foundation
import OCIImage

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show an image of the local store: digest, platform, config and layers, as JSON.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The image: a reference (busybox, localhost:5000/app:1), a digest, or a digest prefix.")
    var image: String

    @Option(help: ArgumentHelp("The platform to show when the image is a multi-platform index.", valueName: "os/arch"))
    var platform: String?

    @Flag(help: "Print the stored manifest (or index) bytes exactly as stored.")
    var raw = false

    @Flag(help: "Print the image configuration exactly as stored.")
    var config = false

    func run() throws {
        global.bootstrapLogging()
        let images = LocalImages(store: try global.openStore())
        let found = try images.resolve(image)
        if raw || config {
            var digest = found.descriptor.digest
            if config {
                digest = try images.manifest(of: found, platform: try requestedPlatform()).1.config.digest
            }
            FileHandle.standardOutput.write(Data(try images.store.readBlob(digest)))
            return
        }
        let summary = try ImageSummary(of: found, in: images, platform: try requestedPlatform())
        print(String(decoding: try CanonicalJSON.encodePretty(summary), as: UTF8.self))
    }

    private func requestedPlatform() throws -> Platform {
        try platform.map(Platform.init(parsing:)) ?? .host
    }
}
