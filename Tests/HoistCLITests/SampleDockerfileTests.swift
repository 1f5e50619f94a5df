// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport
import Testing

/// Dockerfile.sample is what the README's main command will build: it must stay valid.
struct SampleDockerfileTests {
    @Test func sampleParsesIntoThreeStagesEndingInTheFinalImage() throws {
        let result = try Subprocess.run([
            TestPaths.hoistBinary, "parse", "--json", TestPaths.packageRoot + "/Dockerfile.sample",
        ])
        #expect(result.succeeded, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        let plan = try #require(json["plan"] as? [String: Any])
        let stages = try #require(plan["stages"] as? [[String: Any]])
        #expect(stages.compactMap { $0["name"] as? String } == ["base", "build"])
        #expect(plan["target"] as? Int == 2)
        #expect(plan["requiredStages"] as? [Int] == [0, 1, 2])
        #expect(stages.last?["dependencies"] as? [Int] == [0, 1], "the final stage copies from build")
        #expect((stages.first?["base"] as? [String: Any])?["scratch"] as? Bool == true)
        #expect((plan["warnings"] as? [Any])?.isEmpty == true)
    }

    @Test func theSampleContextHasWhatTheSampleCopies() throws {
        let tool = TestPaths.packageRoot + "/examples/sample/greet.sh"
        #expect(FileManager.default.fileExists(atPath: tool))
        let text = try String(contentsOfFile: tool, encoding: .utf8)
        #expect(text.contains("@GREETING@"), "the build stage substitutes the greeting")
    }
}
