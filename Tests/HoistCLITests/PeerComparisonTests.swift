// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

// The peer-comparison suite: every case under Tests/PeerCases is built by `hoist build` and by
// `buildah build --isolation chroot` (buildah 1.28, Debian 12) from one busybox base in the same run. Both
// images are unpacked with umoci and must have identical root filesystems (paths, types, modes, owners, contents,
// link targets, hard-link groups, device numbers; never timestamps) and agree on the config fields listed in
// `PeerConfig.fields`.
//
// `HOIST_PEER_SELFTEST=1` builds every case with buildah twice instead, which proves the harness (base image,
// buildah set-up, unpacking, tree and config comparison) without `hoist build`. `HOIST_PEER_CASES=a,b` runs only
// the named cases. Missing tools fail the test; nothing is skipped.

// MARK: - Cases

/// One directory of Tests/PeerCases: a Dockerfile and its context.
///
/// Optional files: `args` (one `--flag=value` per line, given to both builders), `args.hoist` (hoist only),
/// `Dockerfile.buildah` (what buildah builds instead, for syntax buildah 1.28 lacks: the cases under
/// `Equivalent/`), and `buildah-stubs` (paths buildah 1.28 leaves behind as empty mount points, ignored when only
/// buildah's image has them and they are empty).
struct PeerCase: Sendable, CustomTestStringConvertible {
    static let root = TestPaths.packageRoot + "/Tests/PeerCases"

    /// `NN-name` or `Equivalent/NN-name`.
    let name: String
    let directory: String

    var testDescription: String { name }
    /// Whether buildah builds its own `Dockerfile.buildah` rather than the case's Dockerfile.
    var isEquivalent: Bool { FileManager.default.fileExists(atPath: directory + "/Dockerfile.buildah") }
    var buildahDockerfile: String { isEquivalent ? "Dockerfile.buildah" : "Dockerfile" }
    /// The image name both builders tag, made from the case name.
    var imageName: String {
        "localhost/peer/" + name.lowercased().replacingOccurrences(of: "/", with: "-")
    }
    var arguments: [String] { lines(of: "args") }
    var hoistOnlyArguments: [String] { lines(of: "args.hoist") }
    var buildahStubs: Set<String> { Set(lines(of: "buildah-stubs").map { "/" + $0.trimmingPrefix("/") }) }

    /// Contents of the files passed with `--secret=id=…,src=…`: none may appear in either image.
    var secretContents: [String: Data] {
        var secrets: [String: Data] = [:]
        for argument in arguments where argument.hasPrefix("--secret=") {
            let fields = argument.dropFirst("--secret=".count).split(separator: ",")
            guard let source = fields.first(where: { $0.hasPrefix("src=") })?.dropFirst(4) else { continue }
            let path = source.hasPrefix("/") ? String(source) : directory + "/" + source
            if let data = FileManager.default.contents(atPath: path) { secrets[path] = data }
        }
        return secrets
    }

    private func lines(of file: String) -> [String] {
        guard let text = try? String(contentsOfFile: directory + "/" + file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Every case, `HOIST_PEER_CASES` (comma-separated names) narrowing the list.
    static let all: [PeerCase] = {
        let files = FileManager.default
        var cases: [PeerCase] = []
        for group in ["", "Equivalent/"] {
            let names = (try? files.contentsOfDirectory(atPath: root + "/" + group)) ?? []
            for name in names.sorted() where name.first?.isNumber == true {
                cases.append(PeerCase(name: group + name, directory: root + "/" + group + name))
            }
        }
        guard let only = ProcessInfo.processInfo.environment["HOIST_PEER_CASES"], !only.isEmpty else { return cases }
        let wanted = Set(only.split(separator: ",").map(String.init))
        return cases.filter { wanted.contains($0.name) }
    }()
}

// MARK: - Tests

@Suite(.serialized)
struct PeerComparisonTests {
    @Test func thereAreAtLeastTwentySharedDockerfiles() {
        let shared = PeerCase.all.filter { !$0.isEquivalent }
        #expect(
            shared.count >= 20 || ProcessInfo.processInfo.environment["HOIST_PEER_CASES"] != nil,
            "only \(shared.count) cases build one Dockerfile with both tools")
    }

    @Test(arguments: PeerCase.all)
    func imageMatchesBuildah(_ peerCase: PeerCase) throws {
        let environment = try PeerEnvironment.shared.get()
        let scratch = try TemporaryDirectory("hoist-peer-case")
        let expected = try environment.buildah.build(peerCase, tag: "b1", into: scratch)
        defer { environment.buildah.remove(peerCase, tag: "b1") }
        let actual: BuiltImage
        if environment.isSelfTest {
            actual = try environment.buildah.build(peerCase, tag: "b2", into: scratch)
        } else {
            actual = try environment.hoistBuild(peerCase, into: scratch)
        }
        defer { if environment.isSelfTest { environment.buildah.remove(peerCase, tag: "b2") } }

        var expectedTree = try FileTree(rootfs: expected.rootfs)
        var actualTree = try FileTree(rootfs: actual.rootfs)
        expectedTree.dropStubs(peerCase.buildahStubs, absentFrom: actualTree)
        if environment.isSelfTest { actualTree.dropStubs(peerCase.buildahStubs, absentFrom: expectedTree) }
        let treeDifferences = expectedTree.differences(from: actualTree, expectedName: "buildah", actualName: actual.by)
        #expect(treeDifferences.isEmpty, "\(peerCase.name): root filesystems differ:\n\(treeDifferences.report)")

        let configDifferences = expected.config.differences(from: actual.config)
        #expect(
            configDifferences.isEmpty,
            "\(peerCase.name): configs differ (buildah vs \(actual.by)):\n\(configDifferences.report)")

        for (path, secret) in peerCase.secretContents {
            for image in [expected, actual] {
                let leaks = try FileTree.files(under: image.rootfs, containing: secret)
                #expect(leaks.isEmpty, "\(peerCase.name): the secret \(path) is in \(image.by)'s image: \(leaks)")
            }
        }
    }
}

// MARK: - Environment shared by every case

/// An image built by one tool: its unpacked root filesystem and its config.
struct BuiltImage {
    var by: String
    var rootfs: String
    var config: PeerConfig
}

/// The busybox base, a buildah storage holding it, and (unless self-testing) a hoist root holding it.
final class PeerEnvironment: Sendable {
    static let baseName = "localhost/busybox:peer"
    /// Built once per test process and removed when it exits.
    static let shared: Result<PeerEnvironment, any Error> = {
        let result = Result { try PeerEnvironment() }
        if case .success = result { atexit { PeerEnvironment.removeShared() } }
        return result
    }()

    let directory: TemporaryDirectory
    let isSelfTest: Bool
    let hoistRoot: String
    let buildah: Buildah

    private init() throws {
        isSelfTest = ProcessInfo.processInfo.environment["HOIST_PEER_SELFTEST"] == "1"
        try Subprocess.requireTool("buildah", package: "buildah")
        try Subprocess.requireTool("umoci", package: "umoci")
        try Subprocess.requireTool("busybox", package: "busybox-static")
        directory = try TemporaryDirectory("hoist-peer")
        hoistRoot = directory.child("hoist-root")
        buildah = try Buildah(directory: directory.child("buildah"))
        let rootfs = directory.child("base-rootfs")
        try BusyboxBase.write(to: rootfs)
        let layout: String
        if isSelfTest {
            layout = directory.child("base-layout")
            try BusyboxBase.writeLayout(of: rootfs, to: layout, tag: Self.baseName, scratch: directory)
        } else {
            try Self.requireHoistBuild()
            let imported = try Subprocess.run(
                [TestPaths.hoistBinary, "--root", hoistRoot, "import", rootfs, "-t", Self.baseName]
                    + BusyboxBase.hoistImportOptions)
            guard imported.succeeded else { throw TestSupportError.setup("hoist import: \(imported.stderr)") }
            layout = hoistRoot + "/store"
        }
        try buildah.pullBase(fromLayout: layout, tag: Self.baseName)
    }

    private static func removeShared() {
        guard case .success(let environment) = shared else { return }
        environment.buildah.removeEverything()
        try? FileManager.default.removeItem(atPath: environment.directory.path)
    }

    /// Fails, naming the way out, when the `hoist` under test has no `build` command yet.
    private static func requireHoistBuild() throws {
        let help = try Subprocess.run([TestPaths.hoistBinary, "build", "--help"])
        // An unknown subcommand still prints the top-level help, so look for the command's own usage line.
        guard help.succeeded, help.stdout.contains("USAGE: hoist build") else {
            throw TestSupportError.setup(
                "\(TestPaths.hoistBinary) has no working `build` command (\(help.stderr.prefix(200))); "
                    + "HOIST_PEER_SELFTEST=1 checks the harness with buildah alone")
        }
    }

    /// Builds the case with `hoist build` into the shared root and unpacks it.
    func hoistBuild(_ peerCase: PeerCase, into scratch: TemporaryDirectory) throws -> BuiltImage {
        let tag = peerCase.imageName + ":hoist"
        let build = try Subprocess.run(
            [TestPaths.hoistBinary, "--root", hoistRoot, "build", "-f", "Dockerfile", "-t", tag]
                + peerCase.arguments + peerCase.hoistOnlyArguments + ["."],
            directory: peerCase.directory)
        guard build.succeeded else {
            throw PeerFailure.build(tool: "hoist", name: peerCase.name, output: build.stdout + build.stderr)
        }
        let bundle = scratch.child("hoist-bundle")
        try Umoci.unpack(layout: hoistRoot + "/store", tag: tag, to: bundle)
        let inspect = try Subprocess.run([TestPaths.hoistBinary, "--root", hoistRoot, "inspect", "--config", tag])
        guard inspect.succeeded,
            let json = try JSONSerialization.jsonObject(with: inspect.stdoutBytes) as? [String: Any]
        else { throw PeerFailure.inspect(tool: "hoist", name: peerCase.name, output: inspect.stderr) }
        return BuiltImage(
            by: "hoist", rootfs: bundle + "/rootfs", config: PeerConfig(json["config"] as? [String: Any] ?? [:]))
    }
}

enum PeerFailure: Error, CustomStringConvertible {
    case build(tool: String, name: String, output: String)
    case inspect(tool: String, name: String, output: String)
    case unpack(image: String, output: String)

    var description: String {
        switch self {
        case .build(let tool, let name, let output):
            "\(tool) could not build \(name):\n\(output.suffix(4000))"
        case .inspect(let tool, let name, let output): "\(tool) could not inspect \(name): \(output)"
        case .unpack(let image, let output): "umoci could not unpack \(image): \(output)"
        }
    }
}

// MARK: - The base image

/// The base both builders start from: Debian's static busybox with every applet linked as `busybox --install -s`
/// would, users root, nobody and app (1000:1000), and a few files for the deletion cases.
enum BusyboxBase {
    /// `hoist import` has no `--env`, so the base has no Env at all (busybox sh's built-in PATH applies), and the
    /// self-test's layout matches that.
    static let hoistImportOptions = ["--source-date-epoch", "1700000000"]

    private static let passwd = """
        root:x:0:0:root:/root:/bin/sh
        nobody:x:65534:65534:nobody:/nonexistent:/bin/false
        app:x:1000:1000:app:/home/app:/bin/sh

        """
    private static let group = "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n"
    /// (path, mode, uid) of the directories, made in this order.
    private static let directories: [(String, mode_t, uid_t)] = [
        ("bin", 0o755, 0), ("sbin", 0o755, 0), ("usr", 0o755, 0), ("usr/bin", 0o755, 0), ("usr/sbin", 0o755, 0),
        ("usr/share", 0o755, 0), ("usr/share/peer", 0o755, 0), ("usr/share/peer/dir", 0o755, 0),
        ("etc", 0o755, 0), ("root", 0o700, 0), ("tmp", 0o1777, 0), ("home", 0o755, 0), ("home/app", 0o755, 1000),
        ("opt", 0o755, 0), ("opt/base", 0o755, 0), ("opt/base/sub", 0o755, 0), ("var", 0o755, 0),
        // Mount points buildah would otherwise create in the first RUN's layer.
        ("dev", 0o755, 0), ("proc", 0o755, 0), ("sys", 0o755, 0), ("run", 0o755, 0),
    ]
    private static let files: [(String, String)] = [
        ("etc/passwd", passwd), ("etc/group", group), ("etc/motd", "motd\n"),
        // Empty, as buildah bind-mounts over them and would otherwise leave empty ones in the first RUN's layer.
        ("etc/hosts", ""), ("etc/hostname", ""), ("etc/resolv.conf", ""),
        ("usr/share/peer/keep.txt", "keep\n"), ("usr/share/peer/remove.txt", "remove\n"),
        ("usr/share/peer/dir/a.txt", "a\n"), ("usr/share/peer/dir/b.txt", "b\n"),
        ("opt/base/old.txt", "old\n"), ("opt/base/sub/deep.txt", "deep\n"),
    ]

    static func write(to root: String) throws {
        let manager = FileManager.default
        for (relative, mode, uid) in directories {
            let path = root + "/" + relative
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
            try set(path, mode: mode, uid: uid)
        }
        for (relative, content) in files {
            let path = root + "/" + relative
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            try set(path, mode: 0o644, uid: 0)
        }
        let busybox = try Subprocess.requireTool("busybox", package: "busybox-static")
        try manager.copyItem(atPath: busybox, toPath: root + "/bin/busybox")
        try set(root + "/bin/busybox", mode: 0o755, uid: 0)
        let applets = try Subprocess.run([busybox, "--list-full"])
        guard applets.succeeded else { throw TestSupportError.setup("busybox --list-full: \(applets.stderr)") }
        for applet in applets.stdout.split(separator: "\n") where applet != "bin/busybox" {
            try manager.createSymbolicLink(atPath: root + "/" + applet, withDestinationPath: "/bin/busybox")
        }
    }

    private static func set(_ path: String, mode: mode_t, uid: uid_t) throws {
        guard chmod(path, mode) == 0, lchown(path, uid, uid) == 0 else {
            throw TestSupportError.setup("chmod/chown \(path): errno \(errno)")
        }
    }

    /// Writes the root filesystem as a one-layer OCI layout tagged `tag` (the self-test's stand-in for `hoist import`).
    static func writeLayout(of rootfs: String, to layout: String, tag: String, scratch: TemporaryDirectory) throws {
        let tarball = scratch.child("base.tar")
        let tar = try Subprocess.run([
            "tar", "--sort=name", "--mtime=@0", "--numeric-owner", "-C", rootfs, "-cf", tarball, ".",
        ])
        guard tar.succeeded else { throw TestSupportError.setup("tar: \(tar.stderr)") }
        let gzip = try Subprocess.run(["gzip", "-n", "-c", tarball])
        guard gzip.succeeded else { throw TestSupportError.setup("gzip: \(gzip.stderr)") }
        let store = try LayoutContentStore(path: layout)
        let layer = try store.writeBlob(gzip.stdoutBytes)
        let container = ContainerConfig()
        let created = "2024-01-01T00:00:00Z"
        let config = ImageConfiguration(
            platform: .host, created: created, config: container,
            rootfs: .init(diff_ids: [SHA256Hasher.digest(of: try Data(contentsOf: URL(fileURLWithPath: tarball)))]),
            history: [.init(created: created, created_by: "peer-comparison base")])
        let manifest = ImageManifest(
            config: try store.writeJSON(config, mediaType: .ociConfig),
            layers: [Descriptor(mediaType: .ociLayerGzip, digest: layer.digest, size: layer.size)])
        try store.tag(try store.writeJSON(manifest, mediaType: .ociManifest), as: tag)
    }
}

// MARK: - buildah and umoci

/// buildah with its own storage, configuration and home, so nothing touches (or is read from) the host's.
struct Buildah: Sendable {
    let directory: String
    let driver: String

    init(directory: String) throws {
        self.directory = directory
        driver = ProcessInfo.processInfo.environment["HOIST_PEER_BUILDAH_DRIVER"] ?? "overlay"
        let manager = FileManager.default
        for child in ["home", "run", "root", "tmp"] {
            try manager.createDirectory(atPath: directory + "/" + child, withIntermediateDirectories: true)
        }
        let files = [
            "storage.conf": "[storage]\ndriver = \"\(driver)\"\nrunroot = \"\(directory)/run\"\n"
                + "graphroot = \"\(directory)/root\"\n",
            "registries.conf": "unqualified-search-registries = []\n",
            "containers.conf": "[engine]\n",
            "policy.json": #"{"default":[{"type":"insecureAcceptAnything"}]}"#,
            "auth.json": "{}",
        ]
        for (name, content) in files {
            try content.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
    }

    private var environment: [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": directory + "/home", "XDG_CONFIG_HOME": directory + "/home/.config",
            "XDG_DATA_HOME": directory + "/home/.local/share", "XDG_RUNTIME_DIR": directory + "/run",
            "TMPDIR": directory + "/tmp", "CONTAINERS_STORAGE_CONF": directory + "/storage.conf",
            "CONTAINERS_REGISTRIES_CONF": directory + "/registries.conf",
            "CONTAINERS_CONF": directory + "/containers.conf", "REGISTRY_AUTH_FILE": directory + "/auth.json",
        ]
    }

    @discardableResult
    func run(_ arguments: [String], in workingDirectory: String? = nil) throws -> ProcessResult {
        try Subprocess.run(
            [
                "buildah", "--root", directory + "/root", "--runroot", directory + "/run", "--storage-driver",
                driver,
            ] + arguments, environment: environment, directory: workingDirectory)
    }

    /// Copies the base from an OCI layout into buildah's storage under the name the Dockerfiles use. skopeo, not
    /// `buildah pull oci:…`: buildah 1.28 derives a name from the layout's path and rejects upper-case temp names.
    func pullBase(fromLayout layout: String, tag: String) throws {
        try Subprocess.requireTool("skopeo", package: "skopeo")
        let destination = "containers-storage:[\(driver)@\(directory)/root+\(directory)/run]\(tag)"
        let copy = try Subprocess.run(
            ["skopeo", "--policy", directory + "/policy.json", "copy", "-q", "oci:\(layout):\(tag)", destination],
            environment: environment)
        guard copy.succeeded else { throw TestSupportError.setup("skopeo copy of the base: \(copy.stderr)") }
    }

    /// Builds the case, pushes it to an OCI layout and unpacks it.
    func build(_ peerCase: PeerCase, tag: String, into scratch: TemporaryDirectory) throws -> BuiltImage {
        let image = peerCase.imageName + ":" + tag
        let build = try run(
            [
                "build", "--isolation", "chroot", "--pull=false", "--layers=false", "--format", "docker",
                "--identity-label=false", "--signature-policy", directory + "/policy.json", "-f",
                peerCase.buildahDockerfile, "-t", image,
            ] + peerCase.arguments + ["."], in: peerCase.directory)
        guard build.succeeded else {
            throw PeerFailure.build(tool: "buildah", name: peerCase.name, output: build.stdout + build.stderr)
        }
        // The Docker config, which (unlike the OCI one) keeps Healthcheck, OnBuild and Shell.
        let inspect = try run(["inspect", "--type", "image", image])
        guard inspect.succeeded,
            let json = try JSONSerialization.jsonObject(with: inspect.stdoutBytes) as? [String: Any],
            let docker = json["Docker"] as? [String: Any]
        else { throw PeerFailure.inspect(tool: "buildah", name: peerCase.name, output: inspect.stderr) }
        let layout = scratch.child("buildah-\(tag)-layout")
        let push = try run([
            "push", "--signature-policy", directory + "/policy.json", "-q", image, "oci:\(layout):peer",
        ])
        guard push.succeeded else { throw PeerFailure.unpack(image: image, output: push.stderr) }
        let bundle = scratch.child("buildah-\(tag)-bundle")
        try Umoci.unpack(layout: layout, tag: "peer", to: bundle)
        return BuiltImage(
            by: tag == "b1" ? "buildah" : "buildah (second build)", rootfs: bundle + "/rootfs",
            config: PeerConfig(docker["config"] as? [String: Any] ?? [:]))
    }

    func remove(_ peerCase: PeerCase, tag: String) {
        _ = try? run(["rmi", "-f", peerCase.imageName + ":" + tag])
    }

    func removeEverything() {
        _ = try? run(["rm", "--all"])
        _ = try? run(["rmi", "--all", "--force"])
    }
}

enum Umoci {
    static func unpack(layout: String, tag: String, to bundle: String) throws {
        let result = try Subprocess.run(["umoci", "unpack", "--image", "\(layout):\(tag)", bundle])
        guard result.succeeded else { throw PeerFailure.unpack(image: "\(layout):\(tag)", output: result.stderr) }
    }
}

// MARK: - Tree comparison

/// What the comparison knows of one path: everything but timestamps.
struct FileRecord: Equatable {
    var type: Character
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var size: Int64 = 0
    var sha256: String?
    var linkTarget: String?
    var device: UInt64?
    /// For a file with several links: every path of the group, sorted.
    var hardLinks: [String]?

    var isEmpty: Bool { (type == "d" || type == "f") && size == 0 }

    /// The fields that differ, as `field: expected vs actual`.
    func differences(from other: FileRecord) -> [String] {
        var result: [String] = []
        func check<T: Equatable>(_ name: String, _ mine: T, _ theirs: T, _ show: (T) -> String) {
            if mine != theirs { result.append("\(name) \(show(mine)) vs \(show(theirs))") }
        }
        check("type", type, other.type) { String($0) }
        check("mode", mode, other.mode) { String($0, radix: 8) }
        check("uid", uid, other.uid) { "\($0)" }
        check("gid", gid, other.gid) { "\($0)" }
        check("size", size, other.size) { "\($0)" }
        check("content", sha256, other.sha256) { $0.map { String($0.prefix(12)) } ?? "-" }
        check("link target", linkTarget, other.linkTarget) { $0 ?? "-" }
        check("device", device, other.device) { $0.map { String($0, radix: 16) } ?? "-" }
        check("hard links", hardLinks, other.hardLinks) { $0?.joined(separator: ",") ?? "none" }
        return result
    }
}

/// Every path under a root filesystem (the root itself excluded), keyed by its absolute path inside it.
struct FileTree {
    var records: [String: FileRecord]

    init(rootfs: String) throws {
        records = [:]
        var inodes: [[UInt64]: [String]] = [:]
        try walk(rootfs, relative: "", inodes: &inodes)
        for paths in inodes.values where paths.count > 1 {
            for path in paths { records[path]?.hardLinks = paths.sorted() }
        }
    }

    private mutating func walk(_ rootfs: String, relative: String, inodes: inout [[UInt64]: [String]]) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: rootfs + relative)
        for name in names.sorted() {
            let path = relative + "/" + name
            let full = rootfs + path
            var info = stat()
            guard lstat(full, &info) == 0 else { throw TestSupportError.setup("lstat \(full): errno \(errno)") }
            var record = FileRecord(
                type: "?", mode: UInt32(info.st_mode) & 0o7777, uid: info.st_uid, gid: info.st_gid)
            // The S_IF* constants, spelled out: Glibc's macros do not import with one type everywhere.
            switch UInt32(info.st_mode) & 0o170000 {
            case 0o040000:
                record.type = "d"
                records[path] = record
                try walk(rootfs, relative: path, inodes: &inodes)
                continue
            case 0o100000:
                record.type = "f"
                record.size = Int64(info.st_size)
                record.sha256 = SHA256Hasher.digest(of: try Data(contentsOf: URL(fileURLWithPath: full))).encoded
                if info.st_nlink > 1 { inodes[[UInt64(info.st_dev), UInt64(info.st_ino)], default: []].append(path) }
            case 0o120000:
                record.type = "l"
                record.mode = 0
                record.linkTarget = try FileManager.default.destinationOfSymbolicLink(atPath: full)
            case 0o020000, 0o060000:
                record.type = UInt32(info.st_mode) & 0o170000 == 0o020000 ? "c" : "b"
                record.device = UInt64(info.st_rdev)
            case 0o010000: record.type = "p"
            case 0o140000: record.type = "s"
            default: break
            }
            records[path] = record
        }
    }

    /// Drops buildah's leftover mount points: listed, empty, and absent from the other image.
    mutating func dropStubs(_ stubs: Set<String>, absentFrom other: FileTree) {
        for stub in stubs where other.records[stub] == nil && records[stub]?.isEmpty == true {
            if records[stub]?.type == "d", records.keys.contains(where: { $0.hasPrefix(stub + "/") }) { continue }
            records[stub] = nil
        }
    }

    func differences(from other: FileTree, expectedName: String, actualName: String) -> PeerDifferences {
        var lines: [String] = []
        for path in Set(records.keys).union(other.records.keys).sorted() {
            switch (records[path], other.records[path]) {
            case (let mine?, nil): lines.append("\(path): only in \(expectedName)'s image (\(mine.type))")
            case (nil, let theirs?): lines.append("\(path): only in \(actualName)'s image (\(theirs.type))")
            case (let mine?, let theirs?):
                let fields = mine.differences(from: theirs)
                if !fields.isEmpty { lines.append("\(path): " + fields.joined(separator: "; ")) }
            case (nil, nil): break
            }
        }
        return PeerDifferences(lines: lines)
    }

    /// Regular files under `rootfs` whose content contains `needle`.
    static func files(under rootfs: String, containing needle: Data) throws -> [String] {
        let tree = try FileTree(rootfs: rootfs)
        let trimmed = needle.prefix { $0 != 0x0a }
        return try tree.records.filter { $0.value.type == "f" }.keys.sorted().filter { path in
            try Data(contentsOf: URL(fileURLWithPath: rootfs + path)).range(of: trimmed) != nil
        }
    }
}

struct PeerDifferences {
    var lines: [String]
    var isEmpty: Bool { lines.isEmpty }
    /// The first 60 differences, one per line.
    var report: String {
        let shown = lines.prefix(60).joined(separator: "\n")
        return lines.count > 60 ? shown + "\n… and \(lines.count - 60) more" : shown
    }
}

// MARK: - Config comparison

/// The config fields the builders must agree on, normalized so that absent, `null`, empty list, empty map and empty
/// string are the same thing, and without buildah's own `io.buildah.version` label.
struct PeerConfig {
    static let fields = [
        "Env", "Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Volumes", "Labels", "StopSignal",
        "Healthcheck", "OnBuild", "Shell",
    ]
    var values: [String: String] = [:]

    init(_ config: [String: Any]) {
        for field in Self.fields {
            guard var value = config[field], !(value is NSNull) else { continue }
            if field == "Labels", var labels = value as? [String: Any] {
                labels["io.buildah.version"] = nil
                value = labels
            }
            if field == "Env", let list = value as? [String] {
                // The same variables with the same values; not the order. ENV replacing a variable keeps its
                // place in Docker (and Hoist) but moves it to the end in buildah 1.28.
                value = list.sorted()
            }
            if let list = value as? [Any], list.isEmpty { continue }
            if let map = value as? [String: Any], map.isEmpty { continue }
            if let string = value as? String {
                if !string.isEmpty { values[field] = string }
                continue
            }
            let options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]
            if let data = try? JSONSerialization.data(withJSONObject: value, options: options) {
                values[field] = String(decoding: data, as: UTF8.self)
            }
        }
    }

    func differences(from other: PeerConfig) -> PeerDifferences {
        PeerDifferences(
            lines: Self.fields.compactMap { field in
                values[field] == other.values[field]
                    ? nil : "\(field): \(values[field] ?? "(none)") vs \(other.values[field] ?? "(none)")"
            })
    }
}
