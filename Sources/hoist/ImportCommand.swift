// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import Foundation
import LayerArchive
import OCIImage

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Make a one-layer image from a root filesystem directory or tar archive.",
        discussion: """
            The directory's contents (or the archive's entries) become the image's /. Archives may be \
            plain, gzip or zstd tar; they are extracted safely and written again as a Hoist layer. \
            Prints the image digest.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("A root filesystem: a directory or a tar archive.", valueName: "rootfs"))
    var source: String

    @Option(name: .shortAndLong, help: ArgumentHelp("A name for the image (repeatable).", valueName: "name"))
    var tag: [String] = []

    @Option(help: ArgumentHelp("The platform the image declares (default: this machine's).", valueName: "os/arch"))
    var platform: String?

    @Option(
        help: ArgumentHelp(
            "Seconds since 1970 for the image's times, clamping file mtimes (default: $SOURCE_DATE_EPOCH, else now).",
            valueName: "seconds"))
    var sourceDateEpoch: Int64?

    @Option(help: ArgumentHelp("The default command, as a JSON array of strings.", valueName: "json"))
    var cmd: String?

    @Option(help: ArgumentHelp("The entrypoint, as a JSON array of strings.", valueName: "json"))
    var entrypoint: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("A comment for the image's history.", valueName: "text"))
    var message: String?

    @Option(
        help: ArgumentHelp(
            "Layer compression: gzip (zlib, the same bytes on every machine), gzip-isal (faster; same bytes only on like CPUs), zstd, or uncompressed.",
            valueName: "kind"))
    var compression: String = "gzip"

    @Option(
        help: ArgumentHelp(
            "Compression level: 1-9 for gzip (default 6, as Docker), 1-19 for zstd (default 3).", valueName: "n"))
    var compressionLevel: Int?

    func run() async throws {
        global.bootstrapLogging()
        let references = try tag.map(ImageReference.init(parsing:))
        var config = ContainerConfig()
        config.Cmd = try cmd.map { try Self.stringArray($0, option: "--cmd") }
        config.Entrypoint = try entrypoint.map { try Self.stringArray($0, option: "--entrypoint") }
        let options = ImageImporter.Options(
            platform: try platform.map(Platform.init(parsing:)) ?? .host,
            sourceDateEpoch: try sourceDateEpoch ?? Timestamp.sourceDateEpoch(), config: config, comment: message,
            compression: try layerCompression())
        let root = global.hoistRoot
        let store = try root.openStore()
        let image = try await ImageImporter(store: store, temporaryDirectory: root.temporaryPath, options: options)
            .importRootFilesystem(from: source)
        for reference in references { try store.tag(image, as: LocalImages.storedName(for: reference)) }
        print(image.digest)
    }

    private func layerCompression() throws -> LayerCompression {
        try Self.layerCompression(compression, level: compressionLevel)
    }

    /// `--compression KIND` and `--compression-level N` (nil for the kind's default), as `import` and `build`
    /// take them.
    static func layerCompression(_ compression: String, level: Int?) throws -> LayerCompression {
        let result: LayerCompression
        switch compression {
        case "gzip": result = .gzip(level: level ?? 6, codec: .zlib)
        case "gzip-isal": result = .gzip(level: level ?? 6, codec: .isal)
        case "zstd": result = .zstd(level: level ?? 3)
        case "uncompressed":
            guard level == nil else {
                throw ValidationError("--compression-level does not apply to uncompressed layers")
            }
            result = .uncompressed
        default:
            throw ValidationError("--compression takes gzip, gzip-isal, zstd or uncompressed, not '\(compression)'")
        }
        let range = compression == "zstd" ? 1...19 : 1...9
        if let level, !range.contains(level) {
            throw ValidationError(
                "--compression-level \(level) is outside \(range.lowerBound)-\(range.upperBound) for \(compression)")
        }
        return result
    }

    static func stringArray(_ json: String, option: String) throws -> [String] {
        guard let array = try? JSONDecoder().decode([String].self, from: Data(json.utf8)) else {
            throw ValidationError("\(option) takes a JSON array of strings, such as '[\"/bin/sh\", \"-c\"]'")
        }
        return array
    }
}
