// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import COpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Streaming SHA-256 over OpenSSL's EVP interface, which uses the CPU's SHA instructions.
///
/// Chosen over swift-crypto after measuring both on the target machine (see specs/dependencies.md):
/// equal speed, and the system libcrypto costs no extra compilation. Not `Sendable`: one owner at a time.
public final class SHA256Hasher {
    private let context: OpaquePointer
    private var finished = false

    /// Starts a new hash.
    public init() {
        // EVP_MD_CTX_new only fails when memory is exhausted, which the Swift runtime does not survive either.
        guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        self.context = context
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds bytes to the hash.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "SHA256Hasher used after finalize()")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Adds the bytes of a collection to the hash.
    public func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Ends the hash.
    /// - Returns: the `sha256:` digest of every byte added.
    public func finalize() -> Digest { Digest(sha256: finalizeBytes()) }

    /// Ends the hash.
    /// - Returns: the 32 bytes of the SHA-256 of every byte added.
    public func finalizeBytes() -> [UInt8] {
        precondition(!finished, "SHA256Hasher finalized twice")
        finished = true
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &output, &length)
        return output
    }

    /// The SHA-256 digest of a byte collection.
    public static func digest(of bytes: some Collection<UInt8>) -> Digest {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The SHA-256 digest of a file's content, read in 1 MiB chunks.
    /// - Throws: `OCIImageError.io` when the file can't be opened or read.
    public static func digest(ofFileAt path: String) throws -> Digest {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw OCIImageError.io(operation: "open", path: path, errno: errno) }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        let hasher = SHA256Hasher()
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw OCIImageError.io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { return hasher.finalize() }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }
}
