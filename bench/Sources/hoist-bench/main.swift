// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

// Drives LayerArchive from the command line for bench/layers.sh.
//
//   hoist-bench write-layer DIR STORE [--codec isal|zlib|zstd|none] [--level N] [--threads N] [--epoch S]
//   hoist-bench apply-layer STORE DIGEST DEST [--extract] [--overlay]
//   hoist-bench write-diff UPPER STORE …same options as write-layer (overlay upper directory)
// Prints the descriptor digest, size and diffID (write) or the diffID (apply).

import Foundation
import LayerArchive
import OCIImage

func option(_ name: String, in arguments: [String]) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func writerOptions(_ arguments: [String]) -> LayerWriter.Options {
    let level = option("--level", in: arguments).flatMap { Int($0) }
    let compression: LayerCompression
    switch option("--codec", in: arguments) ?? "zlib" {
    case "isal": compression = .gzip(level: level ?? 6, codec: .isal)
    case "zstd": compression = .zstd(level: level ?? 3)
    case "none": compression = .uncompressed
    default: compression = .gzip(level: level ?? 6, codec: .zlib)
    }
    var options = LayerWriter.Options(compression: compression)
    if let threads = option("--threads", in: arguments).flatMap({ Int($0) }) { options.threads = threads }
    options.sourceDateEpoch = option("--epoch", in: arguments).flatMap { Int64($0) }
    return options
}

func run(_ arguments: [String]) throws {
    guard let command = arguments.first else {
        print("usage: hoist-bench write-layer DIR STORE | write-diff UPPER STORE | apply-layer STORE DIGEST DEST")
        exit(2)
    }
    switch command {
    case "write-layer", "write-diff":
        guard arguments.count >= 3 else { throw ArchiveError.invalidOption("\(command) DIR STORE") }
        let store = try LayoutContentStore(path: arguments[2])
        let writer = LayerWriter(store: store, options: writerOptions(arguments))
        let result =
            command == "write-layer"
            ? try writer.write(directory: arguments[1])
            : try writer.write(FilesystemDiff.fromOverlayUpper(path: arguments[1]))
        print("\(result.descriptor.digest) \(result.descriptor.size) \(result.diffID) \(result.uncompressedSize)")
    case "apply-layer":
        guard arguments.count >= 4 else { throw ArchiveError.invalidOption("apply-layer STORE DIGEST DEST") }
        let store = try LayoutContentStore(path: arguments[1], create: false)
        let digest = try Digest(parsing: arguments[2])
        var options = LayerApplier.Options()
        if arguments.contains("--overlay") { options.whiteouts = .overlay }
        let applier = LayerApplier(store: store, options: options)
        let result =
            arguments.contains("--extract")
            ? try applier.extract(digest, into: arguments[3]) : try applier.apply(digest, onto: arguments[3])
        print("\(result.diffID) \(result.entryCount)")
    default:
        throw ArchiveError.invalidOption("unknown command \(command)")
    }
}

do {
    try run(Array(CommandLine.arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("hoist-bench: \(error)\n".utf8))
    exit(1)
}
