// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import OCIImage
import TestSupport
import Testing

/// `hoist login`, `logout`, `push` and `pull` against a real registry with htpasswd auth.
@Suite(.serialized)
struct RegistryCommandTests {
    static let password = "cli-secret-pass-9"
    let work: TemporaryDirectory
    let server: RegistryServer
    let environment: [String: String]

    init() throws {
        work = try TemporaryDirectory("hoist-cli-registry")
        server = try RegistryServer(auth: .htpasswd(user: "alice", password: Self.password))
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REGISTRY_") }
        environment["DOCKER_CONFIG"] = work.child("docker")
        environment["HOME"] = work.path
        environment["PATH"] = work.child("bin") + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        self.environment = environment
    }

    func hoist(_ arguments: [String], input: String? = nil) throws -> ProcessResult {
        let result = try Subprocess.run(
            [TestPaths.hoistBinary] + arguments, environment: environment, input: input.map { Data($0.utf8) })
        #expect(!result.stdout.contains(Self.password) && !result.stderr.contains(Self.password))
        return result
    }

    /// A store under `root` holding one image named `name`.
    func seed(root: String, name: String) throws -> RegistryTestImage {
        let store = try LayoutContentStore(path: root + "/store")
        let image = try RegistryTestImage.make(in: store, layerSizes: [40_000], seed: 61)
        try store.tag(image.manifest, as: name)
        return image
    }

    @Test func loginPushPullLogout() throws {
        let name = "\(server.address)/cli/app:1"
        let image = try seed(root: work.child("root"), name: name)
        let refused = try hoist(["login", server.address, "-u", "alice", "--password-stdin"], input: "wrong-pass\n")
        #expect(!refused.succeeded)
        #expect(refused.stderr.contains("authentication required"))
        #expect(!FileManager.default.fileExists(atPath: work.child("docker/config.json")))

        let login = try hoist(
            ["login", server.address, "-u", "alice", "--password-stdin"], input: Self.password + "\n")
        try #require(login.succeeded, "\(login.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: work.child("docker/config.json"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let digestFile = work.child("digest.txt")
        let push = try hoist(["push", "--root", work.child("root"), "--digestfile", digestFile, name])
        try #require(push.succeeded, "\(push.stderr)")
        let expected = "\(name)@\(image.manifest.digest)"
        #expect(push.stdout.split(separator: "\n").last.map(String.init) == expected)
        #expect(try String(contentsOfFile: digestFile, encoding: .utf8) == expected)

        let pull = try hoist(["pull", "--root", work.child("root2"), "-q", name])
        try #require(pull.succeeded, "\(pull.stderr)")
        #expect(pull.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == image.manifest.digest.description)
        let pulled = try LayoutContentStore(path: work.child("root2/store"), create: false)
        #expect(try pulled.resolveTag(name)?.digest == image.manifest.digest)

        let logout = try hoist(["logout", server.address])
        #expect(logout.succeeded)
        let anonymous = try hoist(["pull", "--root", work.child("root3"), name])
        #expect(!anonymous.succeeded)
        #expect(anonymous.stderr.contains("authentication required by \(server.address)"))
    }

    @Test func credsOptionAndCredentialHelper() throws {
        let name = "\(server.address)/cli/helper:1"
        let image = try seed(root: work.child("root"), name: name)
        let push = try hoist(["push", "--root", work.child("root"), "--creds", "alice:\(Self.password)", name])
        try #require(push.succeeded, "\(push.stderr)")

        try FileManager.default.createDirectory(atPath: work.child("bin"), withIntermediateDirectories: true)
        let helper = work.child("bin/docker-credential-hoisttest")
        try """
        #!/bin/sh
        read server
        printf '{"ServerURL":"%s","Username":"alice","Secret":"\(Self.password)"}' "$server"
        """.write(toFile: helper, atomically: true, encoding: .utf8)
        chmod(helper, 0o755)
        try FileManager.default.createDirectory(atPath: work.child("docker"), withIntermediateDirectories: true)
        try #"{"credHelpers":{"\#(server.address)":"hoisttest"}}"#.write(
            toFile: work.child("docker/config.json"), atomically: true, encoding: .utf8)
        let pull = try hoist(["pull", "--root", work.child("root2"), name])
        try #require(pull.succeeded, "\(pull.stderr)")
        #expect(pull.stdout.contains(image.manifest.digest.description))
    }
}
