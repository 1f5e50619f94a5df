// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import Testing

private let amd64 = PlatformTriple(os: "linux", architecture: "amd64")
private let arm = PlatformTriple(os: "linux", architecture: "arm", variant: "v7")

/// Runs every instruction of a stage through a scope and returns the expanded instructions and scope.
private func expandStage(
    _ text: String, stage: Int = 0, options: BuildOptions = BuildOptions(), base: [KeyValue] = []
) throws -> ([Instruction], VariableScope, BuildPlan) {
    let file = try Dockerfile.parse(text).typed()
    let plan = try file.plan(options)
    var scope = plan.scope(forStage: stage, baseEnvironment: base)
    var out: [Instruction] = []
    for instruction in file.stages[stage].instructions { out.append(try scope.apply(instruction)) }
    return (out, scope, plan)
}

@Suite("ARG and ENV scoping")
struct SemanticsTests {
    @Test("global ARGs reach FROM but not the stage until re-declared")
    func globalArgs() throws {
        let text = """
            ARG VERSION=3.20
            ARG UNUSED
            FROM alpine:${VERSION} AS base
            RUN echo
            WORKDIR /v$VERSION
            ARG VERSION
            WORKDIR /v$VERSION

            """
        let (instructions, _, plan) = try expandStage(text)
        #expect(plan.stages[0].base == .image("alpine:3.20"))
        #expect(instructions[1].command == .workdir("/v"))
        #expect(instructions[3].command == .workdir("/v3.20"))
    }

    @Test("build args override defaults; ENV wins over ARG; unused build args warn")
    func overrides() throws {
        let text = """
            FROM scratch
            ARG A=default
            ARG B=b
            ENV B=env
            LABEL a=$A b=$B c="${C:-none}"

            """
        let options = BuildOptions(buildArguments: ["A": "cli", "B": "cli-b", "NOPE": "x", "HTTP_PROXY": "p"])
        let (instructions, scope, plan) = try expandStage(text, options: options)
        #expect(
            instructions[3].command
                == .label([
                    KeyValue(key: "a", value: "cli"), KeyValue(key: "b", value: "env"),
                    KeyValue(key: "c", value: "none"),
                ]))
        #expect(plan.warnings.map(\.message) == ["one or more build-args were not consumed: NOPE"])
        #expect(scope.runEnvironment.contains(KeyValue(key: "HTTP_PROXY", value: "p")))
        #expect(scope.runEnvironment.contains(KeyValue(key: "A", value: "cli")))
    }

    @Test("predefined platform ARGs")
    func platformArgs() throws {
        let text = """
            FROM --platform=$BUILDPLATFORM busybox AS build
            ARG TARGETARCH
            ARG TARGETVARIANT
            RUN --mount=type=cache,target=/c/$TARGETARCH true
            WORKDIR /out/${TARGETARCH}${TARGETVARIANT:+-$TARGETVARIANT}

            """
        let options = BuildOptions(targetPlatform: arm, buildPlatform: amd64)
        let (instructions, _, plan) = try expandStage(text, options: options)
        #expect(plan.stages[0].platform == "linux/amd64")
        #expect(instructions[3].command == .workdir("/out/arm-v7"))
        guard case .run(let run) = instructions[2].command else {
            Issue.record("not run")
            return
        }
        #expect(run.mounts.first?.target == "/c/arm")
    }

    @Test("base image ENV is visible and ENV updates step by step")
    func baseEnvironment() throws {
        let text = """
            FROM golang
            WORKDIR $GOPATH/src
            ENV GOPATH=/other P=$GOPATH
            WORKDIR $GOPATH

            """
        let (instructions, scope, _) = try expandStage(text, base: [KeyValue(key: "GOPATH", value: "/go")])
        #expect(instructions[0].command == .workdir("/go/src"))
        #expect(
            instructions[1].command
                == .env([KeyValue(key: "GOPATH", value: "/other"), KeyValue(key: "P", value: "/go")]))
        #expect(instructions[2].command == .workdir("/other"))
        #expect(scope.environment == [KeyValue(key: "GOPATH", value: "/other"), KeyValue(key: "P", value: "/go")])
    }

    @Test("expansion errors carry the instruction's range")
    func expansionError() throws {
        let text = "FROM a\nARG X\nWORKDIR ${X:?must be set}\n"
        #expect {
            try expandStage(text)
        } throws: { error in
            guard let error = error as? DockerfileError else { return false }
            return error.range.start.line == 3 && error.message.contains("must be set")
        }
    }
}

@Suite("Stage graph")
struct StageGraphTests {
    static let multiStage = """
        FROM alpine AS base
        RUN true
        FROM golang AS tools
        FROM base AS build
        RUN --mount=type=bind,from=tools,target=/t true
        FROM scratch AS docs
        COPY --from=base /a /a
        FROM base AS final
        COPY --from=build /out /out
        COPY --from=docs /d /d
        COPY --from=nginx:latest /etc/nginx /etc/nginx

        """

    @Test("dependencies, target pruning and parallel levels")
    func graph() throws {
        let plan = try Dockerfile.parse(Self.multiStage).typed().plan(BuildOptions())
        #expect(plan.stages.map(\.dependencies) == [[], [], [0, 1], [0], [0, 2, 3]])
        #expect(plan.stages[4].externalImages == ["nginx:latest"])
        #expect(plan.stages[3].base == .scratch)
        #expect(plan.target == 4)
        #expect(plan.requiredStages == [0, 1, 2, 3, 4])
        #expect(plan.levels == [[0, 1], [2, 3], [4]])
        let docs = try Dockerfile.parse(Self.multiStage).typed().plan(BuildOptions(target: "docs"))
        #expect(docs.requiredStages == [0, 3])
        #expect(docs.levels == [[0], [3]])
    }

    @Test(
        "graph errors",
        arguments: [
            ("FROM a AS one\nCOPY --from=two /a /a\nFROM b AS two\n", "stage \"two\" is defined later"),
            ("FROM a\nCOPY --from=3 /a /a\n", "stage index 3 is not an earlier stage"),
            ("FROM a\nCOPY --from=0 /a /a\n", "stage index 0 is not an earlier stage"),
            ("ARG IMG=\nFROM $IMG\n", "base name ($IMG) should not be blank"),
        ])
    func errors(text: String, message: String) throws {
        #expect {
            try Dockerfile.parse(text).typed().plan(BuildOptions())
        } throws: { error in
            (error as? DockerfileError)?.message.contains(message) ?? false
        }
    }

    @Test("unknown target")
    func unknownTarget() throws {
        #expect(throws: DockerfileError.self) {
            try Dockerfile.parse("FROM a AS x\n").typed().plan(BuildOptions(target: "y"))
        }
    }
}

@Suite("Diagnostics")
struct DiagnosticTests {
    @Test("rendered with the source line and a caret")
    func render() throws {
        let source = "FROM alpine\nCOPY --chwon=app:app . /app\n"
        var caught: DockerfileError?
        do {
            _ = try Dockerfile.parse(source).typed()
        } catch {
            caught = error
        }
        let failure = try #require(caught)
        let text = DiagnosticRenderer.render(failure, source: source)
        #expect(
            text == """
                Dockerfile:2:6: error: unknown flag: --chwon (did you mean --chown?)
                 2 | COPY --chwon=app:app . /app
                   |      ^~~~~~~

                """)
    }

    @Test("edit distance", arguments: [("kitten", "sitting", 3), ("", "abc", 3), ("chown", "chwon", 1)])
    func distance(a: String, b: String, expected: Int) {
        #expect(Suggestions.editDistance(a, b) == expected)
    }
}
