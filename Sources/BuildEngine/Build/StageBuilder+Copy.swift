// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax

extension StageBuilder {
    // The COPY/ADD operation is being written; until it lands the engine says so instead of building.
    mutating func copy(_ copy: Copy, isAdd: Bool, instruction: Instruction, text: String, step: BuildStep) async throws
        -> StepOutcome
    {
        throw BuildError.invalidOption("\(isAdd ? "ADD" : "COPY") is not implemented in this version of hoist yet")
    }
}
