// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

/// A secret that authenticates to a registry. Its description never shows the secret.
public enum Credential: Sendable, Equatable, CustomStringConvertible {
    /// A user name and password (or personal access token).
    case basic(username: String, password: String)
    /// An OAuth2 refresh token from `docker login` (`identitytoken`), exchanged at the token service.
    case identityToken(String)

    public var description: String {
        switch self {
        case .basic(let username, _): "credential for user \(username)"
        case .identityToken: "identity token"
        }
    }

    /// Parses `--creds user:password` (the password may contain `:`).
    /// - Throws: `RegistryError.credentials` when there is no `:` or the user is empty.
    public init(parsingUserColonPassword text: String) throws {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
            throw RegistryError.credentials(source: "--creds", reason: "expected USER:PASSWORD")
        }
        self = .basic(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    /// The `Authorization` value for Basic authentication, when this is a user and password.
    var basicAuthorization: String? {
        guard case .basic(let username, let password) = self else { return nil }
        return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

/// Finds the credential for a registry, trying in order:
/// 1. the explicit credential (`--creds`);
/// 2. the containers auth file named by `REGISTRY_AUTH_FILE` (`auths` entries);
/// 3. the Docker config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`): a `credHelpers`
///    entry for the host, then an `auths` entry (`auth` or `identitytoken`), then `credsStore`.
public struct CredentialResolver: Sendable {
    /// Used for every registry when set.
    public var explicit: Credential?
    /// The containers auth file, when `REGISTRY_AUTH_FILE` names one.
    public var authFile: String?
    /// The Docker config file.
    public var dockerConfigFile: String
    /// Where `docker-credential-*` helpers are looked up; `nil` for `PATH`.
    public var helperSearchPath: String?

    /// Reads the locations from the environment.
    /// - Parameters:
    ///   - explicit: a credential from the command line.
    ///   - environment: the process environment.
    public init(explicit: Credential? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.explicit = explicit
        self.authFile = environment["REGISTRY_AUTH_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let directory = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.docker"
        self.dockerConfigFile = directory + "/config.json"
        self.helperSearchPath = environment["PATH"]
    }

    /// A resolver that finds nothing: anonymous access only.
    public static let anonymous = CredentialResolver(
        explicit: nil, authFile: nil, dockerConfigFile: "/nonexistent/config.json", helperSearchPath: nil)

    init(explicit: Credential?, authFile: String?, dockerConfigFile: String, helperSearchPath: String?) {
        self.explicit = explicit
        self.authFile = authFile
        self.dockerConfigFile = dockerConfigFile
        self.helperSearchPath = helperSearchPath
    }

    /// The credential for a registry, or `nil` for anonymous access.
    /// - Parameter registry: the registry as references name it (`docker.io`, `localhost:5000`).
    /// - Throws: `RegistryError.credentials` for an unreadable file, `credentialHelper` when a helper fails.
    public func credential(for registry: String) throws -> Credential? {
        if let explicit { return explicit }
        if let authFile, let found = try DockerConfig.load(path: authFile)?.authEntry(for: registry) {
            return found
        }
        guard let config = try DockerConfig.load(path: dockerConfigFile) else { return nil }
        if let helper = config.helper(for: registry) {
            return try CredentialHelper(name: helper, searchPath: helperSearchPath).get(
                serverURL: DockerConfig.serverKey(for: registry))
        }
        if let found = try config.authEntry(for: registry) { return found }
        if let store = config.credsStore, !store.isEmpty {
            return try CredentialHelper(name: store, searchPath: helperSearchPath).get(
                serverURL: DockerConfig.serverKey(for: registry))
        }
        return nil
    }
}

/// The parts of Docker's `config.json` that hold credentials. Unknown keys are preserved on write.
struct DockerConfig {
    var object: [String: Any]
    let path: String

    static func load(path: String) throws -> DockerConfig? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RegistryError.credentials(source: path, reason: "cannot read the file")
        }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) {
            return DockerConfig(object: [:], path: path)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw RegistryError.credentials(source: path, reason: "not a JSON object")
        }
        return DockerConfig(object: object, path: path)
    }

    /// The key Docker uses for a registry: Docker Hub's historical URL, else the host.
    static func serverKey(for registry: String) -> String {
        registry == "docker.io" ? "https://index.docker.io/v1/" : registry
    }

    /// The keys that may name a registry in `auths` and `credHelpers`.
    static func candidateKeys(for registry: String) -> [String] {
        if registry == "docker.io" {
            return [
                "https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io",
                "https://registry-1.docker.io",
            ]
        }
        return [
            registry, "https://\(registry)", "http://\(registry)", "https://\(registry)/v1/", "https://\(registry)/v2/",
        ]
    }

    var auths: [String: Any] { object["auths"] as? [String: Any] ?? [:] }
    var credsStore: String? { object["credsStore"] as? String }

    func helper(for registry: String) -> String? {
        let helpers = object["credHelpers"] as? [String: Any] ?? [:]
        for key in Self.candidateKeys(for: registry) {
            if let name = helpers[key] as? String, !name.isEmpty { return name }
        }
        return nil
    }

    func authEntry(for registry: String) throws -> Credential? {
        let auths = auths
        for key in Self.candidateKeys(for: registry) {
            guard let entry = auths[key] as? [String: Any] else { continue }
            if let token = entry["identitytoken"] as? String, !token.isEmpty { return .identityToken(token) }
            if let encoded = entry["auth"] as? String, !encoded.isEmpty {
                guard let decoded = Data(base64Encoded: encoded).map({ String(decoding: $0, as: UTF8.self) }),
                    let colon = decoded.firstIndex(of: ":")
                else {
                    throw RegistryError.credentials(source: path, reason: "the auth entry for \(key) is malformed")
                }
                return .basic(
                    username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
            }
            if let username = entry["username"] as? String, let password = entry["password"] as? String {
                return .basic(username: username, password: password)
            }
        }
        return nil
    }

    /// Writes the file atomically with mode 0600.
    func save() throws {
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw RegistryError.credentials(source: path, reason: "cannot encode the file")
        }
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp-\(getpid())"
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            guard
                FileManager.default.createFile(
                    atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
            else {
                throw RegistryError.credentials(source: path, reason: "cannot create \(temporary)")
            }
            chmod(temporary, 0o600)
            guard rename(temporary, path) == 0 else {
                throw RegistryError.credentials(source: path, reason: "cannot replace the file")
            }
        } catch let error as RegistryError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw RegistryError.credentials(source: path, reason: "cannot write the file")
        }
    }
}

/// The file where `hoist login` stores credentials and `hoist logout` removes them.
public struct CredentialFile: Sendable {
    /// The file: `REGISTRY_AUTH_FILE` when set, else the Docker config.
    public let path: String

    public init(resolver: CredentialResolver = CredentialResolver()) {
        path = resolver.authFile ?? resolver.dockerConfigFile
    }

    public init(path: String) { self.path = path }

    /// Stores a user and password for a registry in Docker's format (`auths.HOST.auth`), mode 0600.
    /// - Throws: `RegistryError.credentials`.
    public func store(_ credential: Credential, for registry: String) throws {
        var config = try DockerConfig.load(path: path) ?? DockerConfig(object: [:], path: path)
        var auths = config.auths
        for key in DockerConfig.candidateKeys(for: registry) { auths.removeValue(forKey: key) }
        switch credential {
        case .basic(let username, let password):
            auths[DockerConfig.serverKey(for: registry)] = [
                "auth": Data("\(username):\(password)".utf8).base64EncodedString()
            ]
        case .identityToken(let token):
            auths[DockerConfig.serverKey(for: registry)] = ["identitytoken": token]
        }
        config.object["auths"] = auths
        try config.save()
    }

    /// Removes the credential of a registry.
    /// - Returns: whether there was one.
    @discardableResult
    public func remove(for registry: String) throws -> Bool {
        guard var config = try DockerConfig.load(path: path) else { return false }
        var auths = config.auths
        var removed = false
        for key in DockerConfig.candidateKeys(for: registry) where auths.removeValue(forKey: key) != nil {
            removed = true
        }
        guard removed else { return false }
        config.object["auths"] = auths
        try config.save()
        return true
    }
}

/// Runs `docker-credential-NAME get`, which reads the server URL on stdin and prints
/// `{"ServerURL":…,"Username":…,"Secret":…}`.
///
/// See [docker-credential-helpers](https://github.com/docker/docker-credential-helpers#development).
struct CredentialHelper {
    let name: String
    let searchPath: String?

    func get(serverURL: String) throws -> Credential? {
        let program = "docker-credential-\(name)"
        guard let executable = locate(program) else {
            throw RegistryError.credentialHelper(name: name, status: -1, reason: "\(program) is not on PATH")
        }
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        // A helper written a moment ago can still be open for writing in a child another thread is forking
        // (ETXTBSY); that clears within milliseconds, so try a few times, each with a fresh `Process`.
        var attempt = 0
        var started: Process?
        while started == nil {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["get"]
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            do {
                try process.run()
                started = process
            } catch {
                attempt += 1
                guard attempt < 5 else {
                    throw RegistryError.credentialHelper(name: name, status: -1, reason: "cannot start \(executable)")
                }
                usleep(50_000)
            }
        }
        guard let process = started else { return nil }
        input.fileHandleForWriting.write(Data(serverURL.utf8))
        try? input.fileHandleForWriting.close()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        _ = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: stdout, as: UTF8.self)
        if process.terminationStatus != 0 {
            // Helpers print "credentials not found in native keychain" for an unknown server.
            if text.lowercased().contains("not found") { return nil }
            // The helper's output could echo a secret; report only the status.
            throw RegistryError.credentialHelper(name: name, status: process.terminationStatus, reason: "get failed")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: stdout)) as? [String: Any],
            let username = object["Username"] as? String, let secret = object["Secret"] as? String
        else {
            throw RegistryError.credentialHelper(name: name, status: 0, reason: "unreadable answer")
        }
        if username == "<token>" { return .identityToken(secret) }
        return .basic(username: username, password: secret)
    }

    private func locate(_ program: String) -> String? {
        let path = searchPath ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
