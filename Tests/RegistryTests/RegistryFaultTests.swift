// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import Registry
import TestSupport
import Testing

/// Transfers through a fault-injecting proxy in front of the real registry.
@Suite(.serialized)
struct RegistryFaultTests {
    let work: TemporaryDirectory
    let source: LayoutContentStore

    init() throws {
        work = try TemporaryDirectory("hoist-registry-faults")
        source = try LayoutContentStore(path: work.child("source"))
    }

    @Test func pushSurvivesResetsErrorsAndStallsAndResumesTheInterruptedChunk() async throws {
        let server = try RegistryServer()
        defer { server.stop() }
        let bigSize = 8 << 20
        let image = try RegistryTestImage.make(in: source, layerSizes: [bigSize, 2_000], seed: 21)
        let big = image.layers[0]
        let proxy = try RegistryFaultProxy(
            upstreamPort: server.port,
            rules: [
                .init(method: "HEAD", pathContains: "/blobs/", occurrence: 1, fault: .respond(429)),
                .init(method: "POST", pathContains: "/blobs/uploads/", occurrence: 2, fault: .respond(503)),
                .init(method: "PATCH", occurrence: 3, fault: .resetAfterBodyBytes(256 << 10)),
                .init(method: "PATCH", occurrence: 6, fault: .respond(500)),
                .init(method: "GET", pathContains: "/blobs/uploads/", occurrence: 1, fault: .stall(seconds: 0.5)),
                .init(method: "HEAD", pathContains: "/blobs/\(big.digest)", occurrence: 3, fault: .stall(seconds: 3)),
                .init(method: "PUT", pathContains: "/manifests/", occurrence: 1, fault: .respond(502)),
            ])
        defer { proxy.stop() }
        var options = RegistryOptions(
            certificateDirectories: [],
            retry: RetryPolicy(maximumAttempts: 6, initialDelay: .milliseconds(20), maximumDelay: .milliseconds(100)),
            monolithicUploadLimit: 1 << 20, chunkSize: 1 << 20, idleTimeout: .seconds(1))
        options.maximumConcurrentTransfers = 4
        let events = EventLog()
        let reference = try ImageReference(parsing: "\(proxy.address)/test/faults:1")
        try await RegistryClient.withClient(registry: proxy.address, options: options, credentials: .anonymous) {
            try await $0.push(image.manifest, from: source, to: reference, progress: events.record)
        }
        #expect(proxy.injectedFaults >= 5)
        #expect(await events.retries >= 2)

        // Every blob is in the registry and verifies: pull directly, each blob checked while it streams.
        let target = try LayoutContentStore(path: work.child("target"))
        try await RegistryClient.withClient(registry: server.address, options: options, credentials: .anonymous) {
            _ = try await $0.pull(try ImageReference(parsing: "\(server.address)/test/faults:1"), into: target)
        }
        for blob in image.blobs { #expect(try target.blobSize(blob.digest) == blob.size) }

        // The upload resumed: only the cut-off part of one chunk (plus a chunk refused with 500) was sent twice.
        let payload = image.blobs.reduce(0) { $0 + Int($1.size) }
        let resent = proxy.uploadedBodyBytes - payload
        print("fault push: \(proxy.injectedFaults) faults, re-sent \(resent) bytes of a \(bigSize)-byte blob")
        #expect(proxy.requests.contains { $0.hasPrefix("GET ") && $0.contains("/blobs/uploads/") })
        #expect(resent >= 0)
        #expect(resent < bigSize / 4, "re-sent \(resent) bytes of a \(bigSize)-byte blob")
    }

    @Test func wrongBytesFailThePullAndLeaveTheStoreUnchanged() async throws {
        let server = try RegistryServer()
        defer { server.stop() }
        let image = try RegistryTestImage.make(in: source, layerSizes: [100_000], seed: 31)
        let direct = try ImageReference(parsing: "\(server.address)/test/wrong:1")
        let options = RegistryOptions(certificateDirectories: [], retry: .none, maximumConcurrentTransfers: 1)
        try await RegistryClient.withClient(registry: server.address, options: options, credentials: .anonymous) {
            try await $0.push(image.manifest, from: source, to: direct)
        }
        let proxy = try RegistryFaultProxy(
            upstreamPort: server.port,
            rules: [.init(method: "GET", pathContains: "/blobs/\(image.config.digest)", fault: .corruptResponseBody)])
        defer { proxy.stop() }
        let target = try LayoutContentStore(path: work.child("target"))
        let before = try snapshot(target.path)
        let error = await #expect(throws: RegistryError.self) {
            try await RegistryClient.withClient(registry: proxy.address, options: options, credentials: .anonymous) {
                _ = try await $0.pull(
                    try ImageReference(parsing: "\(proxy.address)/test/wrong:1"), into: target, tagAs: "wrong:1")
            }
        }
        guard case .contentMismatch(let digest, _)? = error else {
            Issue.record("expected a digest mismatch, got \(String(describing: error))")
            return
        }
        #expect(digest == image.config.digest)
        #expect(error?.description.contains("does not match its digest") == true)
        #expect(try snapshot(target.path) == before)
    }

    /// Every blob and the index of a store, with sizes (lock files come and go).
    func snapshot(_ path: String) throws -> [String: Int] {
        var result: [String: Int] = [:]
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let name = enumerator?.nextObject() as? String {
            guard name.hasPrefix("blobs/") || name == "index.json" else { continue }
            let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + name)
            if attributes[.type] as? FileAttributeType == .typeRegular {
                result[name] = (attributes[.size] as? NSNumber)?.intValue ?? -1
            }
        }
        return result
    }
}
