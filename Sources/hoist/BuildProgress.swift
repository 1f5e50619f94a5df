// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import BuildEngine
import Foundation
import OCIImage

/// Renders build events on standard error: `plain` (BuildKit-like numbered lines), `tty` (the same, coloured)
/// or `json` (one object per line, for CI tools).
final class BuildProgress: @unchecked Sendable {
    enum Mode: String, CaseIterable {
        case plain, tty, json, quiet
    }

    let mode: Mode
    private let lock = NSLock()
    private var started: [Int: Date] = [:]
    private var partial: [Int: [UInt8]] = [:]
    private var steps = 0
    private var layers = 0
    private let buildStarted = Date()

    init(mode: Mode) { self.mode = mode }

    /// The observer to hand the builder.
    var observer: BuildObserver { { [self] event in handle(event) } }

    private func handle(_ event: BuildEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch mode {
        case .quiet: return
        case .json: emitJSON(event)
        case .plain, .tty: emitText(event)
        }
    }

    // MARK: - Text

    private func emitText(_ event: BuildEvent) {
        switch event {
        case .stepStarted(let step):
            started[step.number] = Date()
            steps += 1
            let location = "\(step.location.fileName):\(step.location.start.line)"
            write(
                paint(
                    "#\(step.number) [\(step.stage) \(step.position)/\(step.stageStepCount)] \(step.instruction)", "1")
                    + paint("  (\(location))", "2"))
        case .stepOutput(let number, let bytes, _):
            var buffer = (partial[number] ?? []) + bytes
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                outputLine(number, Array(buffer[..<newline]))
                buffer.removeSubrange(...newline)
            }
            partial[number] = buffer
        case .stepFinished(let number, let elapsed, let outcome):
            if let rest = partial.removeValue(forKey: number), !rest.isEmpty { outputLine(number, rest) }
            switch outcome {
            case .failed(let reason): write(paint("#\(number) ERROR \(reason)", "31"))
            case .filesystemChanged: write(paint("#\(number) DONE \(seconds(elapsed))", "32"))
            case .noLayer: write(paint("#\(number) DONE \(seconds(elapsed)) (no layer)", "32"))
            case .cached: write(paint("#\(number) CACHED", "36"))
            }
        case .cacheMiss(let number, let reason):
            write(paint("#\(number) cache miss: \(reason)", "2"))
        case .cacheImported(let number, let source):
            write(paint("#\(number) found in the remote cache \(source)", "2"))
        case .cacheExported(let destination, let entries, let layers, let manifest):
            write(
                paint(
                    "exported the build cache to \(destination): \(entries) entries, \(layers) layers "
                        + "(\(manifest.description.prefix(19)))", "2"))
        case .layerWritten(let number, let digest, let size, let elapsed):
            layers += 1
            write(
                paint(
                    "#\(number) layer \(digest.description.prefix(19)) \(formatBytes(size)) compressed in "
                        + seconds(elapsed), "2"))
        case .warning(let message):
            write(
                paint(
                    message.hasPrefix("warning:") || message.contains(": warning:") ? message : "warning: " + message,
                    "33"))
        case .imageCommitted(let manifest, let tags):
            let names = tags.map(\.description).joined(separator: ", ")
            write(
                paint(
                    "built \(manifest.digest) in \(seconds(Date().timeIntervalSince(buildStarted))): \(steps) steps, "
                        + "\(layers) new layers" + (names.isEmpty ? "" : "; tagged \(names)"), "1;32"))
        }
    }

    private func outputLine(_ number: Int, _ bytes: [UInt8]) {
        let offset = started[number].map { Date().timeIntervalSince($0) } ?? 0
        write("#\(number) " + String(format: "%.3f", offset) + " " + String(decoding: bytes, as: UTF8.self))
    }

    private func paint(_ text: String, _ code: String) -> String {
        mode == .tty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func seconds(_ value: Double) -> String { String(format: "%.1fs", value) }

    private func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    // MARK: - JSON

    private func emitJSON(_ event: BuildEvent) {
        var object: [String: Any]
        switch event {
        case .stepStarted(let step):
            object = [
                "event": "step", "step": step.number, "stage": step.stage, "position": step.position,
                "stageSteps": step.stageStepCount, "instruction": step.instruction,
                "location": "\(step.location.fileName):\(step.location.start.line):\(step.location.start.column)",
            ]
        case .stepOutput(let number, let bytes, let isError):
            object = [
                "event": "output", "step": number, "stream": isError ? "stderr" : "stdout",
                "text": String(decoding: bytes, as: UTF8.self),
            ]
        case .stepFinished(let number, let elapsed, let outcome):
            object = ["event": "done", "step": number, "seconds": (elapsed * 1000).rounded() / 1000]
            switch outcome {
            case .filesystemChanged: object["result"] = "layer"
            case .noLayer: object["result"] = "no-layer"
            case .cached: object["result"] = "cached"
            case .failed(let reason):
                object["result"] = "failed"
                object["error"] = reason
            }
        case .cacheMiss(let number, let reason):
            object = ["event": "cache-miss", "step": number, "reason": reason]
        case .cacheImported(let number, let source):
            object = ["event": "cache-import", "step": number, "source": source]
        case .cacheExported(let destination, let entries, let layers, let manifest):
            object = [
                "event": "cache-export", "destination": destination, "entries": entries, "layers": layers,
                "digest": manifest.description,
            ]
        case .layerWritten(let number, let digest, let size, let elapsed):
            object = [
                "event": "layer", "step": number, "digest": digest.description, "size": size,
                "seconds": (elapsed * 1000).rounded() / 1000,
            ]
        case .warning(let message):
            object = ["event": "warning", "message": message]
        case .imageCommitted(let manifest, let tags):
            object = [
                "event": "image", "digest": manifest.digest.description, "tags": tags.map(\.description),
                "seconds": (Date().timeIntervalSince(buildStarted) * 1000).rounded() / 1000,
            ]
        }
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}
