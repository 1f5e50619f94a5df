// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A token service for the registry's `auth: token:` set-up, issuing ES256 JWTs signed with a key and
/// self-signed certificate made by `openssl` (the registry checks the `x5c` chain against that certificate).
///
/// `GET /token?service=…&scope=…` with Basic credentials, or the OAuth2 `POST` with a refresh token.
/// Users listed in `users` get every action they ask for, except what `deny` removes; anonymous
/// requests get nothing.
public final class RegistryTokenServer: @unchecked Sendable {
    // @unchecked: `lock` guards `issued`, `deny`, `isStopped`; the rest is immutable.
    public let port: Int
    /// The realm URL for the registry configuration.
    public var realm: String { "http://127.0.0.1:\(port)/token" }
    public let service = "hoist-test-registry"
    public let issuer = "hoist-test-issuer"
    /// The signer's certificate (PEM), the registry's `rootcertbundle`.
    public let certificatePath: String
    private let keyPath: String
    private let x5c: String
    private let users: [String: String]
    private let refreshTokens: [String: String]
    private let lifetime: Int
    private let listenFD: Int32
    private let lock = NSLock()
    private var issued = 0
    private var denied: Set<String> = []
    private var isStopped = false
    private let directory: TemporaryDirectory

    /// Starts the server.
    /// - Parameters:
    ///   - users: user name → password.
    ///   - refreshTokens: identity token → user name.
    ///   - lifetime: token lifetime in seconds.
    public init(users: [String: String], refreshTokens: [String: String] = [:], lifetime: Int = 300) throws {
        try Subprocess.requireTool("openssl", package: "openssl")
        directory = try TemporaryDirectory("hoist-token")
        keyPath = directory.child("signer.key")
        certificatePath = directory.child("signer.crt")
        let key = try Subprocess.run([
            "openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyPath,
        ])
        guard key.succeeded else { throw TestSupportError.setup("openssl ecparam: \(key.stderr)") }
        let cert = try Subprocess.run([
            "openssl", "req", "-new", "-x509", "-key", keyPath, "-out", certificatePath, "-days", "2", "-subj",
            "/CN=hoist-token-signer",
        ])
        guard cert.succeeded else { throw TestSupportError.setup("openssl req: \(cert.stderr)") }
        let der = try Subprocess.run(["openssl", "x509", "-in", certificatePath, "-outform", "DER"])
        guard der.succeeded else { throw TestSupportError.setup("openssl x509: \(der.stderr)") }
        x5c = der.stdoutBytes.base64EncodedString()
        self.users = users
        self.refreshTokens = refreshTokens
        self.lifetime = lifetime
        (listenFD, port) = try RegistrySockets.listenLoopback()
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// How many tokens were issued.
    public var issuedTokens: Int { locked { issued } }

    /// Refuses every action on a repository from now on.
    public func deny(repository: String) { locked { _ = denied.insert(repository) } }

    public func stop() {
        let first: Bool = locked {
            defer { isStopped = true }
            return !isStopped
        }
        if first {
            shutdown(listenFD, Int32(SHUT_RDWR))
            close(listenFD)
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            Thread { [self] in
                handle(fd)
                shutdown(fd, Int32(SHUT_RDWR))
                close(fd)
            }.start()
        }
    }

    private func handle(_ fd: Int32) {
        let reader = RegistryHTTPReader(fd: fd)
        guard let headBytes = reader.readHead(), let head = RegistryRequestHead(headBytes) else { return }
        var body: [UInt8] = []
        _ = reader.readBody(count: head.contentLength) { piece in
            body += piece
            return true
        }
        let query = URLComponents(string: head.target)?.queryItems ?? []
        var form: [URLQueryItem] = []
        if head.method == "POST" {
            form = URLComponents(string: "/?" + String(decoding: body, as: UTF8.self))?.queryItems ?? []
        }
        let items = query + form
        var user: String?
        if let authorization = head.headers["authorization"], authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).map({
                String(decoding: $0, as: UTF8.self)
            }),
            let colon = decoded.firstIndex(of: ":")
        {
            let name = String(decoded[..<colon])
            guard users[name] == String(decoded[decoded.index(after: colon)...]) else {
                return respond(fd, status: 401, body: #"{"details":"invalid credentials"}"#)
            }
            user = name
        }
        if head.method == "POST" {
            guard let refresh = items.first(where: { $0.name == "refresh_token" })?.value,
                let owner = refreshTokens[refresh]
            else {
                return respond(fd, status: 401, body: #"{"details":"invalid refresh token"}"#)
            }
            user = owner
        }
        let scopes = items.filter { $0.name == "scope" }.flatMap {
            ($0.value ?? "").split(separator: " ").map(String.init)
        }
        var access: [[String: Any]] = []
        if user != nil {
            for scope in scopes {
                let parts = scope.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[0] == "repository" else { continue }
                let name = parts[1..<(parts.count - 1)].joined(separator: ":")
                if locked({ denied.contains(name) }) { continue }
                access.append([
                    "type": "repository", "name": name,
                    "actions": parts[parts.count - 1].split(separator: ",").map(String.init),
                ])
            }
        }
        guard let token = try? makeJWT(subject: user ?? "", access: access) else {
            return respond(fd, status: 500, body: #"{"details":"signing failed"}"#)
        }
        locked { issued += 1 }
        let formatter = ISO8601DateFormatter()
        let reply: [String: Any] = [
            "token": token, "access_token": token, "expires_in": lifetime, "issued_at": formatter.string(from: Date()),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: reply)) ?? Data()
        respond(fd, status: 200, body: String(decoding: data, as: UTF8.self))
    }

    private func respond(_ fd: Int32, status: Int, body: String) {
        let text =
            "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            + body
        RegistrySockets.write(fd, Array(text.utf8))
    }

    private func makeJWT(subject: String, access: [[String: Any]]) throws -> String {
        let now = Int(Date().timeIntervalSince1970)
        let header: [String: Any] = ["typ": "JWT", "alg": "ES256", "x5c": [x5c]]
        let claims: [String: Any] = [
            "iss": issuer, "sub": subject, "aud": service, "exp": now + lifetime, "nbf": now - 5, "iat": now,
            "jti": UUID().uuidString, "access": access,
        ]
        let signingInput =
            Self.base64URL(try JSONSerialization.data(withJSONObject: header)) + "."
            + Self.base64URL(try JSONSerialization.data(withJSONObject: claims))
        let signed = try Subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", keyPath], input: Data(signingInput.utf8))
        guard signed.succeeded, let raw = Self.rawECDSASignature(fromDER: [UInt8](signed.stdoutBytes)) else {
            throw TestSupportError.setup("openssl dgst -sign failed: \(signed.stderr)")
        }
        return signingInput + "." + Self.base64URL(Data(raw))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// JWS ES256 wants `r‖s`, 32 bytes each; openssl prints `SEQUENCE { INTEGER r, INTEGER s }`.
    static func rawECDSASignature(fromDER der: [UInt8]) -> [UInt8]? {
        var index = 0
        func readLength() -> Int? {
            guard index < der.count else { return nil }
            let first = Int(der[index])
            index += 1
            if first < 0x80 { return first }
            let count = first & 0x7f
            var length = 0
            for _ in 0..<count {
                guard index < der.count else { return nil }
                length = length << 8 | Int(der[index])
                index += 1
            }
            return length
        }
        func readInteger() -> [UInt8]? {
            guard index < der.count, der[index] == 0x02 else { return nil }
            index += 1
            guard let length = readLength(), index + length <= der.count else { return nil }
            var value = Array(der[index..<(index + length)])
            index += length
            while value.count > 32, value.first == 0 { value.removeFirst() }
            guard value.count <= 32 else { return nil }
            return [UInt8](repeating: 0, count: 32 - value.count) + value
        }
        guard der.first == 0x30 else { return nil }
        index = 1
        guard readLength() != nil, let r = readInteger(), let s = readInteger() else { return nil }
        return r + s
    }
}
