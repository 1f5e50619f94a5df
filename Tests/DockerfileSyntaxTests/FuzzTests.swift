// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import Testing

/// SplitMix64: a small, seeded generator so every run sees the same inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Feeds hostile input through every stage of the front end: each input must end in a value or a
/// `DockerfileError`, quickly. Typed throws make "a typed error" a compile-time guarantee; this test
/// is about crashes (traps, stack overflows) and hangs.
@Suite("Fuzzing the front end")
struct FuzzTests {
    /// Generous for a debug build sharing two cores with other tests; a hang or a quadratic path
    /// on a one-megabyte input takes minutes.
    static let perInputLimit = Duration.seconds(5)
    static let interesting: [UInt8] = Array("\\`\n\r\t \"'$${}[]<<-#=:,/*?!.0123456789".utf8)

    /// Parses, types, plans and expands; returns how far it got.
    @discardableResult
    static func exercise(_ text: String) -> String {
        let file: Dockerfile
        do {
            file = try Dockerfile.parse(text)
        } catch {
            return "parse error: \(error.message.prefix(40))"
        }
        _ = file.dump()
        do {
            let typed = try file.typed()
            let options = BuildOptions(buildArguments: ["A": "1"])
            let plan = try typed.plan(options)
            for index in plan.requiredStages {
                var scope = plan.scope(forStage: index, baseEnvironment: [KeyValue(key: "PATH", value: "/bin")])
                for instruction in typed.stages[index].instructions {
                    _ = try scope.apply(instruction)
                }
            }
            return "ok"
        } catch {
            _ = DiagnosticRenderer.render(error, source: text)
            return "error"
        }
    }

    static func timed(_ label: String, _ text: String) {
        let clock = ContinuousClock()
        let elapsed = clock.measure { exercise(text) }
        if ProcessInfo.processInfo.environment["HOIST_FUZZ_TIMES"] != nil { print("fuzz-time \(label): \(elapsed)") }
        #expect(elapsed < perInputLimit, "\(label) took \(elapsed)")
    }

    static func corpus() throws -> [String] {
        var texts: [String] = []
        for name in try Corpus.directories("dockerfile-parser") {
            texts.append(try Corpus.text("dockerfile-parser", name, "Dockerfile"))
        }
        texts.append(try Corpus.text("dockerfile-heredoc", "Dockerfile"))
        return texts
    }

    static func mutate(_ text: String, _ random: inout SeededGenerator) -> String {
        var bytes = Array(text.utf8)
        let edits = Int.random(in: 1...8, using: &random)
        for _ in 0..<edits {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty:
                bytes[position] = interesting.randomElement(using: &random) ?? 0
            case 1:
                bytes.insert(interesting.randomElement(using: &random) ?? 0, at: position)
            case 2 where !bytes.isEmpty:
                bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &random)))
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...64, using: &random))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("mutated and truncated corpus files")
    func mutatedCorpus() throws {
        var random = SeededGenerator(state: 0x486F_6973_74)
        let texts = try Self.corpus()
        var count = 0
        for text in texts {
            for _ in 0..<40 {
                Self.timed("mutation", Self.mutate(text, &random))
                count += 1
            }
            let bytes = Array(text.utf8)
            for _ in 0..<5 where !bytes.isEmpty {
                let cut = Int.random(in: 0..<bytes.count, using: &random)
                Self.timed("truncation", String(decoding: bytes[..<cut], as: UTF8.self))
                count += 1
            }
        }
        print("fuzz: \(count) mutated or truncated corpus inputs")
        #expect(count >= 1000)
    }

    @Test("random bytes")
    func randomBytes() {
        var random = SeededGenerator(state: 42)
        for _ in 0..<300 {
            let length = Int.random(in: 0...2048, using: &random)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &random)
                    ? (Self.interesting.randomElement(using: &random) ?? 0) : UInt8.random(in: 0...255, using: &random)
            }
            Self.timed("random bytes", "FROM a\n" + String(decoding: bytes, as: UTF8.self))
            Self.timed("random bytes", String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test("one-megabyte lines")
    func hugeLines() {
        let megabyte = 1 << 20
        let inputs: [(String, String)] = [
            ("run", "FROM a\nRUN " + String(repeating: "a", count: megabyte) + "\n"),
            ("env", "FROM a\nENV " + String(repeating: "k=v ", count: megabyte / 4) + "\n"),
            ("label quotes", "FROM a\nLABEL " + String(repeating: "a=\"b c\" ", count: megabyte / 8) + "\n"),
            ("copy words", "FROM a\nCOPY " + String(repeating: "src ", count: megabyte / 4) + "/dst\n"),
            ("json", "FROM a\nCMD [" + String(repeating: "\"x\",", count: megabyte / 4) + "\"y\"]\n"),
            ("dollars", "FROM a\nWORKDIR " + String(repeating: "${", count: megabyte / 2) + "\n"),
            ("flags", "FROM a\nCOPY " + String(repeating: "--link ", count: megabyte / 7) + "a b\n"),
            ("heredocs", "FROM a\nRUN " + String(repeating: "<<A ", count: megabyte / 4) + "\nA\n"),
            ("arg", "FROM a\nARG " + String(repeating: "x", count: megabyte) + "=$A\n"),
            ("unknown", String(repeating: "Z", count: megabyte)),
        ]
        for (label, text) in inputs { Self.timed(label, text) }
        print("fuzz: \(inputs.count) one-megabyte inputs")
    }

    @Test("ten-thousand-level nesting")
    func deepNesting() {
        let depth = 10_000
        let inputs: [(String, String)] = [
            ("continuations", "FROM a\nRUN " + String(repeating: "echo \\\n", count: depth) + "done\n"),
            ("continuations with comments", "FROM a\nRUN " + String(repeating: "x \\\n# c\n\n", count: depth) + "y\n"),
            ("onbuild", "FROM a\n" + String(repeating: "ONBUILD ", count: depth) + "RUN x\n"),
            (
                "json",
                "FROM a\nCMD " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
            ),
            (
                "braces",
                "FROM a\nWORKDIR " + String(repeating: "${A:-", count: depth) + String(repeating: "}", count: depth)
                    + "\n"
            ),
            ("quotes", "FROM a\nENV A=" + String(repeating: "\"$A'", count: depth) + "\n"),
            ("stages", String(repeating: "FROM a AS s\nFROM s\n", count: depth / 2)),
            (
                "stage chain",
                "FROM a AS s0\n"
                    + (1..<2000).map { "FROM s\($0 - 1) AS s\($0)\nCOPY --from=s\($0 - 1) /a /a\n" }.joined()
            ),
        ]
        for (label, text) in inputs { Self.timed(label, text) }
        print("fuzz: \(inputs.count) deeply nested inputs")
    }
}
