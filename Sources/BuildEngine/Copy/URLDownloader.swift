// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import OCIImage

/// A URL source of `ADD`, downloaded to a temporary file.
struct DownloadedFile: Sendable {
    var url: String
    /// The temporary file's host path.
    var path: String
    /// The SHA-256 of the body.
    var digest: Digest
    /// The last component of the URL's path, or `nil` when it has none.
    var fileName: String?
    /// The `Last-Modified` time, when the server sent one.
    var lastModified: timespec?

    func remove() { unlink(path) }
}

/// Streams `ADD` URL sources to temporary files, hashing on the way; never holds a body in memory.
struct URLDownloader {
    let client: HTTPClient

    /// Downloads one URL.
    /// - Throws: `CopyError.downloadFailed` for a transport failure or a non-2xx status.
    func download(_ url: String, into directory: String) async throws -> DownloadedFile {
        let path = "\(directory)/hoist-add-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CopyError.io(operation: "create", path: path, errno: errno) }
        defer { close(fd) }
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(600))
            guard (200..<300).contains(response.status.code) else {
                throw CopyError.downloadFailed(url: url, reason: "the server answered \(response.status)")
            }
            let hasher = SHA256Hasher()
            // Each chunk is written before the next is requested, so the body streams with backpressure.
            for try await chunk in response.body {
                try chunk.withUnsafeReadableBytes { bytes throws(CopyError) in
                    hasher.update(bytes)
                    try HostFileSystem.writeAll(fd, bytes, path: path)
                }
            }
            let lastModified = response.headers.first(name: "Last-Modified").flatMap(Self.parseHTTPDate)
            return DownloadedFile(
                url: url, path: path, digest: hasher.finalize(), fileName: Self.fileName(of: url),
                lastModified: lastModified)
        } catch let error as CopyError {
            unlink(path)
            throw error
        } catch {
            unlink(path)
            throw CopyError.downloadFailed(url: url, reason: "\(error)")
        }
    }

    /// The last non-empty component of the URL's path (query and fragment ignored).
    static func fileName(of url: String) -> String? {
        guard let components = URLComponents(string: url) else { return nil }
        let name = components.path.split(separator: "/").last.map(String.init)
        return name.flatMap { $0.removingPercentEncoding ?? $0 }.flatMap { $0.isEmpty || $0 == ".." ? nil : $0 }
    }

    /// An RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
    static func parseHTTPDate(_ text: String) -> timespec? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let fields = text.split(separator: " ")
        guard fields.count == 6, fields[5] == "GMT", let day = Int32(fields[1]),
            let month = months.firstIndex(of: String(fields[2])), let year = Int32(fields[3])
        else { return nil }
        let clock = fields[4].split(separator: ":").compactMap { Int32($0) }
        guard clock.count == 3 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = Int32(month)
        parts.tm_mday = day
        parts.tm_hour = clock[0]
        parts.tm_min = clock[1]
        parts.tm_sec = clock[2]
        return timespec(tv_sec: timegm(&parts), tv_nsec: 0)
    }
}
