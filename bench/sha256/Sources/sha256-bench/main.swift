// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CLibcrypto
import Crypto
import Foundation

// Hashes the same 256 MiB buffer in 1 MiB updates, as a layer pipeline does, five times per
// implementation, and prints the median throughput of each.
let chunk = 1 << 20
let total = 256 * chunk
var buffer = [UInt8](repeating: 0, count: total)
var state: UInt64 = 0x9E37_79B9_7F4A_7C15
for index in 0..<total {
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    buffer[index] = UInt8(truncatingIfNeeded: state >> 33)
}

func measure(_ name: String, _ body: () -> String) {
    var rates = [Double]()
    var digest = ""
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        digest = body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        rates.append(Double(total) / seconds / 1e6)
    }
    let median = rates.sorted()[rates.count / 2]
    print("\(name): \(Int(median)) MB/s (median of 5 over 256 MiB) digest \(digest.prefix(16))…")
}

measure("swift-crypto SHA256") {
    var hasher = SHA256()
    buffer.withUnsafeBytes { all in
        var offset = 0
        while offset < total {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: all[offset..<offset + chunk]))
            offset += chunk
        }
    }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

measure("OpenSSL EVP sha256") {
    guard let context = EVP_MD_CTX_new() else { return "" }
    defer { EVP_MD_CTX_free(context) }
    EVP_DigestInit_ex(context, EVP_sha256(), nil)
    buffer.withUnsafeBytes { all in
        var offset = 0
        while offset < total {
            EVP_DigestUpdate(context, all.baseAddress.map { $0 + offset }, chunk)
            offset += chunk
        }
    }
    var output = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    EVP_DigestFinal_ex(context, &output, &length)
    return output.map { String(format: "%02x", $0) }.joined()
}
