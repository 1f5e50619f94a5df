// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import DockerfileSyntax
import OCIImage

/// What happens during a build, for progress displays. Steps are numbered across the whole build, in
/// the order they start.
public enum BuildEvent: Sendable {
    /// A step begins.
    case stepStarted(BuildStep)
    /// A step's command wrote output.
    case stepOutput(step: Int, bytes: [UInt8], isError: Bool)
    /// A step ended.
    case stepFinished(step: Int, elapsed: Double, outcome: StepOutcome)
    /// A step found no usable cache entry, and why (`source app/main.c changed`); it runs.
    case cacheMiss(step: Int, reason: String)
    /// A step's entry came from a `--cache-from` cache (its layers fetched); the step then finishes as cached.
    case cacheImported(step: Int, source: String)
    /// The build's cache entries were written to a `--cache-to` location.
    case cacheExported(destination: String, entries: Int, layers: Int, manifest: Digest)
    /// A step's layer finished compressing into the store (in the background, after the step ended).
    case layerWritten(step: Int, digest: Digest, size: Int64, elapsed: Double)
    /// Something the user should know that doesn't stop the build.
    case warning(String)
    /// The image was written to the store.
    case imageCommitted(manifest: Descriptor, tags: [ImageReference])
}

/// A step as progress displays name it.
public struct BuildStep: Sendable, Hashable {
    /// The step's number, from 1.
    public var number: Int
    /// The stage's name, or its index when it has none.
    public var stage: String
    /// The step's place in its stage, from 1 (the FROM is 1).
    public var position: Int
    /// How many steps the stage has (FROM included).
    public var stageStepCount: Int
    /// The instruction, after expansion (`RUN make`).
    public var instruction: String
    /// Where it is in the Dockerfile.
    public var location: SourceRange
}

/// How a step ended.
public enum StepOutcome: Sendable, Hashable {
    /// It changed the filesystem: a new layer (reported by `layerWritten` once compressed).
    case filesystemChanged
    /// It changed only the configuration, or nothing.
    case noLayer
    /// Its result came from the build cache: nothing ran.
    case cached
    /// It failed.
    case failed(String)
}

/// Receives build events; called from several tasks, in order for one step.
public typealias BuildObserver = @Sendable (BuildEvent) -> Void
