// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

@testable import BuildEngine

/// What `--verify-reproducible` says when only the config differs: the builds can't easily be made to do that,
/// so two stored images stand in for them.
struct ImageComparisonTests {
    let scratch: TemporaryDirectory
    let first: LayoutContentStore
    let second: LayoutContentStore

    init() throws {
        scratch = try TemporaryDirectory("image-comparison")
        first = try LayoutContentStore(path: scratch.child("first"))
        second = try LayoutContentStore(path: scratch.child("second"))
    }

    private func result(_ store: LayoutContentStore, cmd: [String], created: String) throws -> BuildResult {
        let descriptor = try TestImages.makeImage(
            in: store, files: ["etc/motd": "same\n"], cmd: cmd, created: created, scratch: scratch)
        let manifest = try store.readJSON(ImageManifest.self, digest: descriptor.digest)
        let configuration = try store.readJSON(ImageConfiguration.self, digest: manifest.config.digest)
        return BuildResult(
            manifest: descriptor, imageManifest: manifest, configuration: configuration, tags: [], baseImages: [],
            sourceRevision: nil)
    }

    @Test func configFieldsThatDifferAreNamedAndEqualLayersAreNot() async throws {
        let a = try result(first, cmd: ["/bin/true"], created: "2024-01-01T00:00:00Z")
        let b = try result(second, cmd: ["/bin/false"], created: "2024-01-02T00:00:00Z")
        #expect(a.imageManifest.layers == b.imageManifest.layers)
        let differences = try await ImageComparison(first: a, in: first, second: b, in: second).differences()
        #expect(differences == ["config differs in config.Cmd, created, history[0]"])
        #expect(
            ReproducibilityError.notReproducible(
                first: a.manifest.digest, second: b.manifest.digest, differences: differences
            )
            .description == "not reproducible: config differs in config.Cmd, created, history[0]")
    }
}
