// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Testing

@Suite("BuildKit parser conformance")
struct ParserConformanceTests {
    @Test("every dockerfile-parser case dumps byte for byte")
    func positiveCases() throws {
        let cases = try Corpus.directories("dockerfile-parser")
        print("dockerfile-parser: \(cases.count) cases")
        #expect(cases.count >= 25)
        for name in cases {
            let source = try Corpus.text("dockerfile-parser", name, "Dockerfile")
            let expected = try Corpus.text("dockerfile-parser", name, "result")
            let parsed = try Dockerfile.parse(source)
            #expect(parsed.dump() == expected, "case \(name)")
        }
    }

    @Test("every dockerfile-parser-negative case is an error")
    func negativeCases() throws {
        let cases = try Corpus.directories("dockerfile-parser-negative")
        print("dockerfile-parser-negative: \(cases.count) cases")
        #expect(cases.count >= 4)
        for name in cases {
            let source = try Corpus.text("dockerfile-parser-negative", name, "Dockerfile")
            #expect(throws: DockerfileError.self, "case \(name)") { try Dockerfile.parse(source) }
        }
    }
}
