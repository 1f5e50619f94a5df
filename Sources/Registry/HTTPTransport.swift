// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import NIOCore
import OCIImage

/// HTTP header fields in order, with case-insensitive lookup.
public struct HTTPFields: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields as sent or received.
    public private(set) var entries: [Field]

    /// One header line.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public init(_ entries: [(String, String)] = []) { self.entries = entries.map { Field(name: $0.0, value: $0.1) } }

    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// The first value of a field, or `nil`.
    public subscript(name: String) -> String? {
        get { entries.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value }
        set {
            entries.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
            if let newValue { entries.append(Field(name: name, value: newValue)) }
        }
    }

    /// Every value of a field, in order.
    public func values(for name: String) -> [String] {
        entries.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// Appends a field, keeping existing ones of the same name.
    public mutating func add(_ name: String, _ value: String) { entries.append(Field(name: name, value: value)) }

    public func makeIterator() -> IndexingIterator<[Field]> { entries.makeIterator() }
}

/// A request body that can be produced again from the start, so a retried or re-authenticated request
/// sends the same bytes without keeping them in memory.
public enum RequestBody: Sendable {
    /// Small bodies: manifests, token forms.
    case bytes([UInt8])
    /// A byte range of a stored blob, read from the store while sending.
    case blob(store: any ContentStore, digest: Digest, offset: Int64, length: Int64)

    /// The number of bytes the body holds.
    public var length: Int64 {
        switch self {
        case .bytes(let bytes): Int64(bytes.count)
        case .blob(_, _, _, let length): length
        }
    }

    /// Reads the whole body into memory; for tests and small bodies.
    public func collect() throws -> [UInt8] {
        switch self {
        case .bytes(let bytes): return bytes
        case .blob(let store, let digest, let offset, let length):
            let reader = try store.openBlob(digest, offset: offset)
            var result = [UInt8]()
            var remaining = length
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while remaining > 0 {
                let wanted = Int(min(Int64(buffer.count), remaining))
                let count = try buffer.withUnsafeMutableBytes {
                    try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<wanted]))
                }
                if count == 0 { break }
                result.append(contentsOf: buffer[..<count])
                remaining -= Int64(count)
            }
            return result
        }
    }
}

/// One HTTP request as the registry client builds it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: HTTPFields
    public var body: RequestBody?

    public init(method: String, url: URL, headers: HTTPFields = [:], body: RequestBody? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A response whose body streams in as it is read.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPFields
    public var body: ResponseBody

    public init(status: Int, headers: HTTPFields = [:], body: ResponseBody = ResponseBody(bytes: [])) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The bytes of a response, as an asynchronous sequence of buffers.
public struct ResponseBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    /// Produces the next buffer, or `nil` at the end.
    public typealias Next = @Sendable () async throws -> ByteBuffer?

    private let makeNext: @Sendable () -> Next

    /// A body whose buffers come from a factory of `next` functions (one per iteration).
    public init(makeNext: @escaping @Sendable () -> Next) { self.makeNext = makeNext }

    /// A body held in memory.
    public init(bytes: [UInt8]) {
        self.makeNext = {
            let box = OnceBox(ByteBuffer(bytes: bytes))
            return { box.take() }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let next: Next
        public mutating func next() async throws -> ByteBuffer? { try await next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(next: makeNext()) }

    /// Reads the whole body, refusing more than `limit` bytes.
    /// - Throws: `RegistryError.invalidResponse` when the body is larger than `limit`.
    public func collect(upTo limit: Int, url: URL) async throws -> [UInt8] {
        var result = [UInt8]()
        for try await buffer in self {
            guard result.count + buffer.readableBytes <= limit else {
                throw RegistryError.invalidResponse(url: url.redactedString, reason: "body larger than \(limit) bytes")
            }
            result.append(contentsOf: buffer.readableBytesView)
        }
        return result
    }
}

/// Hands out one value once; `nil` afterwards.
private final class OnceBox: @unchecked Sendable {
    // @unchecked: `lock` guards `value`.
    private let lock = NSLock()
    private var value: ByteBuffer?
    init(_ value: ByteBuffer) { self.value = value.readableBytes > 0 ? value : nil }
    func take() -> ByteBuffer? {
        lock.lock()
        defer { lock.unlock() }
        let result = value
        value = nil
        return result
    }
}

/// What sends HTTP requests for the registry client: AsyncHTTPClient in production, a scripted fake in
/// unit tests.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns as soon as the response head arrives.
    /// - Parameters:
    ///   - request: the request; its body is produced from the store while sending.
    ///   - timeout: the longest the whole exchange may take, body included.
    /// - Throws: `RegistryError.transport` when no response arrives.
    func send(_ request: HTTPRequest, timeout: Duration) async throws -> HTTPResponse

    /// Releases connections. Called once, when the client is done.
    func shutdown() async throws
}

extension URL {
    /// The URL without user information or query, safe for messages.
    var redactedString: String {
        guard var components = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return "<url>" }
        components.user = nil
        components.password = nil
        components.query = nil
        return components.string ?? "<url>"
    }
}
