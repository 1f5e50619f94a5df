// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CArchive
import Foundation
import OCIImage

/// The compressed blocks of gzip layers written before, found again by what they were made from, so that a layer
/// sharing most of its tar stream with an earlier one (a rebuild after one file changed) compresses only the
/// blocks that differ.
///
/// A block of a parallel gzip stream depends only on its input, the 32 KiB before it, whether it is the last, the
/// level and the deflate implementation (see `DeflateBlockCompressor`). Its key is the SHA-256 of all of those,
/// zlib's version included, so a block taken from an earlier blob is byte for byte what compressing it again
/// would give: the layer's digest does not depend on what was written before. Only zlib blocks are kept (ISA-L,
/// whose bytes may vary with the CPU, is fast enough without).
///
/// On disk, one index per blob of at least four blocks: `DIRECTORY/<hex digest>`, a header and then per block its
/// key (32 bytes), its offset in the blob (8) and its length (4), little-endian. Indexes are written to a temporary
/// name and renamed; the blob itself is read back with `pread` when a block is reused. An index whose blob is
/// gone, or has another size, is ignored (and can be removed by pruning).
public final class GzipBlockMemo: @unchecked Sendable {
    /// Where a block's bytes are.
    struct Location {
        var blob: Digest
        var offset: Int64
        var length: Int
    }

    /// A block as written: its key and where it went in the blob.
    struct Record {
        var key: Key
        var offset: Int64
        var length: Int
    }

    /// The 32 bytes of the key's digest.
    struct Key: Hashable {
        var digest: [UInt8]
    }

    static let magic = Array("hoist-gzip-blocks-v1\n".utf8)
    static let zlibVersionString = String(cString: zlibVersion())
    /// How many indexes (newest first) are read when a build first asks.
    static let indexLimit = 64
    /// Blobs with fewer blocks get no index.
    static let minimumBlocks = 4

    /// Where the indexes are.
    public let directory: String
    private let blobPath: @Sendable (Digest) -> String
    private let lock = NSLock()
    private var blocks: [Key: Location]?
    private var reusedCount = 0

    /// - Parameters:
    ///   - directory: where the indexes are kept; created when the first is written.
    ///   - blobPath: the file of a blob in the store.
    public init(directory: String, blobPath: @escaping @Sendable (Digest) -> String) {
        self.directory = directory
        self.blobPath = blobPath
    }

    /// How many blocks were taken from earlier blobs so far.
    public var reusedBlocks: Int {
        lock.lock()
        defer { lock.unlock() }
        return reusedCount
    }

    /// The key of a block compressed with zlib at `level`.
    static func key(
        level: Int, isLast: Bool, dictionary: UnsafeRawBufferPointer, input: UnsafeRawBufferPointer
    ) -> Key {
        let hasher = SHA256Hasher()
        let prefix =
            "hoist-gzip-block-v1\u{0}zlib-\(zlibVersionString)\u{0}\(level)\u{0}\(isLast)\u{0}\(dictionary.count)\u{0}"
        hasher.update(Array(prefix.utf8))
        hasher.update(dictionary)
        hasher.update(input)
        return Key(digest: hasher.finalizeBytes())
    }

    // MARK: - Reuse

    /// Copies the compressed block with `key` into `output` when an earlier blob has it. - Returns: whether it did.
    func reuse(_ key: Key, into output: ByteBuffer) -> Bool {
        guard let location = location(of: key) else { return false }
        let descriptor = open(blobPath(location.blob), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        output.reserve(extra: location.length)
        var done = 0
        while done < location.length {
            let count = pread(
                descriptor, output.end + done, location.length - done, off_t(location.offset) + off_t(done))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            done += count
        }
        output.count += done
        lock.lock()
        reusedCount += 1
        lock.unlock()
        return true
    }

    private func location(of key: Key) -> Location? {
        lock.lock()
        defer { lock.unlock() }
        if blocks == nil { blocks = loadIndexes() }
        return blocks?[key]
    }

    // MARK: - Indexes

    /// Records the blocks of a blob just written (when it has enough of them to be worth it).
    func remember(blob: Digest, size: Int64, records: [Record]) {
        guard records.count >= Self.minimumBlocks else { return }
        var bytes = Self.magic
        Self.append(UInt64(size), to: &bytes)
        for record in records {
            bytes.append(contentsOf: record.key.digest)
            Self.append(UInt64(record.offset), to: &bytes)
            Self.append(UInt64(record.length), to: &bytes, width: 4)
        }
        let path = directory + "/" + blob.encoded
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            return  // An index only saves time; a build never fails for want of one.
        }
        lock.lock()
        defer { lock.unlock() }
        if blocks != nil {
            for record in records {
                blocks?[record.key] = Location(blob: blob, offset: record.offset, length: record.length)
            }
        }
    }

    private func loadIndexes() -> [Key: Location] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var dated: [(name: String, time: Int)] = []
        for name in names where name.count == 64 && name.allSatisfy(\.isHexDigit) {
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0 else { continue }
            dated.append((name, info.st_mtim.tv_sec))
        }
        var result: [Key: Location] = [:]
        // Oldest first, so that newer indexes win.
        for (name, _) in dated.sorted(by: { $0.time > $1.time }).prefix(Self.indexLimit).reversed() {
            guard let blob = try? Digest(parsing: "sha256:" + name),
                let data = FileManager.default.contents(atPath: directory + "/" + name)
            else { continue }
            let bytes = [UInt8](data)
            let header = Self.magic.count + 8
            guard bytes.count >= header, Array(bytes[..<Self.magic.count]) == Self.magic,
                (bytes.count - header) % 44 == 0
            else { continue }
            var info = stat()
            guard stat(blobPath(blob), &info) == 0,
                Int64(info.st_size) == Int64(bitPattern: Self.read(bytes, at: Self.magic.count, width: 8))
            else { continue }
            var offset = header
            while offset < bytes.count {
                let key = Key(digest: Array(bytes[offset..<offset + 32]))
                let blockOffset = Int64(bitPattern: Self.read(bytes, at: offset + 32, width: 8))
                let length = Int(Self.read(bytes, at: offset + 40, width: 4))
                if blockOffset >= 0, blockOffset + Int64(length) <= Int64(info.st_size) {
                    result[key] = Location(blob: blob, offset: blockOffset, length: length)
                }
                offset += 44
            }
        }
        return result
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8], width: Int = 8) {
        for index in 0..<width { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }

    private static func read(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}
