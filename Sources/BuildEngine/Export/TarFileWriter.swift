// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage

/// Writes a plain tar archive of directories and regular files, streaming, with fixed metadata
/// (owner 0:0, mtime 0, modes 0755/0644) so the same content gives the same bytes.
///
/// This is the container of image archives (`hoist save`), not of layers: layers go through
/// LayerArchive and libarchive. Names must fit the 100-byte ustar name field; sizes above 8 GiB use
/// the GNU base-256 size encoding that every tar reader accepts.
final class TarFileWriter {
    private let handle: FileHandle
    private let path: String

    /// Creates (truncating) the archive file.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw BuildError.exportFailed(path: path, reason: "cannot create the file") }
        self.handle = handle
        self.path = path
    }

    deinit { try? handle.close() }

    func addDirectory(_ name: String) throws {
        try handle.write(contentsOf: Self.header(name: name.hasSuffix("/") ? name : name + "/", size: 0, type: "5"))
    }

    func addFile(_ name: String, bytes: [UInt8]) throws {
        try handle.write(contentsOf: Self.header(name: name, size: Int64(bytes.count), type: "0"))
        try handle.write(contentsOf: bytes)
        try pad(Int64(bytes.count))
    }

    /// Adds a file whose content streams from `read` (which returns 0 at the end) and must be `size` bytes.
    func addFile(_ name: String, size: Int64, read: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        try handle.write(contentsOf: Self.header(name: name, size: size, type: "0"))
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var written: Int64 = 0
        while true {
            let count = try buffer.withUnsafeMutableBytes { try read($0) }
            if count == 0 { break }
            written += Int64(count)
            guard written <= size else { break }
            try handle.write(contentsOf: buffer[..<count])
        }
        guard written == size else {
            throw BuildError.exportFailed(path: path, reason: "\(name) changed size while being written")
        }
        try pad(size)
    }

    /// Writes the two zero blocks that end an archive, and syncs.
    func finish() throws {
        try handle.write(contentsOf: [UInt8](repeating: 0, count: 1024))
        try handle.synchronize()
        try handle.close()
    }

    private func pad(_ size: Int64) throws {
        let remainder = Int(size % 512)
        if remainder != 0 { try handle.write(contentsOf: [UInt8](repeating: 0, count: 512 - remainder)) }
    }

    /// A POSIX ustar header block.
    static func header(name: String, size: Int64, type: Character) throws -> [UInt8] {
        let nameBytes = Array(name.utf8)
        guard nameBytes.count <= 100 else {
            throw BuildError.exportFailed(path: name, reason: "entry name longer than 100 bytes")
        }
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int) { block.replaceSubrange(offset..<offset + bytes.count, with: bytes) }
        func octal(_ value: Int64, width: Int) -> [UInt8] {
            Array(String(value, radix: 8).leftPadded(to: width - 1).utf8) + [0]
        }
        put(nameBytes, at: 0)
        put(octal(type == "5" ? 0o755 : 0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)
        put(octal(0, width: 8), at: 116)
        if size < 0o77777777777 {
            put(octal(size, width: 12), at: 124)
        } else {
            // GNU base-256: high bit set, big-endian value in the remaining bytes.
            var field = [UInt8](repeating: 0, count: 12)
            var value = size
            for index in stride(from: 11, through: 1, by: -1) {
                field[index] = UInt8(truncatingIfNeeded: value)
                value >>= 8
            }
            field[0] = 0x80
            put(field, at: 124)
        }
        put(octal(0, width: 12), at: 136)
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)
        put([UInt8(String(type).utf8.first ?? UInt8(ascii: "0"))], at: 156)
        put(Array("ustar\0".utf8), at: 257)
        put(Array("00".utf8), at: 263)
        let checksum = block.reduce(0) { $0 + Int64($1) }
        put(Array(String(checksum, radix: 8).leftPadded(to: 6).utf8) + [0, UInt8(ascii: " ")], at: 148)
        return block
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
