// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
///
/// See [RFC 7235 §4.1](https://www.rfc-editor.org/rfc/rfc7235#section-4.1) and the
/// [token authentication spec](https://distribution.github.io/distribution/spec/auth/token/).
public struct AuthChallenge: Sendable, Equatable {
    /// The scheme, lowercased: `basic` or `bearer`.
    public var scheme: String
    /// The auth parameters, keys lowercased.
    public var parameters: [String: String]

    public init(scheme: String, parameters: [String: String] = [:]) {
        self.scheme = scheme.lowercased()
        self.parameters = parameters
    }

    /// The scopes a Bearer challenge asks for (space-separated in one `scope` parameter).
    public var scopes: [Scope] {
        (parameters["scope"] ?? "").split(separator: " ").compactMap { Scope(parsing: String($0)) }
    }

    /// Parses every challenge of a header value. Unknown schemes are kept; malformed text yields what parsed.
    public static func parse(_ header: String) -> [AuthChallenge] {
        var challenges: [AuthChallenge] = []
        var scanner = Scanner(Array(header.utf8))
        while true {
            scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") }
            guard let scheme = scanner.token(), !scheme.isEmpty else { break }
            var challenge = AuthChallenge(scheme: scheme)
            while true {
                let mark = scanner.position
                scanner.skip { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: ",") }
                guard let key = scanner.token(), !key.isEmpty else { break }
                scanner.skip { $0 == UInt8(ascii: " ") }
                guard scanner.consume(UInt8(ascii: "=")) else {
                    // Not a parameter: the start of the next challenge.
                    scanner.position = mark
                    break
                }
                scanner.skip { $0 == UInt8(ascii: " ") }
                let value = scanner.quotedString() ?? scanner.token() ?? ""
                challenge.parameters[key.lowercased()] = value
            }
            challenges.append(challenge)
        }
        return challenges
    }
}

private struct Scanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func skip(while predicate: (UInt8) -> Bool) {
        while position < bytes.count, predicate(bytes[position]) { position += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// An RFC 7230 token (also accepting `/` and `:` so unquoted realms survive).
    mutating func token() -> String? {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "=")
                || byte == UInt8(ascii: "\"")
            {
                break
            }
            position += 1
        }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    mutating func quotedString() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var result: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "\\"), position < bytes.count {
                result.append(bytes[position])
                position += 1
            } else if byte == UInt8(ascii: "\"") {
                break
            } else {
                result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
