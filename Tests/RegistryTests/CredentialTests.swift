// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import Registry
import TestSupport
import Testing

struct CredentialTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("hoist-creds") }

    func write(_ text: String, to name: String) throws -> String {
        let path = directory.child(name)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func resolver(_ environment: [String: String]) -> CredentialResolver {
        CredentialResolver(
            environment: ["HOME": directory.path, "PATH": directory.child("bin")].merging(environment) { $1 })
    }

    @Test func dockerConfigAuthsAndIdentityTokens() throws {
        let auth = Data("bob:pa:ss".utf8).base64EncodedString()
        _ = try write(
            #"{"auths":{"reg.test:5000":{"auth":"\#(auth)"},"https://other.test":{"identitytoken":"refresh-1"},"https://index.docker.io/v1/":{"auth":"\#(auth)"}}}"#,
            to: "docker/config.json")
        let resolver = resolver(["DOCKER_CONFIG": directory.child("docker")])
        #expect(try resolver.credential(for: "reg.test:5000") == .basic(username: "bob", password: "pa:ss"))
        #expect(try resolver.credential(for: "other.test") == .identityToken("refresh-1"))
        #expect(try resolver.credential(for: "docker.io") == .basic(username: "bob", password: "pa:ss"))
        #expect(try resolver.credential(for: "unknown.test") == nil)
    }

    @Test func credentialHelpersAndStoreAreRun() throws {
        let helper = try write(
            """
            #!/bin/sh
            read server
            if [ "$server" = "helped.test" ]; then
              printf '{"ServerURL":"%s","Username":"carol","Secret":"from-helper"}' "$server"
            elif [ "$server" = "token.test" ]; then
              printf '{"ServerURL":"%s","Username":"<token>","Secret":"id-tok"}' "$server"
            else
              echo "credentials not found in native keychain"; exit 1
            fi
            """, to: "bin/docker-credential-testhelper")
        chmod(helper, 0o755)
        _ = try write(
            #"{"credHelpers":{"helped.test":"testhelper"},"credsStore":"testhelper"}"#, to: ".docker/config.json")
        let resolver = resolver([:])
        #expect(try resolver.credential(for: "helped.test") == .basic(username: "carol", password: "from-helper"))
        #expect(try resolver.credential(for: "token.test") == .identityToken("id-tok"))
        #expect(try resolver.credential(for: "nothing.test") == nil)
    }

    @Test func explicitCredentialsWinThenTheAuthFile() throws {
        let authFile = try write(
            #"{"auths":{"reg.test":{"auth":"\#(Data("file:pw1".utf8).base64EncodedString())"}}}"#, to: "auth.json")
        _ = try write(
            #"{"auths":{"reg.test":{"auth":"\#(Data("docker:pw2".utf8).base64EncodedString())"}}}"#,
            to: ".docker/config.json")
        #expect(
            try resolver(["REGISTRY_AUTH_FILE": authFile]).credential(for: "reg.test")
                == .basic(username: "file", password: "pw1"))
        #expect(try resolver([:]).credential(for: "reg.test") == .basic(username: "docker", password: "pw2"))
        var explicit = resolver(["REGISTRY_AUTH_FILE": authFile])
        explicit.explicit = try Credential(parsingUserColonPassword: "me:a:b")
        #expect(try explicit.credential(for: "reg.test") == .basic(username: "me", password: "a:b"))
    }

    @Test func storeWritesDockerFormatWithMode0600AndKeepsOtherKeys() throws {
        let path = try write(#"{"credsStore":"","proxies":{"default":{}}}"#, to: "cfg/config.json")
        let file = CredentialFile(path: path)
        try file.store(.basic(username: "dave", password: "pw"), for: "reg.test:5000")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        #expect(object["proxies"] != nil)
        let auths = try #require(object["auths"] as? [String: Any])
        let entry = try #require(auths["reg.test:5000"] as? [String: String])
        #expect(entry["auth"] == Data("dave:pw".utf8).base64EncodedString())
        #expect(try file.remove(for: "reg.test:5000"))
        #expect(try !file.remove(for: "reg.test:5000"))
    }

    @Test func credentialDescriptionsHideSecrets() throws {
        let credential = try Credential(parsingUserColonPassword: "erin:hunter2")
        #expect(!"\(credential)".contains("hunter2"))
        #expect(!"\(Credential.identityToken("tok-123"))".contains("tok-123"))
    }
}

struct AuthChallengeTests {
    @Test(arguments: [
        (
            #"Bearer realm="https://auth.test/token",service="registry.test",scope="repository:a/b:pull,push repository:c:pull""#,
            "bearer",
            [
                "realm": "https://auth.test/token", "service": "registry.test",
                "scope": "repository:a/b:pull,push repository:c:pull",
            ]
        ),
        (#"Basic realm="Registry Realm""#, "basic", ["realm": "Registry Realm"]),
        (#"bearer realm=https://x.test/t, service="s""#, "bearer", ["realm": "https://x.test/t", "service": "s"]),
    ])
    func parses(header: String, scheme: String, parameters: [String: String]) {
        let parsed = AuthChallenge.parse(header)
        #expect(parsed.first?.scheme == scheme)
        #expect(parsed.first?.parameters == parameters)
    }

    @Test func parsesSeveralChallengesAndScopes() {
        let parsed = AuthChallenge.parse(#"Basic realm="r", Bearer realm="https://t",scope="repository:x/y:pull""#)
        #expect(parsed.map(\.scheme) == ["basic", "bearer"])
        #expect(parsed[1].scopes == [Scope.pull("x/y")])
    }

    @Test func retryDelaysGrowAndStayBounded() {
        let policy = RetryPolicy(initialDelay: .milliseconds(100), maximumDelay: .seconds(1), jitter: 0)
        #expect(policy.delay(beforeRetry: 1) == .milliseconds(100))
        #expect(policy.delay(beforeRetry: 3) == .milliseconds(400))
        #expect(policy.delay(beforeRetry: 10) == .seconds(1))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(30)) == .seconds(1))
        #expect(!policy.allowsRetry(afterAttempts: policy.maximumAttempts, elapsed: .zero))
    }
}
