// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Which deflate implementation produces a gzip layer.
///
/// Both write the same container format that every gzip reader accepts, but for a given level they
/// produce different bytes, so a layer digest is reproducible for a given (codec, level) pair.
/// See specs/layers.md for the measured speeds.
public enum GzipCodec: String, Sendable, Hashable, CaseIterable {
    /// Intel ISA-L `isal_deflate` (levels 1–3; gzip levels map onto them). Several times faster than zlib, but
    /// its bytes are only proven equal on like CPUs, so it is opt-in (specs/layers.md, Reproducibility).
    case isal
    /// zlib `deflate`, the reference implementation and the default: gzip levels 1–9 as in `gzip` and `pigz`.
    case zlib
}

/// How a layer's tar stream is compressed.
public enum LayerCompression: Sendable, Hashable {
    /// A plain tar: the digest equals the diffID.
    case uncompressed
    /// A single-member gzip stream, compressed pigz-style on several threads.
    /// - Parameters:
    ///   - level: 1 (fastest) to 9 (smallest), as in `gzip -N`; 6 is Docker's default.
    ///   - codec: the deflate implementation (see `GzipCodec`).
    case gzip(level: Int = 6, codec: GzipCodec = .zlib)
    /// A zstd frame (libzstd, multi-threaded, output independent of the thread count).
    /// - Parameter level: 1 to 19; 3 is zstd's default.
    case zstd(level: Int = 3)

    /// The OCI media type of a layer compressed this way.
    public var mediaType: MediaType {
        switch self {
        case .uncompressed: .ociLayer
        case .gzip: .ociLayerGzip
        case .zstd: .ociLayerZstd
        }
    }

    /// Throws when a level is out of range.
    func validate() throws {
        switch self {
        case .uncompressed: return
        case .gzip(let level, _):
            guard (1...9).contains(level) else {
                throw ArchiveError.invalidOption("gzip level \(level) is not between 1 and 9")
            }
        case .zstd(let level):
            guard (1...19).contains(level) else {
                throw ArchiveError.invalidOption("zstd level \(level) is not between 1 and 19")
            }
        }
    }
}

extension GzipCodec {
    /// The ISA-L level used for a gzip level: 1–2 → 1, 3–5 → 2, 6–9 → 3. ISA-L has no levels above 3;
    /// its level 3 is closest to zlib's 6 in ratio (within about 2 %, see specs/layers.md).
    static func isalLevel(forGzipLevel level: Int) -> Int32 {
        switch level {
        case ...2: 1
        case 3...5: 2
        default: 3
        }
    }
}
