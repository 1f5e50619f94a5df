// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Foundation
import Testing

@Suite("BuildKit heredoc conformance")
struct HeredocConformanceTests {
    @Test("heredocs extracted from the test Dockerfile")
    func extractsHeredocs() throws {
        let source = try Corpus.text("dockerfile-heredoc", "Dockerfile")
        let root = try #require(try Corpus.json("dockerfile-heredoc", "expected-heredocs.json") as? [String: Any])
        let expected = try #require(root["expected"] as? [[String: Any]])
        let file = try Dockerfile.parse(source)
        print("dockerfile-heredoc/expected-heredocs.json: \(expected.count) cases")
        #expect(expected.count >= 27)
        #expect(file.nodes.count == expected.count + 1)
        for (index, entry) in expected.enumerated() where index + 1 < file.nodes.count {
            let node = file.nodes[index + 1]
            let wanted = (entry["heredocs"] as? [[String: Any]]) ?? []
            let got = node.heredocs.map { heredoc in
                "\(heredoc.name)|\(heredoc.fileDescriptor)|\(heredoc.expand)|\(heredoc.chomp)|\(heredoc.content)"
            }
            let want = wanted.map { item in
                let name = item["Name"] as? String ?? "?"
                let descriptor = (item["FileDescriptor"] as? NSNumber)?.intValue ?? -1
                let expand = (item["Expand"] as? Bool) ?? false
                let chomp = (item["Chomp"] as? Bool) ?? false
                let content = item["Content"] as? String ?? "?"
                return "\(name)|\(descriptor)|\(expand)|\(chomp)|\(content)"
            }
            #expect(got == want, "entry \(index): \(entry["upstream_comment"] ?? "")")
        }
    }

    @Test("parse-heredoc-word.tsv")
    func parseHeredocWord() throws {
        let rows = try Corpus.text("dockerfile-heredoc", "parse-heredoc-word.tsv").split(
            separator: "\n", omittingEmptySubsequences: false
        ).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        print("dockerfile-heredoc/parse-heredoc-word.tsv: \(rows.count) cases")
        #expect(rows.count >= 20)
        for row in rows {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count >= 2)
            let word = fields[0]
            let expect = fields[1]
            let outcome: String
            do {
                outcome = try HeredocWord.parse(word)?.name ?? "NONE"
            } catch {
                outcome = "ERROR"
            }
            #expect(outcome == expect, "word \(word)")
        }
    }

    @Test("heredocs-from-line.tsv")
    func heredocsFromLine() throws {
        let rows = try Corpus.text("dockerfile-heredoc", "heredocs-from-line.tsv").split(separator: "\n").filter {
            !$0.hasPrefix("#")
        }
        print("dockerfile-heredoc/heredocs-from-line.tsv: \(rows.count) cases")
        #expect(rows.count >= 10)
        for row in rows {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count >= 2)
            let names = try #require(
                try JSONSerialization.jsonObject(with: Data(fields[1].utf8)) as? [String])
            let found = try HeredocWord.heredocs(inLine: fields[0]).map(\.name)
            #expect(found == names, "line \(fields[0])")
        }
    }
}
