// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Testing

@Suite("JSON writer")
struct JSONWriterTests {
    @Test("escaping, sorted dictionaries, null and nesting")
    func compact() {
        let value: [String: [String?]] = ["b": ["x\"y\\z\n\u{01}/é", nil], "a": []]
        let text = String(decoding: JSONWriter.document(value), as: UTF8.self)
        #expect(text == "{\"a\":[],\"b\":[\"x\\\"y\\\\z\\n\\u0001/é\",null]}\n")
    }

    @Test("pretty output")
    func pretty() {
        let text = String(decoding: JSONWriter.document(["k": [1, 2]], pretty: true), as: UTF8.self)
        #expect(text == "{\n  \"k\": [\n    1,\n    2\n  ]\n}\n")
    }

    @Test("a typed file round-trips through the writer as valid, stable JSON")
    func typedFile() throws {
        let file = try Dockerfile.parse("FROM a AS b\nRUN --mount=type=cache,target=/c x\nCOPY --from=b a /b\n")
        let typed = try file.typed()
        let first = JSONWriter.document(typed)
        #expect(first == JSONWriter.document(typed))
        #expect(
            String(decoding: first, as: UTF8.self).hasPrefix("{\"escapeCharacter\":\"\\\\\",\"file\":\"Dockerfile\""))
    }
}
