// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP proxy in front of a registry that injects faults on a schedule.
///
/// It reads each request head and body from the client before forwarding it (as buffering front
/// proxies such as nginx do), so a request cut off by an injected reset never reaches the registry.
/// Responses are relayed byte for byte, optionally with one body byte flipped.
public final class RegistryFaultProxy: @unchecked Sendable {
    // @unchecked: `lock` guards `rules`, `counters`, `log`, `connections` and `isStopped`.

    /// What to do to a request.
    public enum Fault: Sendable {
        /// Answer with this status (and `Retry-After: 1` for 429/503) without asking the registry.
        case respond(Int)
        /// Take this many body bytes from the client, then reset both connections.
        case resetAfterBodyBytes(Int)
        /// Wait this long before forwarding.
        case stall(seconds: Double)
        /// Forward, but flip one byte of the response body.
        case corruptResponseBody
    }

    /// Applies `fault` to the `occurrence`-th request (from 1) whose method and path match.
    public struct Rule: Sendable {
        public var method: String?
        public var pathContains: String?
        public var occurrence: Int
        public var fault: Fault
        public init(method: String? = nil, pathContains: String? = nil, occurrence: Int = 1, fault: Fault) {
            self.method = method
            self.pathContains = pathContains
            self.occurrence = occurrence
            self.fault = fault
        }
    }

    /// The proxy's port on 127.0.0.1.
    public let port: Int
    /// `127.0.0.1:PORT`.
    public var address: String { "127.0.0.1:\(port)" }
    private let upstreamPort: Int
    private let listenFD: Int32
    private let lock = NSLock()
    private var rules: [(rule: Rule, seen: Int)] = []
    private var uploadBytes = 0
    private var faultsApplied = 0
    private var requestLog: [String] = []
    private var connections: Set<Int32> = []
    private var isStopped = false
    private let finished = DispatchGroup()

    /// Starts a proxy to 127.0.0.1:`upstreamPort`.
    public init(upstreamPort: Int, rules: [Rule] = []) throws {
        self.upstreamPort = upstreamPort
        (listenFD, port) = try RegistrySockets.listenLoopback()
        self.rules = rules.map { ($0, 0) }
        finished.enter()
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Replaces the schedule.
    public func setRules(_ rules: [Rule]) {
        lock.lock()
        self.rules = rules.map { ($0, 0) }
        lock.unlock()
    }

    /// Body bytes received from the client in `PATCH` and `PUT` requests, forwarded or not.
    public var uploadedBodyBytes: Int { locked { uploadBytes } }
    /// How many faults were injected.
    public var injectedFaults: Int { locked { faultsApplied } }
    /// `METHOD path` of every request seen.
    public var requests: [String] { locked { requestLog } }

    /// Resets the counters.
    public func resetCounters() {
        locked {
            uploadBytes = 0
            faultsApplied = 0
            requestLog = []
        }
    }

    /// Stops accepting and closes every connection.
    public func stop() {
        let open: Set<Int32> = locked {
            guard !isStopped else { return [] }
            isStopped = true
            return connections
        }
        shutdown(listenFD, Int32(SHUT_RDWR))
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func acceptLoop() {
        defer {
            close(listenFD)
            finished.leave()
        }
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            if locked({ isStopped }) {
                close(client)
                return
            }
            guard let upstream = try? RegistrySockets.connectLoopback(port: upstreamPort) else {
                close(client)
                continue
            }
            locked {
                connections.insert(client)
                connections.insert(upstream)
            }
            let connection = ProxyConnection(client: client, upstream: upstream, proxy: self)
            Thread { connection.relayResponses() }.start()
            Thread { connection.relayRequests() }.start()
        }
    }

    fileprivate func fault(for head: RegistryRequestHead) -> Fault? {
        locked {
            requestLog.append("\(head.method) \(head.target)")
            for index in rules.indices {
                let rule = rules[index].rule
                if let method = rule.method, method != head.method { continue }
                if let path = rule.pathContains, !head.target.contains(path) { continue }
                rules[index].seen += 1
                if rules[index].seen == rule.occurrence {
                    faultsApplied += 1
                    return rule.fault
                }
            }
            return nil
        }
    }

    fileprivate func countUpload(_ count: Int) { locked { uploadBytes += count } }

    fileprivate func forget(_ fds: [Int32]) { locked { for fd in fds { connections.remove(fd) } } }
}

/// One client connection and its upstream connection.
private final class ProxyConnection: @unchecked Sendable {
    // @unchecked: `lock` guards `corruptNext` and `closed`; each socket direction has one thread.
    let client: Int32
    let upstream: Int32
    weak var proxy: RegistryFaultProxy?
    private let lock = NSLock()
    private var corruptNext = false
    private var closed = false

    init(client: Int32, upstream: Int32, proxy: RegistryFaultProxy) {
        self.client = client
        self.upstream = upstream
        self.proxy = proxy
    }

    func relayRequests() {
        let reader = RegistryHTTPReader(fd: client)
        if reader.peek() == 0x16 {
            // A TLS handshake (a client probing for https): relay it untouched.
            var bytes = reader.takeBuffered()
            while !bytes.isEmpty, RegistrySockets.write(upstream, bytes) { bytes = RegistrySockets.read(client) }
            terminate(reset: false)
            return
        }
        while let headBytes = reader.readHead(), let head = RegistryRequestHead(headBytes) {
            let isUpload = head.method == "PATCH" || head.method == "PUT"
            let fault = proxy?.fault(for: head)
            if case .resetAfterBodyBytes(let limit)? = fault {
                let got = reader.readBody(count: min(limit, head.contentLength)) { _ in true }
                if isUpload { proxy?.countUpload(got) }
                terminate(reset: true)
                return
            }
            var body: [UInt8] = []
            body.reserveCapacity(head.contentLength)
            let got = reader.readBody(count: head.contentLength) { piece in
                body += piece
                return true
            }
            if isUpload { proxy?.countUpload(got) }
            guard got == head.contentLength else { break }
            switch fault {
            case .respond(let status)?:
                let retryAfter = status == 429 || status == 503 ? "Retry-After: 1\r\n" : ""
                let response =
                    "HTTP/1.1 \(status) Injected\r\n\(retryAfter)Content-Length: 0\r\nConnection: close\r\n\r\n"
                RegistrySockets.write(client, Array(response.utf8))
                terminate(reset: false)
                return
            case .stall(let seconds)?:
                Thread.sleep(forTimeInterval: seconds)
            case .corruptResponseBody?:
                lock.lock()
                corruptNext = true
                lock.unlock()
            default:
                break
            }
            guard RegistrySockets.write(upstream, headBytes), RegistrySockets.write(upstream, body) else { break }
        }
        terminate(reset: false)
    }

    func relayResponses() {
        var pendingHead: [UInt8] = []
        while true {
            var bytes = RegistrySockets.read(upstream)
            if bytes.isEmpty { break }
            lock.lock()
            if corruptNext {
                pendingHead += bytes
                if let end = RegistryHTTPReader.find([13, 10, 13, 10], in: pendingHead) {
                    let bodyStart = end + 4 - (pendingHead.count - bytes.count)
                    if bodyStart >= 0, bodyStart < bytes.count {
                        bytes[bodyStart] ^= 0xff
                        corruptNext = false
                        pendingHead = []
                    }
                }
            }
            lock.unlock()
            if !RegistrySockets.write(client, bytes) { break }
        }
        terminate(reset: false)
    }

    private func terminate(reset: Bool) {
        lock.lock()
        let already = closed
        closed = true
        lock.unlock()
        if already { return }
        proxy?.forget([client, upstream])
        if reset {
            // The client sees a reset; the upstream side is shut down first so its reader thread wakes.
            RegistrySockets.reset(client)
            shutdown(upstream, Int32(SHUT_RDWR))
            close(upstream)
        } else {
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(upstream, Int32(SHUT_RDWR))
            close(client)
            close(upstream)
        }
    }
}
