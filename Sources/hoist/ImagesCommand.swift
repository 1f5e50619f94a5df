// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import BuildEngine
import Foundation
import OCIImage

struct ImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "List the images in the local store.")

    @OptionGroup var global: GlobalOptions

    @Flag(name: .shortAndLong, help: "Print only the image digests.")
    var quiet = false

    @Flag(help: "Print a JSON array, one object per image.")
    var json = false

    func run() throws {
        global.bootstrapLogging()
        let images = LocalImages(store: try global.openStore())
        let summaries = try images.list().map { try ImageSummary(of: $0, in: images) }
        if json {
            let rows = summaries.map {
                JSONRow(
                    name: $0.name, digest: $0.digest, platform: $0.platform.description, created: $0.created,
                    size: $0.size)
            }
            print(String(decoding: try CanonicalJSON.encodePretty(rows), as: UTF8.self))
            return
        }
        if quiet {
            for summary in summaries { print(summary.digest) }
            return
        }
        var table = [["REFERENCE", "DIGEST", "PLATFORM", "CREATED", "SIZE"]]
        for summary in summaries {
            table.append([
                summary.name ?? "<none>", String(summary.digest.encoded.prefix(12)), summary.platform.description,
                summary.created ?? "-", formatBytes(summary.size),
            ])
        }
        print(renderTable(table), terminator: "")
    }

    private struct JSONRow: Encodable {
        var name: String?
        var digest: Digest
        var platform: String
        var created: String?
        var size: Int64
    }
}

/// Left-aligned columns separated by three spaces.
func renderTable(_ rows: [[String]]) -> String {
    guard let columns = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: columns)
    for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
    var output = ""
    for row in rows {
        let cells = row.enumerated().map { column, cell in
            column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }
        output += cells.joined(separator: "   ") + "\n"
    }
    return output
}

/// `1.5 MB`-style sizes in decimal units, as docker prints them.
func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.3g %@", value, units[unit])
}
