// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import Testing

@Suite("moby/patternmatcher conformance")
struct IgnoreConformanceTests {
    private func rows(_ name: String) throws -> [[String]] {
        try Corpus.text("dockerignore", name).split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
    }

    private func outcome(patterns: [String], path: String, api: String) -> String {
        do {
            if api == "Matches" { return String(try IgnoreMatcher.matches(path, patterns: patterns)) }
            return String(try IgnoreMatcher(patterns: patterns).isExcluded(path))
        } catch {
            return "error"
        }
    }

    @Test("cases.tsv (non-Windows rows)")
    func singlePatterns() throws {
        var count = 0
        for fields in try rows("cases.tsv") {
            try #require(fields.count >= 5)
            guard fields[4] != "windows" else { continue }
            count += 1
            #expect(
                outcome(patterns: [fields[0]], path: fields[1], api: fields[3]) == fields[2],
                "pattern \(fields[0]) path \(fields[1]) api \(fields[3])")
        }
        print("dockerignore/cases.tsv: \(count) cases")
        #expect(count >= 120)
    }

    @Test("multi-pattern-cases.tsv")
    func multiplePatterns() throws {
        var count = 0
        for fields in try rows("multi-pattern-cases.tsv") {
            try #require(fields.count >= 5)
            guard fields[4] != "windows" else { continue }
            let patterns = try #require(try JSONSerialization.jsonObject(with: Data(fields[0].utf8)) as? [String])
            count += 1
            #expect(
                outcome(patterns: patterns, path: fields[1], api: fields[3]) == fields[2],
                "patterns \(fields[0]) path \(fields[1]) api \(fields[3])")
        }
        print("dockerignore/multi-pattern-cases.tsv: \(count) cases")
        #expect(count >= 16)
    }

    @Test("readall")
    func readAll() throws {
        let input = try Corpus.text("dockerignore", "readall", "input.dockerignore")
        let expected = try Corpus.text("dockerignore", "readall", "expected-patterns.txt")
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let wanted = expected.last == "" ? Array(expected.dropLast()) : expected
        let patterns = IgnoreFile.patterns(in: input)
        print("dockerignore/readall: 1 case (\(wanted.count) patterns)")
        #expect(patterns == wanted)
        #expect(wanted.count >= 6)
    }

    @Test("the Dockerfile-specific ignore file comes first")
    func candidates() {
        #expect(
            IgnoreFile.candidates(dockerfilePath: "ctx/build/app.Dockerfile", contextDirectory: "ctx") == [
                "ctx/build/app.Dockerfile.dockerignore", "ctx/.dockerignore",
            ])
        #expect(IgnoreFile.candidates(dockerfilePath: nil, contextDirectory: "/src/") == ["/src/.dockerignore"])
    }
}
