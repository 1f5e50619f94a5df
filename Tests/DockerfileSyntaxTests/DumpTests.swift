// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Testing

@Suite("Dump format details")
struct DumpTests {
    @Test(
        "single instructions",
        arguments: [
            (
                "FROM --platform=$BUILDPLATFORM golang:1.22 AS build",
                "(from [\"--platform=$BUILDPLATFORM\"] \"golang:1.22\" \"AS\" \"build\")\n"
            ),
            (
                "COPY --chown=\"a b\" --from=build -- /src /dst",
                "(copy [\"--chown=a b\" \"--from=build\"] \"/src\" \"/dst\")\n"
            ),
            ("ENV A=1 B=\"two words\"", "(env \"A\" \"1\" \"=\" \"B\" \"\\\"two words\\\"\" \"=\")\n"),
            ("CMD [\"\\u00e9\\u00a0\"]", "(cmd \"é\\u00a0\")\n"),
            ("CMD [\"a\"] trailing", "(cmd \"[\\\"a\\\"] trailing\")\n"),
            ("CMD [\"a\"]   ", "(cmd \"a\")\n"),
            ("ONBUILD COPY --from=x a b", "(onbuild (copy [\"--from=x\"] \"a\" \"b\"))\n"),
            ("ONBUILD", "(onbuild)\n"),
            ("HEALTHCHECK --interval=5s CMD [\"true\"]", "(healthcheck [\"--interval=5s\"] \"CMD\" \"true\")\n"),
            ("FOO bar baz", "(foo \"\")\n"),
            ("ARG abc=\"123 456\" def", "(arg \"abc=\\\"123 456\\\"\" \"def\")\n"),
            ("RUN echo hello\\\n  world", "(run \"echo hello  world\")\n"),
            ("RUN a \\\n# comment\n\n  b", "(run \"a   b\")\n"),
            ("USER <<X\nX", "(user \"<<X\")\n(x \"\")\n"),
            (
                "RUN --mount=type=cache,target=/foo <<MOUNT\necho\nMOUNT",
                "(run [\"--mount=type=cache,target=/foo\"] \"<<MOUNT\")\n"
            ),
            ("\u{FEFF}FROM a\r\nRUN \tx \r\n", "(from \"a\")\n(run \"x\")\n"),
            ("# escape=`\nFROM a\nRUN a `\n b\\", "(from \"a\")\n(run \"a  b\\\\\")\n"),
        ])
    func dump(source: String, expected: String) throws {
        #expect(try Dockerfile.parse(source).dump() == expected)
    }

    @Test("directives stop at the first other line")
    func directives() throws {
        let file = try Dockerfile.parse("# syntax=docker/dockerfile:1\n# check=skip=all\n\n# escape=`\nFROM a\n")
        #expect(file.directive("syntax") == "docker/dockerfile:1")
        #expect(file.directive("check") == "skip=all")
        #expect(file.directive("escape") == nil)
        #expect(file.escapeCharacter == "\\")
    }

    @Test(
        "raw parse errors",
        arguments: [
            ("# escape=x\nFROM a\n", 1), ("# escape=`\n# escape=\\\nFROM a\n", 2), ("FROM a\nRUN <<EOF\nbody\n", 2),
            ("CMD [\"a\", [\"b\"]]\n", 1), ("LABEL a=b c\n", 1), ("", 1),
        ])
    func errors(source: String, line: Int) {
        #expect {
            try Dockerfile.parse(source)
        } throws: { error in
            (error as? DockerfileError)?.range.start.line == line
        }
    }

    @Test("source ranges cover the instruction")
    func ranges() throws {
        let file = try Dockerfile.parse("FROM a\n\n   RUN one \\\n  two\nCOPY <<EOF /x\nbody\nEOF\n")
        #expect(file.nodes[1].range.start == SourcePosition(line: 3, column: 4))
        #expect(file.nodes[1].range.end == SourcePosition(line: 4, column: 6))
        #expect(file.nodes[2].range.start.line == 5)
        #expect(file.nodes[2].range.end.line == 7)
        #expect(file.nodes[2].heredocs.first?.content == "body\n")
    }
}
