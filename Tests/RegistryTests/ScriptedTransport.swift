// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import Registry

/// An `HTTPTransport` that plays back scripted exchanges in order and records what was sent.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    // @unchecked: `lock` guards `script` and `sent`.

    struct Exchange {
        var method: String
        var pathContains: String
        var status: Int
        var headers: HTTPFields
        var body: [UInt8]
        /// A transport failure instead of a response.
        var fails: Bool
    }

    struct Sent {
        var method: String
        var url: URL
        var headers: HTTPFields
        var body: [UInt8]
    }

    private let lock = NSLock()
    private var script: [Exchange]
    private(set) var sentRequests: [Sent] = []

    init(_ script: [Exchange]) { self.script = script }

    var sent: [Sent] {
        lock.lock()
        defer { lock.unlock() }
        return sentRequests
    }

    var remaining: Int {
        lock.lock()
        defer { lock.unlock() }
        return script.count
    }

    func send(_ request: HTTPRequest, timeout: Duration) async throws -> HTTPResponse {
        let body = try request.body?.collect() ?? []
        let sent = Sent(method: request.method, url: request.url, headers: request.headers, body: body)
        guard let next = record(sent) else {
            throw RegistryError.invalidResponse(url: request.url.absoluteString, reason: "unscripted \(request.method)")
        }
        guard next.method == request.method, request.url.absoluteString.contains(next.pathContains) else {
            throw RegistryError.invalidResponse(
                url: request.url.absoluteString,
                reason: "expected \(next.method) …\(next.pathContains), got \(request.method)")
        }
        if next.fails {
            throw RegistryError.transport(
                method: request.method, url: request.url.absoluteString, reason: "connection reset by peer",
                isRetryable: true)
        }
        return HTTPResponse(status: next.status, headers: next.headers, body: ResponseBody(bytes: next.body))
    }

    func shutdown() async throws {}

    private func record(_ sent: Sent) -> Exchange? {
        lock.withLock {
            sentRequests.append(sent)
            return script.isEmpty ? nil : script.removeFirst()
        }
    }
}

extension ScriptedTransport.Exchange {
    static func respond(
        _ method: String, _ path: String, _ status: Int, headers: HTTPFields = [:], body: String = ""
    ) -> Self {
        Self(method: method, pathContains: path, status: status, headers: headers, body: Array(body.utf8), fails: false)
    }

    static func respond(_ method: String, _ path: String, _ status: Int, headers: HTTPFields = [:], bytes: [UInt8])
        -> Self
    {
        Self(method: method, pathContains: path, status: status, headers: headers, body: bytes, fails: false)
    }

    static func fail(_ method: String, _ path: String) -> Self {
        Self(method: method, pathContains: path, status: 0, headers: [:], body: [], fails: true)
    }
}
