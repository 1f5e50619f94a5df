// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import OCIImage

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tag", abstract: "Give an image of the local store another name.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The image to tag: a reference, a digest or a digest prefix.")
    var source: String

    @Argument(help: "The new names, as references (app:1, localhost:5000/team/app:1).")
    var targets: [String]

    func validate() throws {
        guard !targets.isEmpty else { throw ValidationError("give at least one new name") }
    }

    func run() throws {
        global.bootstrapLogging()
        let images = LocalImages(store: try global.openStore())
        let found = try images.resolve(source)
        for target in targets {
            let reference = try ImageReference(parsing: target)
            try images.store.tag(found.descriptor, as: LocalImages.storedName(for: reference))
        }
    }
}

struct RemoveImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmi",
        abstract: "Remove image names from the local store; `hoist prune` then frees the space.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The names to remove.")
    var names: [String]

    func run() throws {
        global.bootstrapLogging()
        let images = LocalImages(store: try global.openStore())
        for name in names {
            let found = try images.resolve(name)
            guard let stored = found.name else { throw BuildError.imageNotFound(name) }
            try images.store.untag(stored)
            print("untagged \(stored)")
        }
    }
}
