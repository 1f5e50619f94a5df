// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Small blocking-socket helpers for the loopback servers of the registry tests (token server, fault proxy).
public enum RegistrySockets {
    /// Listens on 127.0.0.1 on an ephemeral port.
    /// - Returns: the listening descriptor and its port.
    public static func listenLoopback() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError.setup("socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw TestSupportError.setup("bind/listen on 127.0.0.1: errno \(errno)")
        }
        return (fd, try localPort(fd))
    }

    /// A free ephemeral port on 127.0.0.1, for servers that insist on being given one (docker-registry).
    public static func freePort() throws -> Int {
        let (fd, port) = try listenLoopback()
        close(fd)
        return port
    }

    /// Connects to 127.0.0.1:port.
    public static func connectLoopback(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError.setup("socket: errno \(errno)") }
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw TestSupportError.setup("connect 127.0.0.1:\(port): errno \(errno)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    /// Waits until something accepts connections on the port.
    public static func waitForListener(port: Int, timeout: TimeInterval = 15) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let fd = try? connectLoopback(port: port) {
                close(fd)
                return
            }
            usleep(50_000)
        }
        throw TestSupportError.setup("nothing listens on 127.0.0.1:\(port) after \(Int(timeout)) s")
    }

    /// Reads up to `count` bytes; an empty array at end of stream or on error.
    public static func read(_ fd: Int32, count: Int = 64 * 1024) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }
            if n < 0 && errno == EINTR { continue }
            return n > 0 ? Array(buffer[..<n]) : []
        }
    }

    /// Writes everything.
    /// - Returns: `false` when the peer is gone.
    @discardableResult
    public static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(fd, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// Closes with a TCP reset instead of an orderly shutdown.
    public static func reset(_ fd: Int32) {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func localPort(_ fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw TestSupportError.setup("getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Reads an HTTP/1.1 message head and fixed-length body from a blocking socket, keeping leftovers.
public final class RegistryHTTPReader {
    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(fd: Int32) { self.fd = fd }

    /// The first byte not yet consumed, reading if needed; `nil` at end of stream.
    public func peek() -> UInt8? {
        if buffer.isEmpty { buffer = RegistrySockets.read(fd) }
        return buffer.first
    }

    /// Hands over whatever was read but not consumed.
    public func takeBuffered() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }

    /// The head up to and including the blank line, or `nil` at end of stream.
    public func readHead() -> [UInt8]? {
        while true {
            if let end = Self.find([13, 10, 13, 10], in: buffer) {
                let head = Array(buffer[..<(end + 4)])
                buffer.removeFirst(end + 4)
                return head
            }
            let more = RegistrySockets.read(fd)
            if more.isEmpty { return nil }
            buffer += more
        }
    }

    /// Reads up to `count` body bytes, calling `sink` with each piece; returns how many arrived.
    public func readBody(count: Int, sink: ([UInt8]) -> Bool) -> Int {
        var remaining = count
        if !buffer.isEmpty {
            let take = min(remaining, buffer.count)
            let piece = Array(buffer[..<take])
            buffer.removeFirst(take)
            remaining -= take
            if !sink(piece) { return count - remaining }
        }
        while remaining > 0 {
            let more = RegistrySockets.read(fd, count: min(remaining, 256 * 1024))
            if more.isEmpty { break }
            remaining -= more.count
            if !sink(more) { break }
        }
        return count - remaining
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<(index + needle.count)]) == needle { return index }
        }
        return nil
    }
}

/// A parsed request head.
public struct RegistryRequestHead: Sendable {
    public var method: String
    public var target: String
    public var headers: [String: String]

    public init?(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2 else { return nil }
        method = String(parts[0])
        target = String(parts[1])
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        self.headers = headers
    }

    /// `Content-Length`, 0 when absent.
    public var contentLength: Int { Int(headers["content-length"] ?? "0") ?? 0 }
}
