// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import Testing

@Suite("BuildKit shell lexer conformance")
struct ShellLexerConformanceTests {
    @Test("envVarTest (rows A and U)")
    func envVarTest() throws {
        let environment = ["PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""]
        let lexer = ShellLexer(escapeCharacter: "\\")
        var count = 0
        for rawLine in try Corpus.text("shell-lexer", "envVarTest").split(
            separator: "\n", omittingEmptySubsequences: false)
        {
            if rawLine.hasPrefix("#") { continue }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            try #require(fields.count == 3, "line \(line)")
            guard fields[0] == "A" || fields[0] == "U" else {
                try #require(fields[0] == "W", "platform tag in \(line)")
                continue
            }
            count += 1
            let result: String
            do {
                result = try lexer.processWord(fields[1], environment: environment)
            } catch {
                result = "error"
            }
            #expect(result == fields[2], "input \(fields[1])")
        }
        print("shell-lexer/envVarTest: \(count) cases")
        #expect(count >= 200)
    }

    @Test("wordsTest")
    func wordsTest() throws {
        var environment: [String: String] = [:]
        let lexer = ShellLexer(escapeCharacter: "\\")
        var count = 0
        for rawLine in try Corpus.text("shell-lexer", "wordsTest").split(separator: "\n") {
            if rawLine.hasPrefix("#") { continue }
            if rawLine.hasPrefix("ENV ") {
                let entry = rawLine.dropFirst(3).drop(while: { $0 == " " })
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                environment[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
                continue
            }
            let parts = rawLine.split(separator: "|", omittingEmptySubsequences: false)
            try #require(parts.count == 2, "line \(rawLine)")
            let input = parts[0].trimmingCharacters(in: .whitespaces)
            let expected = parts[1].drop(while: { $0 == " " }).split(separator: ",", omittingEmptySubsequences: false)
                .map(String.init)
            count += 1
            let words: [String]
            do {
                words = try lexer.processWords(input, environment: environment)
            } catch {
                words = ["error"]
            }
            #expect(words == expected, "input \(input)")
        }
        print("shell-lexer/wordsTest: \(count) cases")
        #expect(count >= 20)
    }

    @Test("process-with-matches.json")
    func processWithMatches() throws {
        let root = try #require(try Corpus.json("shell-lexer", "process-with-matches.json") as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        let extra = try #require(root["extra_cases"] as? [[String: Any]])
        let lexer = ShellLexer(escapeCharacter: "\\")
        for item in cases {
            let input = try #require(item["input"] as? String)
            let environment = (item["env"] as? [String: String]) ?? [:]
            let expectError = (item["expect_error"] as? Bool) ?? false
            do {
                let expansion = try lexer.expand(input, environment: environment)
                #expect(!expectError, "input \(input) should fail")
                if expectError { continue }
                #expect(expansion.result == item["expected"] as? String, "input \(input)")
                #expect(expansion.matched == Set(item["matched"] as? [String] ?? []), "matched for \(input)")
                #expect(expansion.unmatched == Set(item["unmatched"] as? [String] ?? []), "unmatched for \(input)")
            } catch {
                #expect(expectError, "input \(input): \(error)")
            }
        }
        for item in extra {
            let input = try #require(item["input"] as? String)
            let environment = (item["env"] as? [String: String]) ?? [:]
            do {
                let result = try lexer.processWord(input, environment: environment)
                #expect(item["expect_error"] as? Bool == false, "input \(input) should fail")
                #expect(result == item["expected"] as? String, "input \(input)")
            } catch {
                #expect(item["expect_error"] as? Bool == true, "input \(input): \(error)")
                if let needle = item["error_contains"] as? String {
                    #expect(error.description.contains(needle), "error for \(input): \(error)")
                }
            }
        }
        print("shell-lexer/process-with-matches.json: \(cases.count) cases + \(extra.count) extra cases")
        #expect(cases.count >= 45)
        #expect(extra.count >= 9)
    }
}
