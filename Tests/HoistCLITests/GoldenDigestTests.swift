// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport
import Testing

/// A fixed Dockerfile on a fixed base (`scratch` and files this test writes) must always give the same image
/// digest, on any machine: any change in the bytes Hoist writes is noticed here. When a change of format is
/// intended, update the digest and say why in the commit.
struct GoldenDigestTests {
    static let golden = "sha256:9cf05763de3596717a231be35bc1f0b9f6e260e40f42e45a6cb1609af0e1eb33"

    @Test func fixedBuildGivesTheGoldenDigestInEveryRoot() throws {
        let scratch = try TemporaryDirectory("hoist-golden")
        let context = scratch.child("context")
        let files = [
            "Dockerfile": """
            FROM scratch
            ENV APP_HOME=/srv/app
            LABEL org.opencontainers.image.title="golden"
            COPY app/ /srv/app/
            COPY --chmod=0755 tool.sh /usr/local/bin/tool
            WORKDIR /srv/app/data
            COPY --chown=1000:1000 <<EOF /srv/app/data/notes.txt
            written by a here-document
            EOF
            USER 1000:1000
            EXPOSE 8080
            ENTRYPOINT ["/usr/local/bin/tool"]
            CMD ["--help"]

            """,
            "app/README": "The golden-digest fixture.\n",
            "app/config/settings.json": "{\"level\": 3}\n",
            "tool.sh": "#!/bin/sh\necho tool \"$@\"\n",
        ]
        for (path, content) in files {
            let full = context + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(content.utf8).write(to: URL(fileURLWithPath: full))
            _ = chmod(full, 0o644)
        }
        for directory in [context, context + "/app", context + "/app/config"] { _ = chmod(directory, 0o755) }
        var digests: [String] = []
        for name in ["first-root", "second-root"] {
            let result = try Subprocess.run(
                [TestPaths.hoistBinary, "--root", scratch.child(name), "build", "--quiet", context],
                extraEnvironment: ["SOURCE_DATE_EPOCH": "1700000000"])
            #expect(result.succeeded, "\(result.stderr)")
            digests.append(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(digests[0] == digests[1])
        #expect(digests[0] == Self.golden)
    }
}
