// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import TestSupport

/// Runs the built `hoist` executable with its own root.
struct HoistRunner {
    let root: String

    /// Runs `hoist --root ROOT arguments…`.
    func callAsFunction(_ arguments: String..., input: Data? = nil) throws -> ProcessResult {
        try Subprocess.run([TestPaths.hoistBinary, "--root", root] + arguments, input: input)
    }
}
