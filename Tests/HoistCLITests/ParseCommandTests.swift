// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport
import Testing

@Suite("hoist parse")
struct ParseCommandTests {
    @Test("--dump prints BuildKit's dump for conformance cases")
    func dump() throws {
        var count = 0
        for name in ["flags", "json", "env", "escapes", "continueIndent", "ADD-COPY-with-JSON"] {
            let directory = TestPaths.conformance + "/dockerfile-parser/" + name
            guard FileManager.default.fileExists(atPath: directory + "/result") else { continue }
            let expected = try String(
                decoding: Data(contentsOf: URL(fileURLWithPath: directory + "/result")), as: UTF8.self)
            let result = try Subprocess.run([TestPaths.hoistBinary, "parse", "--dump", directory + "/Dockerfile"])
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdout == expected, "case \(name)")
            count += 1
        }
        print("hoist parse --dump: \(count) conformance cases")
        #expect(count >= 5)
    }

    @Test("an error is rendered on stderr with a caret and exit status 1")
    func error() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/Dockerfile"
        try Data("FROM alpine\nCOPY --chwon=app:app . /app\n".utf8).write(to: URL(fileURLWithPath: path))
        let result = try Subprocess.run([TestPaths.hoistBinary, "parse", "--json", path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(
            result.stderr == """
                \(path):2:6: error: unknown flag: --chwon (did you mean --chown?)
                 2 | COPY --chwon=app:app . /app
                   |      ^~~~~~~

                """)
        let negative = TestPaths.conformance + "/dockerfile-parser-negative/env_no_value/Dockerfile"
        let failed = try Subprocess.run([TestPaths.hoistBinary, "parse", "--dump", negative])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("error: env must have two arguments"))
    }

    @Test("--json prints typed instructions and the stage graph")
    func json() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/Dockerfile"
        let text = """
            ARG BASE=alpine
            FROM $BASE AS build
            RUN --mount=type=cache,target=/root/.cache make
            FROM scratch
            COPY --from=build /out /app

            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let result = try Subprocess.run([
            TestPaths.hoistBinary, "parse", "--json", "--build-arg", "BASE=debian", "--build-arg", "EXTRA=1", path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let plan = try #require(document["plan"] as? [String: Any])
        #expect(plan["levels"] as? [[Int]] == [[0], [1]])
        let stages = try #require(plan["stages"] as? [[String: Any]])
        #expect((stages.first?["base"] as? [String: Any])?["image"] as? String == "debian")
        #expect(result.stderr.contains("not consumed: EXTRA"))
        let again = try Subprocess.run([
            TestPaths.hoistBinary, "parse", "--json", "--build-arg", "BASE=debian", "--build-arg", "EXTRA=1", path,
        ])
        #expect(again.stdout == result.stdout, "output is stable")
    }
}
