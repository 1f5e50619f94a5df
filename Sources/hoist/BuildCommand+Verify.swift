// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import BuildEngine
import Foundation

extension BuildCommand {
    /// The engine of `--verify-reproducible`, reporting through the build's progress mode: each build gets
    /// its own progress display (numbered from #1), and the verification's own lines go to standard error as
    /// they are (`plain`, `tty`), as `{"event":"verify","message":…}` objects (`json`), or not at all (`quiet`).
    func reproducibleBuild(mode: BuildProgress.Mode) -> ReproducibleBuild {
        ReproducibleBuild(
            root: global.hoistRoot, observer: { _ in BuildProgress(mode: mode).observer },
            report: { line in Self.writeVerifyLine(line, mode: mode) })
    }

    private static func writeVerifyLine(_ line: String, mode: BuildProgress.Mode) {
        switch mode {
        case .quiet:
            return
        case .json:
            guard
                let data = try? JSONSerialization.data(
                    withJSONObject: ["event": "verify", "message": line],
                    options: [.sortedKeys, .withoutEscapingSlashes])
            else { return }
            FileHandle.standardError.write(data + Data("\n".utf8))
        case .plain, .tty:
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}
