// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import OCIImage

/// The production transport: AsyncHTTPClient on the shared event loop group.
///
/// Redirects are not followed here: the registry client follows them itself so it can drop the
/// `Authorization` header when a blob is redirected to another host (object storage).
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient

    /// Creates a transport.
    /// - Parameters:
    ///   - tls: the TLS configuration for `https` URLs (trust roots, client certificate, verification).
    ///   - idleTimeout: how long a connection may stay silent while a response is awaited or read.
    ///   - connectTimeout: how long establishing a connection may take.
    public init(
        tls: TLSConfiguration = .makeClientConfiguration(), idleTimeout: Duration = .seconds(120),
        connectTimeout: Duration = .seconds(10)
    ) {
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: Self.timeAmount(connectTimeout), read: Self.timeAmount(idleTimeout)))
        configuration.httpVersion = .automatic
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func send(_ request: HTTPRequest, timeout: Duration) async throws -> HTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for field in request.headers { outgoing.headers.add(name: field.name, value: field.value) }
        switch request.body {
        case .none:
            break
        case .bytes(let bytes):
            outgoing.body = .bytes(ByteBuffer(bytes: bytes))
        case .blob(let store, let digest, let offset, let length):
            let source = BlobByteSequence(store: store, digest: digest, offset: offset, length: length)
            return try await sendStreaming(request, body: source, timeout: timeout)
        }
        let seconds = max(1, Int64(timeout.components.seconds))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, timeout: .seconds(seconds))
        } catch {
            throw Self.transportError(error, request: request)
        }
        var headers = HTTPFields()
        for (name, value) in response.headers { headers.add(name, value) }
        let box = IteratorBox(response.body)
        let method = request.method
        let url = request.url
        return HTTPResponse(
            status: Int(response.status.code), headers: headers,
            body: ResponseBody {
                {
                    do {
                        return try await box.next()
                    } catch {
                        throw Self.transportError(error, method: method, url: url)
                    }
                }
            })
    }

    public func shutdown() async throws { try await client.shutdown() }

    /// Sends a blob body with backpressure: the next piece is read from the store only once the one before
    /// the last has gone to the socket, so at most two pieces per upload are in memory. (The async API's
    /// body sequence is read ahead of the event loop and can buffer a whole chunk.) Upload answers are small
    /// and collected whole.
    private func sendStreaming(_ request: HTTPRequest, body source: BlobByteSequence, timeout: Duration) async throws
        -> HTTPResponse
    {
        var headers = HTTPHeaders()
        for field in request.headers { headers.add(name: field.name, value: field.value) }
        let eventLoop = client.eventLoopGroup.next()
        let body = HTTPClient.Body.stream(contentLength: source.length) { writer in
            let promise = eventLoop.makePromise(of: Void.self)
            promise.completeWithTask {
                var iterator = source.makeAsyncIterator()
                var previous: EventLoopFuture<Void>?
                while let buffer = try await iterator.next() {
                    let written = writer.write(.byteBuffer(buffer))
                    if let previous { try await previous.get() }
                    previous = written
                }
                if let previous { try await previous.get() }
            }
            return promise.futureResult
        }
        do {
            let outgoing = try HTTPClient.Request(
                url: request.url.absoluteString, method: HTTPMethod(rawValue: request.method), headers: headers,
                body: body)
            let response = try await client.execute(request: outgoing, deadline: .now() + Self.timeAmount(timeout))
                .get()
            var fields = HTTPFields()
            for (name, value) in response.headers { fields.add(name, value) }
            let bytes = response.body.map { Array($0.readableBytesView) } ?? []
            return HTTPResponse(status: Int(response.status.code), headers: fields, body: ResponseBody(bytes: bytes))
        } catch {
            throw Self.transportError(error, request: request)
        }
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .milliseconds(max(100, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }

    static func transportError(_ error: any Error, request: HTTPRequest) -> any Error {
        transportError(error, method: request.method, url: request.url)
    }

    static func transportError(_ error: any Error, method: String, url: URL) -> any Error {
        if error is CancellationError || error is RegistryError || error is OCIImageError { return error }
        // Certificate and protocol failures will not heal on retry; everything else (resets, timeouts,
        // refused connections, early EOF) might.
        let isTLS = error is NIOSSLError || error is BoringSSLError
        var reason = String(describing: error)
        if let httpError = error as? HTTPClientError { reason = httpError.shortDescription }
        if case NIOSSLError.uncleanShutdown? = error as? NIOSSLError {
            return RegistryError.transport(method: method, url: url.redactedString, reason: reason, isRetryable: true)
        }
        return RegistryError.transport(method: method, url: url.redactedString, reason: reason, isRetryable: !isTLS)
    }
}

extension HTTPClientError {
    fileprivate var shortDescription: String {
        switch self {
        case .remoteConnectionClosed: "the connection was closed by the server"
        case .readTimeout: "read timed out"
        case .connectTimeout: "connect timed out"
        case .deadlineExceeded: "request timed out"
        case .cancelled: "request cancelled"
        default: String(describing: self).lowercased()
        }
    }
}

/// Owns the one iterator AsyncHTTPClient allows per response body, created on first use, so reading a
/// body twice (say, draining it and then decoding an error from it) yields the rest, not a crash.
private final class IteratorBox: @unchecked Sendable {
    // @unchecked: a response body is read by one task at a time (the contract of `ResponseBody`);
    // `lock` guards the lazy creation.
    private let lock = NSLock()
    private let body: HTTPClientResponse.Body
    private var iterator: HTTPClientResponse.Body.AsyncIterator?
    init(_ body: HTTPClientResponse.Body) { self.body = body }
    func next() async throws -> ByteBuffer? {
        let current = lock.withLock {
            if iterator == nil { iterator = body.makeAsyncIterator() }
            return iterator
        }
        guard var current else { return nil }
        let value = try await current.next()
        lock.withLock { iterator = current }
        return value
    }
}

/// Streams a range of a stored blob as buffers, reading the next chunk only when the client asks for it.
struct BlobByteSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let store: any ContentStore
    let digest: Digest
    let offset: Int64
    let length: Int64
    static let chunkSize = 256 * 1024

    struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: BlobByteSequence
        var reader: BlobReader?
        var remaining: Int64

        mutating func next() async throws -> ByteBuffer? {
            guard remaining > 0 else { return nil }
            try Task.checkCancellation()
            if reader == nil { reader = try sequence.store.openBlob(sequence.digest, offset: sequence.offset) }
            guard let reader else { return nil }
            let wanted = Int(Swift.min(Int64(BlobByteSequence.chunkSize), remaining))
            var buffer = ByteBuffer()
            buffer.reserveCapacity(wanted)
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer in
                try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: pointer[..<wanted]))
            }
            guard count > 0 else {
                throw RegistryError.store(
                    underlying: .sizeMismatch(
                        digest: sequence.digest, expected: sequence.offset + sequence.length,
                        actual: sequence.offset + sequence.length - remaining))
            }
            remaining -= Int64(count)
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self, reader: nil, remaining: length) }
}
