// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import ArgumentParser
import Foundation
import Registry

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Check credentials against a registry, then store them (Docker's config.json format, mode 0600).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registryOptions: RegistryCommandOptions

    @Option(name: .shortAndLong, help: "The user name.")
    var username: String

    @Flag(help: "Read the password from standard input (the only way: it never appears in a process list).")
    var passwordStdin = false

    @Argument(help: "The registry: host[:port].")
    var registry: String

    func validate() throws {
        guard passwordStdin else { throw ValidationError("pass --password-stdin and the password on standard input") }
    }

    func run() async throws {
        global.bootstrapLogging()
        let input = FileHandle.standardInput.readDataToEndOfFile()
        var password = String(decoding: input, as: UTF8.self)
        while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else { throw ValidationError("no password on standard input") }
        let host = Self.normalizedRegistry(registry)
        let credential = Credential.basic(username: username, password: password)
        var resolver = try registryOptions.credentialResolver()
        resolver.explicit = credential
        try await RegistryClient.withClient(
            registry: host, options: registryOptions.registryOptions(), credentials: resolver
        ) { client in
            try await client.verifyCredentials()
        }
        try CredentialFile(resolver: resolver).store(credential, for: host)
        print("Login Succeeded")
    }

    /// `https://index.docker.io/v1/` → `docker.io`, `https://host:5000/` → `host:5000`.
    static func normalizedRegistry(_ text: String) -> String {
        var host = text
        for prefix in ["https://", "http://"] where host.hasPrefix(prefix) {
            host = String(host.dropFirst(prefix.count))
        }
        if let slash = host.firstIndex(of: "/") { host = String(host[..<slash]) }
        if ["index.docker.io", "registry-1.docker.io", "docker.io"].contains(host) { return "docker.io" }
        return host
    }
}

struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout", abstract: "Remove the stored credentials of a registry.")

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Credentials file (default $REGISTRY_AUTH_FILE, then Docker's config.json).", valueName: "file"))
    var authfile: String?

    @Argument(help: "The registry: host[:port].")
    var registry: String

    func run() async throws {
        global.bootstrapLogging()
        let host = LoginCommand.normalizedRegistry(registry)
        let file = authfile.map { CredentialFile(path: $0) } ?? CredentialFile()
        if try file.remove(for: host) {
            print("Removed login credentials for \(host)")
        } else {
            throw ValidationError("not logged in to \(host)")
        }
    }
}
