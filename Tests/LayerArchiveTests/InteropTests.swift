// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Hoist's layers read by GNU tar, bsdtar and umoci; other tools' layers applied by Hoist.
@Suite struct InteropTests {
    let scratch: TemporaryDirectory
    let store: LayoutContentStore
    let tree: String

    init() throws {
        scratch = try TemporaryDirectory("layer-interop")
        store = try LayoutContentStore(path: scratch.child("store"))
        tree = scratch.child("tree")
        try LayerFixtures.makeRichTree(at: tree)
    }

    @Test(arguments: [LayerCompression.gzip(), .gzip(codec: .isal), .zstd(), .uncompressed])
    func extractedIdenticallyByGNUTarBsdtarAndHoist(compression: LayerCompression) throws {
        try Subprocess.requireTool("bsdtar", package: "libarchive-tools")
        try Subprocess.requireTool("zstd", package: "zstd")
        let result = try LayerWriter(store: store, options: .init(compression: compression)).write(directory: tree)
        let blob = store.blobPath(result.descriptor.digest)
        let expected = try LayerFixtures.listing(tree)
        let byHoist = scratch.child("hoist")
        _ = try LayerApplier(store: store).extract(result.descriptor.digest, into: byHoist)
        #expect(try LayerFixtures.listing(byHoist) == expected)
        let filter: [String] =
            switch compression {
            case .gzip: ["-z"]
            case .zstd: ["--zstd"]
            case .uncompressed: []
            }
        let gnu = scratch.child("gnu")
        try LayerFixtures.mkdir(gnu)
        let gnuRun = try Subprocess.run(
            ["tar", "-x"] + filter + [
                "--same-owner", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-p", "-f", blob, "-C", gnu,
            ])
        #expect(gnuRun.succeeded, "\(gnuRun.stderr)")
        let bsd = scratch.child("bsd")
        try LayerFixtures.mkdir(bsd)
        let bsdRun = try Subprocess.run(["bsdtar", "-x", "--numeric-owner", "--xattrs", "-p", "-f", blob, "-C", bsd])
        #expect(bsdRun.succeeded, "\(bsdRun.stderr)")
        // Directory mtimes: GNU tar and bsdtar set them too; compare everything.
        #expect(try LayerFixtures.listing(gnu) == expected)
        #expect(try LayerFixtures.listing(bsd) == expected)
        // Listings agree too.
        let gnuList = try Subprocess.run(["tar", "-t"] + filter + ["-f", blob])
        let bsdList = try Subprocess.run(["bsdtar", "-t", "-f", blob])
        #expect(gnuList.stdout == bsdList.stdout)
    }

    @Test(.enabled(if: geteuid() == 0, "umoci unpack keeps ownership only as root (CI runs as root)"))
    func umociUnpacksHoistLayers() throws {
        try Subprocess.requireTool("umoci", package: "umoci")
        let layout = try LayoutContentStore(path: scratch.child("layout"))
        let layer = try LayerWriter(store: layout, options: .init(sourceDateEpoch: 1000)).write(directory: tree)
        let config = ImageConfiguration(
            platform: Platform(os: "linux", architecture: "amd64"),
            rootfs: .init(diff_ids: [layer.diffID]))
        let configDescriptor = try layout.writeJSON(config, mediaType: .ociConfig)
        let manifest = ImageManifest(config: configDescriptor, layers: [layer.descriptor])
        let manifestDescriptor = try layout.writeJSON(manifest, mediaType: .ociManifest)
        try layout.tag(manifestDescriptor, as: "test")
        let bundle = scratch.child("bundle")
        let unpack = try Subprocess.run(["umoci", "unpack", "--image", layout.path + ":test", bundle])
        #expect(unpack.succeeded, "\(unpack.stderr)")
        let byHoist = scratch.child("hoist")
        _ = try LayerApplier(store: layout).extract(layer.descriptor.digest, into: byHoist)
        #expect(try LayerFixtures.listing(bundle + "/rootfs") == LayerFixtures.listing(byHoist))
    }

    @Test(arguments: ["gzip", "zstd"])
    func appliesLayersRecompressedBySkopeo(format: String) throws {
        try Subprocess.requireTool("skopeo", package: "skopeo")
        let source = try LayoutContentStore(path: scratch.child("source"))
        let layer = try LayerWriter(store: source, options: .init(compression: .uncompressed, sourceDateEpoch: 1000))
            .write(directory: tree)
        let config = ImageConfiguration(
            platform: Platform(os: "linux", architecture: "amd64"), rootfs: .init(diff_ids: [layer.diffID]))
        let manifest = ImageManifest(
            config: try source.writeJSON(config, mediaType: .ociConfig), layers: [layer.descriptor])
        try source.tag(try source.writeJSON(manifest, mediaType: .ociManifest), as: "test")
        // skopeo compresses the plain layer with Go's own gzip or zstd.
        let copied = scratch.child("copied")
        let copy = try Subprocess.run(
            [
                "skopeo", "--insecure-policy", "copy", "--dest-compress", "--dest-compress-format", format,
                "oci:\(source.path):test", "oci:\(copied):test",
            ], extraEnvironment: ["HOME": scratch.path])
        #expect(copy.succeeded, "\(copy.stderr)")
        let target = try LayoutContentStore(path: copied, create: false)
        let index = try target.readIndex()
        let copiedManifest = try target.readJSON(ImageManifest.self, digest: try #require(index.manifests.first).digest)
        let copiedLayer = try #require(copiedManifest.layers.first)
        #expect(copiedLayer.digest != layer.descriptor.digest)
        #expect(copiedLayer.mediaType == (format == "gzip" ? .ociLayerGzip : .ociLayerZstd))
        let applier = LayerApplier(store: target, options: .init(expectedDiffID: layer.diffID))
        let result = try applier.extract(copiedLayer.digest, into: scratch.child("out"))
        #expect(result.diffID == layer.diffID)
        let fromHoist = scratch.child("from-hoist")
        _ = try LayerApplier(store: source).extract(layer.descriptor.digest, into: fromHoist)
        #expect(try LayerFixtures.listing(scratch.child("out")) == LayerFixtures.listing(fromHoist))
    }

    @Test func appliesAGNUTarLayerWithWhiteouts() throws {
        let lower = scratch.child("lower")
        try LayerFixtures.mkdir(lower + "/etc")
        try LayerFixtures.write(lower + "/etc/old.conf", "old\n")
        try LayerFixtures.mkdir(lower + "/var/cache/apt")
        try LayerFixtures.write(lower + "/var/cache/apt/pkg", "cached\n")
        try LayerFixtures.write(lower + "/removed", "bye\n")
        // The layer as Docker would write it, made with GNU tar.
        let source = scratch.child("source")
        try LayerFixtures.mkdir(source + "/etc")
        try LayerFixtures.write(source + "/etc/.wh.old.conf", "")
        try LayerFixtures.write(source + "/etc/new.conf", "new\n")
        try LayerFixtures.mkdir(source + "/var/cache/apt")
        try LayerFixtures.write(source + "/var/cache/apt/.wh..wh..opq", "")
        try LayerFixtures.write(source + "/var/cache/apt/fresh", "fresh\n")
        try LayerFixtures.write(source + "/.wh.removed", "")
        let tarball = scratch.child("gnu.tar.gz")
        let made = try Subprocess.run(["tar", "--format=gnu", "-czf", tarball, "-C", source, "."])
        #expect(made.succeeded, "\(made.stderr)")
        let digest = try store.writeBlob(Data(contentsOf: URL(fileURLWithPath: tarball))).digest
        let result = try LayerApplier(store: store).apply(digest, onto: lower)
        #expect(LayerFixtures.contents(lower) == ["etc", "var"])
        #expect(LayerFixtures.contents(lower + "/etc") == ["new.conf"])
        #expect(LayerFixtures.contents(lower + "/var/cache/apt") == ["fresh"])
        let plain = try Subprocess.run(["gzip", "-dc", tarball])
        #expect(result.diffID == SHA256Hasher.digest(of: plain.stdoutBytes))
    }

    @Test func appliesAPigzMultiMemberLayer() throws {
        try Subprocess.requireTool("pigz", package: "pigz")
        // Two concatenated gzip members are one valid gzip stream (RFC 1952 §2.2).
        let first = scratch.child("first")
        try LayerFixtures.mkdir(first)
        try LayerFixtures.write(first + "/a", String(repeating: "a", count: 100_000))
        let tarred = try Subprocess.run(["tar", "-cf", "-", "-C", first, "."])
        let half = tarred.stdoutBytes.count / 2
        let one = try Subprocess.run(["pigz", "-c"], input: tarred.stdoutBytes.prefix(half))
        let two = try Subprocess.run(["pigz", "-c"], input: tarred.stdoutBytes.dropFirst(half))
        let digest = try store.writeBlob(one.stdoutBytes + two.stdoutBytes).digest
        let target = scratch.child("target")
        let result = try LayerApplier(store: store).extract(digest, into: target)
        #expect(result.diffID == SHA256Hasher.digest(of: tarred.stdoutBytes))
        #expect(LayerFixtures.contents(target) == ["a"])
    }
}

@Suite struct NameTests {
    @Test func namesThatAreNotUTF8RoundTrip() throws {
        let scratch = try TemporaryDirectory("layer-names")
        let store = try LayoutContentStore(path: scratch.child("store"))
        let tree = scratch.child("tree")
        try LayerFixtures.mkdir(tree)
        // Latin-1 "café" and a lone 0xff byte: valid file names, not UTF-8.
        let made = try Subprocess.run([
            "python3", "-c",
            "import os, sys; [open(os.path.join(sys.argv[1].encode(), n), 'wb').write(n) for n in (b'caf\\xe9', b'\\xff')]",
            tree,
        ])
        #expect(made.succeeded, "\(made.stderr)")
        try LayerFixtures.write(tree + "/ünï", "u\n")
        try LayerFixtures.setXattr(tree + "/ünï", name: "user.a", value: "b")
        let result = try LayerWriter(store: store, options: .init(sourceDateEpoch: 1000)).write(directory: tree)
        let out = scratch.child("out")
        _ = try LayerApplier(store: store).extract(result.descriptor.digest, into: out)
        #expect(try LayerFixtures.listing(out, mtimes: false) == LayerFixtures.listing(tree, mtimes: false))
        let gnu = scratch.child("gnu")
        try LayerFixtures.mkdir(gnu)
        // GNU tar warns about the pax `hdrcharset` keyword it does not know, and still restores the raw bytes.
        let extracted = try Subprocess.run([
            "tar", "--xattrs", "--xattrs-include=*", "-xzf", store.blobPath(result.descriptor.digest), "-C", gnu,
        ])
        #expect(extracted.succeeded, "\(extracted.stderr)")
        #expect(try LayerFixtures.listing(gnu, mtimes: false) == LayerFixtures.listing(tree, mtimes: false))
    }
}
