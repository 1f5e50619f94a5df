// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

// The JSON shapes of the front end's values, for tools (`hoist parse --json`). Keys are written
// in sorted order.

extension SourcePosition: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("column", column)
            writer.field("line", line)
        }
    }
}

extension SourceRange: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("end", end)
            writer.field("file", fileName)
            writer.field("start", start)
        }
    }
}

extension ParserDirective: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("line", line)
            writer.field("name", name)
            writer.field("value", value)
        }
    }
}

extension DockerfileWarning: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("message", message)
            writer.field("range", range)
        }
    }
}

extension KeyValue: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("key", key)
            writer.field("value", value)
        }
    }
}

extension ArgDeclaration: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("default", defaultValue)
            writer.field("name", name)
        }
    }
}

extension Heredoc: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("chomp", chomp)
            writer.field("content", content)
            writer.field("expand", expand)
            writer.field("fileDescriptor", fileDescriptor)
            writer.field("name", name)
        }
    }
}

extension From: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("image", image)
            writer.field("platform", platform)
            writer.field("stageName", stageName)
        }
    }
}

extension CommandForm: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            switch self {
            case .shell(let text):
                writer.field("command", text)
                writer.field("form", "shell")
            case .exec(let arguments):
                writer.field("command", arguments)
                writer.field("form", "exec")
            }
        }
    }
}

extension Mount: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            if let env { writer.field("env", env) }
            if let from { writer.field("from", from) }
            if let gid { writer.field("gid", Int(gid)) }
            if let id { writer.field("id", id) }
            if let mode { writer.field("mode", Int(mode)) }
            if let readOnly { writer.field("readOnly", readOnly) }
            if let required { writer.field("required", required) }
            if let sharing { writer.field("sharing", sharing.rawValue) }
            if let size { writer.field("size", Int(size)) }
            if let source { writer.field("source", source) }
            if let target { writer.field("target", target) }
            writer.field("type", type.rawValue)
            if let uid { writer.field("uid", Int(uid)) }
        }
    }
}

extension Run: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("command", command)
            writer.field("heredocs", heredocs)
            writer.field("mounts", mounts)
            writer.field("network", network?.rawValue)
            writer.field("security", security?.rawValue)
        }
    }
}

extension Copy: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("checksum", checksum)
            writer.field("chmod", chmod)
            writer.field("chown", chown)
            writer.field("destination", destination)
            writer.field("excludes", excludes)
            writer.field("from", from)
            writer.field("heredocSources", heredocSources)
            writer.field("json", isJSON)
            writer.field("link", link)
            writer.field("parents", parents)
            writer.field("sources", sources)
        }
    }
}

extension Healthcheck: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            switch self {
            case .none:
                writer.field("test", ["NONE"])
            case .check(let check):
                writer.field("interval", check.interval.map { Int($0) })
                writer.field("retries", check.retries)
                writer.field("startInterval", check.startInterval.map { Int($0) })
                writer.field("startPeriod", check.startPeriod.map { Int($0) })
                writer.field("test", check.test)
                writer.field("timeout", check.timeout.map { Int($0) })
            }
        }
    }
}

extension Instruction: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            switch command {
            case .from(let value): writer.field("arguments", value)
            case .run(let value): writer.field("arguments", value)
            case .cmd(let value), .entrypoint(let value): writer.field("arguments", value)
            case .shell(let value), .expose(let value), .volume(let value): writer.field("arguments", value)
            case .label(let value), .env(let value): writer.field("arguments", value)
            case .maintainer(let value), .user(let value), .workdir(let value), .onbuild(let value),
                .stopSignal(let value):
                writer.field("arguments", value)
            case .add(let value), .copy(let value): writer.field("arguments", value)
            case .arg(let value): writer.field("arguments", value)
            case .healthcheck(let value): writer.field("arguments", value)
            }
            writer.field("instruction", command.keyword)
            writer.field("range", range)
            writer.field("text", text)
        }
    }
}

extension Stage: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("from", from)
            writer.field("index", index)
            writer.field("instructions", instructions)
            writer.field("name", name)
            writer.field("range", range)
        }
    }
}

extension StageBase: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            switch self {
            case .image(let reference): writer.field("image", reference)
            case .stage(let index): writer.field("stage", index)
            case .scratch: writer.field("scratch", true)
            }
        }
    }
}

extension PlannedStage: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("base", base)
            writer.field("dependencies", dependencies)
            writer.field("externalImages", externalImages)
            writer.field("index", index)
            writer.field("name", name)
            writer.field("platform", platform)
        }
    }
}

extension BuildOptionsSummary: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("buildArgumentNames", buildArgumentNames)
            writer.field("buildPlatform", buildPlatform)
            writer.field("target", target)
            writer.field("targetPlatform", targetPlatform)
        }
    }
}

extension BuildPlan: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("globalArguments", globalArguments)
            writer.field("levels", levels)
            writer.field("options", options)
            writer.field("requiredStages", requiredStages)
            writer.field("stages", stages)
            writer.field("target", target)
            writer.field("warnings", warnings)
        }
    }
}

extension TypedDockerfile: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            writer.field("escapeCharacter", escapeCharacter)
            writer.field("file", fileName)
            writer.field("globalArguments", globalArguments)
            writer.field("stages", stages)
        }
    }
}
