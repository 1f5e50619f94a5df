// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Testing

private func typed(_ text: String) throws -> TypedDockerfile {
    try Dockerfile.parse(text).typed()
}

private func error(_ text: String) -> DockerfileError? {
    do {
        _ = try Dockerfile.parse(text).typed()
        return nil
    } catch {
        return error
    }
}

@Suite("Typed instructions")
struct InstructionTests {
    @Test("FROM with platform and stage name")
    func from() throws {
        let file = try typed("FROM --platform=$BUILDPLATFORM golang:1.22 AS Build\nRUN go build\n")
        let stage = try #require(file.stages.first)
        #expect(stage.from == From(image: "golang:1.22", platform: "$BUILDPLATFORM", stageName: "build"))
        #expect(stage.name == "build")
        #expect(stage.instructions.count == 1)
    }

    @Test("COPY flags and heredoc sources")
    func copy() throws {
        let file = try typed(
            """
            FROM scratch
            COPY --from=build --chown=app:app --chmod=0755 --link --parents --exclude=*.md --exclude=*.txt a b /dst/
            COPY <<EOF /etc/motd
            hello
            EOF

            """)
        let instructions = try #require(file.stages.first?.instructions)
        guard case .copy(let copy) = instructions[0].command else {
            Issue.record("not a copy")
            return
        }
        #expect(copy.sources == ["a", "b"])
        #expect(copy.destination == "/dst/")
        #expect(copy.from == "build")
        #expect(copy.chown == "app:app")
        #expect(copy.chmod == "0755")
        #expect(copy.link && copy.parents)
        #expect(copy.excludes == ["*.md", "*.txt"])
        guard case .copy(let heredoc) = instructions[1].command else {
            Issue.record("not a copy")
            return
        }
        #expect(heredoc.sources.isEmpty)
        #expect(heredoc.heredocSources.map(\.content) == ["hello\n"])
    }

    @Test("RUN mounts, network and security")
    func run() throws {
        let file = try typed(
            """
            FROM alpine
            RUN --mount=type=cache,target=/root/.cache,sharing=locked --mount=type=secret,id=tok,env=TOKEN --network=none --security=insecure make
            RUN ["echo", "hi"]

            """)
        let instructions = try #require(file.stages.first?.instructions)
        guard case .run(let run) = instructions[0].command else {
            Issue.record("not a run")
            return
        }
        #expect(run.mounts.count == 2)
        #expect(run.mounts[0].type == .cache)
        #expect(run.mounts[0].target == "/root/.cache")
        #expect(run.mounts[0].sharing == .locked)
        #expect(run.mounts[1].type == .secret)
        #expect(run.mounts[1].env == "TOKEN")
        #expect(run.network == NetworkMode.none)
        #expect(run.security == .insecure)
        #expect(run.command == .shell("make"))
        guard case .run(let exec) = instructions[1].command else {
            Issue.record("not a run")
            return
        }
        #expect(exec.command == .exec(["echo", "hi"]))
    }

    @Test("HEALTHCHECK options")
    func healthcheck() throws {
        let file = try typed(
            "FROM a\nHEALTHCHECK --interval=5m --timeout=3s --retries=3 CMD curl -f http://localhost/\nHEALTHCHECK NONE\n"
        )
        let instructions = try #require(file.stages.first?.instructions)
        guard case .healthcheck(.check(let check)) = instructions[0].command else {
            Issue.record("not a healthcheck")
            return
        }
        #expect(check.test == ["CMD-SHELL", "curl -f http://localhost/"])
        #expect(check.interval == 300_000_000_000)
        #expect(check.timeout == 3_000_000_000)
        #expect(check.retries == 3)
        #expect(instructions[1].command == .healthcheck(.none))
    }

    @Test(
        "errors",
        arguments: [
            ("FROM a\nCOPY --chwon=a b c\n", "unknown flag: --chwon (did you mean --chown?)", 2, 6),
            ("FROM a\nRUNN echo\n", "unknown instruction: RUNN (did you mean RUN?)", 2, 1),
            ("FROM a\nCOPY a\n", "copy requires at least two arguments", 2, 1),
            ("RUN echo\nFROM a\n", "run is not allowed before the first from; only arg is", 1, 1),
            ("FROM a AS x\nFROM b AS x\n", "duplicate stage name \"x\"", 2, 11),
            ("FROM a\nRUN --network=lan true\n", "invalid value \"lan\" for flag --network", 2, 5),
            ("FROM a\nCOPY --link --link a b\n", "duplicate flag specified: --link", 2, 6),
            ("FROM a\nADD --keep-git-dir=true https://x/y.git /src\n", "add --keep-git-dir is not supported", 2, 5),
            (
                "FROM a\nRUN --mount=type=bind true\n",
                "invalid value \"type=bind\" for flag --mount: mount target is required", 2, 13
            ),
            ("FROM a\nWORKDIR\n", "workdir requires exactly one argument", 2, 1),
            ("FROM a\nONBUILD ONBUILD RUN x\n", "onbuild can not be chained", 2, 1),
            ("FROM a b\n", "from requires either one or three arguments", 1, 1),
            ("FROM a AS 1x\n", "invalid stage name", 1, 11),
            ("FROM a\nHEALTHCHECK --interval=soon CMD true\n", "invalid value \"soon\" for flag --interval", 2, 13),
        ])
    func errors(text: String, message: String, line: Int, column: Int) throws {
        let failure = try #require(error(text))
        #expect(failure.message.hasPrefix(message), "\(failure.message)")
        #expect(failure.range.start.line == line)
        #expect(failure.range.start.column == column)
    }
}
