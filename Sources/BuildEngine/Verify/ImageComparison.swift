// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage

/// Names what differs between two images that should be the same: the manifest annotations and config fields
/// that differ, and the first differing layer with the first file (in tar order) that differs in it.
/// Layers are read streaming, two at a time at most.
struct ImageComparison {
    let first: BuildResult
    let firstStore: LayoutContentStore
    let second: BuildResult
    let secondStore: LayoutContentStore

    init(first: BuildResult, in firstStore: LayoutContentStore, second: BuildResult, in secondStore: LayoutContentStore)
    {
        self.first = first
        self.firstStore = firstStore
        self.second = second
        self.secondStore = secondStore
    }

    /// One line per kind of difference: manifest, config, layer. Never empty for two different digests.
    func differences() async throws -> [String] {
        var found: [String] = []
        if let manifest = manifestDifference() { found.append(manifest) }
        if let config = try configDifference() { found.append(config) }
        if let layer = try await layerDifference() { found.append(layer) }
        if found.isEmpty {
            found.append("the manifests differ (\(first.manifest.digest) vs \(second.manifest.digest))")
        }
        return found
    }

    // MARK: - Manifest and config

    private func manifestDifference() -> String? {
        let (a, b) = (first.imageManifest, second.imageManifest)
        var names: [String] = []
        if a.mediaType != b.mediaType { names.append("mediaType") }
        let annotationsA = a.annotations ?? [:]
        let annotationsB = b.annotations ?? [:]
        for key in Set(annotationsA.keys).union(annotationsB.keys).sorted() where annotationsA[key] != annotationsB[key]
        {
            names.append("annotation " + key)
        }
        return names.isEmpty ? nil : "manifest differs in " + names.joined(separator: ", ")
    }

    /// The config fields that differ, `rootfs` aside (its diffIDs differ exactly when layers do, reported below).
    private func configDifference() throws -> String? {
        let a = try Self.jsonObject(firstStore, first.imageManifest.config.digest)
        let b = try Self.jsonObject(secondStore, second.imageManifest.config.digest)
        var names: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() where key != "rootfs" {
            switch (a[key], b[key]) {
            case (let x as [String: Any], let y as [String: Any]) where key == "config":
                for field in Set(x.keys).union(y.keys).sorted() where !Self.same(x[field], y[field]) {
                    names.append("config." + field)
                }
            case (let x as [Any], let y as [Any]) where key == "history":
                if let entry = Self.firstDifferentIndex(x, y) { names.append("history[\(entry)]") }
            case (let x, let y):
                if !Self.same(x, y) { names.append(key) }
            }
        }
        return names.isEmpty ? nil : "config differs in " + names.joined(separator: ", ")
    }

    private static func jsonObject(_ store: LayoutContentStore, _ digest: Digest) throws -> [String: Any] {
        let bytes = try store.readBlob(digest)
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw OCIImageError.invalidDocument("blob \(digest) is not a JSON object")
        }
        return object
    }

    /// Compares two JSON values by their canonical (sorted-key) encodings.
    private static func same(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let x?, let y?): return canonical(x) == canonical(y)
        default: return false
        }
    }

    private static func canonical(_ value: Any) -> Data? {
        try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
    }

    private static func firstDifferentIndex(_ a: [Any], _ b: [Any]) -> Int? {
        for index in 0..<max(a.count, b.count) {
            if !same(index < a.count ? a[index] : nil, index < b.count ? b[index] : nil) { return index }
        }
        return nil
    }

    // MARK: - Layers

    /// The first layer whose blobs differ, and where: `layer 3 (RUN …) differs at /stamp: content differs`.
    /// Layers count from 1, the base's included.
    private func layerDifference() async throws -> String? {
        let layersA = first.imageManifest.layers
        let layersB = second.imageManifest.layers
        for index in 0..<max(layersA.count, layersB.count) {
            guard index < layersA.count else {
                return "\(describeLayer(index, in: second.configuration)) is only in build 2"
            }
            guard index < layersB.count else {
                return "\(describeLayer(index, in: first.configuration)) is only in build 1"
            }
            let (a, b) = (layersA[index], layersB[index])
            if a.digest == b.digest { continue }
            let name = describeLayer(index, in: first.configuration)
            let diffIDsA = first.configuration.rootfs.diff_ids
            let diffIDsB = second.configuration.rootfs.diff_ids
            if index < diffIDsA.count, index < diffIDsB.count, diffIDsA[index] == diffIDsB[index] {
                return "\(name) has the same files but compresses to different bytes"
            }
            switch try await LayerComparison.compare(a.digest, in: firstStore, with: b.digest, in: secondStore) {
            case .entry(let difference):
                return "\(name) differs at \(difference.path): " + Self.describe(difference.fields)
            case .encoding:
                return "\(name) differs in its tar headers, in no file's path, type, mode, owner, link target, "
                    + "size, mtime or content"
            case .identical:
                return "\(name) has the same files but compresses to different bytes"
            }
        }
        return nil
    }

    /// `layer 3 (RUN /bin/sh -c date > /stamp)`: the history entry of the step that made it.
    private func describeLayer(_ index: Int, in configuration: ImageConfiguration) -> String {
        let steps = (configuration.history ?? []).filter { $0.empty_layer != true }
        guard index < steps.count, let createdBy = steps[index].created_by, !createdBy.isEmpty else {
            return "layer \(index + 1)"
        }
        let short = createdBy.count > 80 ? createdBy.prefix(79) + "…" : Substring(createdBy)
        return "layer \(index + 1) (\(short))"
    }

    /// The fields in the words of two builds rather than two layers.
    private static func describe(_ fields: [LayerEntryDifference.Field]) -> String {
        fields.map { field in
            switch field {
            case .path(let other): "build 2 has \(other) in its place"
            case .onlyInFirst: "only in build 1"
            case .onlyInSecond: "only in build 2"
            default: field.description
            }
        }.joined(separator: ", ")
    }
}
