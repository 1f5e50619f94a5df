// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `docker-registry` (the CNCF distribution registry) on an ephemeral 127.0.0.1 port, stopped
/// when the value is dropped or `stop()` is called.
public final class RegistryServer: @unchecked Sendable {
    // @unchecked: `lock` guards `process`; the rest is immutable after init.

    /// How clients authenticate.
    public enum Auth {
        case none
        /// htpasswd (bcrypt) Basic auth with one user.
        case htpasswd(user: String, password: String)
        /// Bearer tokens from this token server.
        case token(RegistryTokenServer)
    }

    public let port: Int
    /// `127.0.0.1:PORT`, as references name the registry.
    public var address: String { "127.0.0.1:\(port)" }
    /// For TLS set-ups: a certs.d-style directory holding `127.0.0.1:PORT/ca.crt`.
    public let certificateDirectory: String?
    /// For TLS set-ups: the CA certificate (PEM).
    public let caCertificate: String?
    public let directory: TemporaryDirectory
    private let lock = NSLock()
    private var process: Process?

    /// Starts a registry.
    /// - Parameters:
    ///   - tls: serve HTTPS with a certificate from a CA made by `openssl` here.
    ///   - auth: the authentication set-up.
    ///   - requireClientCertificate: with `tls`, demand a client certificate signed by the same CA; one is
    ///     placed in the certs.d directory as `client.cert` and `client.key`.
    public init(tls: Bool = false, auth: Auth = .none, requireClientCertificate: Bool = false) throws {
        let executable = try Subprocess.requireTool("docker-registry", package: "docker-registry")
        directory = try TemporaryDirectory("hoist-registry")
        port = try RegistrySockets.freePort()
        var config = """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(directory.child("data"))
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:\(port)
              secret: hoist-test-secret

            """
        if tls {
            let made = try Self.makeCertificates(in: directory, port: port, client: requireClientCertificate)
            certificateDirectory = made.certsD
            caCertificate = made.ca
            config += "  tls:\n    certificate: \(made.certificate)\n    key: \(made.key)\n"
            if requireClientCertificate { config += "    clientcas:\n      - \(made.ca)\n" }
        } else {
            certificateDirectory = nil
            caCertificate = nil
        }
        switch auth {
        case .none: break
        case .htpasswd(let user, let password):
            try Subprocess.requireTool("htpasswd", package: "apache2-utils")
            let file = directory.child("htpasswd")
            let result = try Subprocess.run(["htpasswd", "-Bbn", user, password])
            guard result.succeeded else { throw TestSupportError.setup("htpasswd failed: \(result.stderr)") }
            try result.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            config += "auth:\n  htpasswd:\n    realm: hoist-test\n    path: \(file)\n"
        case .token(let server):
            config += """
                auth:
                  token:
                    realm: \(server.realm)
                    service: \(server.service)
                    issuer: \(server.issuer)
                    rootcertbundle: \(server.certificatePath)

                """
        }
        let configPath = directory.child("config.yml")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", configPath]
        // The registry treats every REGISTRY_* variable as a configuration override.
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("REGISTRY_") }
        let log = FileHandle(forWritingAtPath: Self.touch(directory.child("registry.log")))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        // A watchdog stops the registry when this process goes away, even when a crash skips `stop()` and
        // `deinit`. (Foreground `sleep`: a background job's `wait` hangs with the signal mask children inherit.)
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c",
            // Alive means present and not a zombie (a crashed test process lingers as one until reaped).
            #"alive() { s=$(ps -o stat= -p "$1" 2>/dev/null); [ -n "$s" ] && [ "${s#Z}" = "$s" ]; }; "#
                + #"while alive "$1" && alive "$2"; do sleep 1; done; kill "$2" 2>/dev/null"#,
            "registry-watchdog", String(getpid()), String(process.processIdentifier),
        ]
        try? watchdog.run()
        do {
            try RegistrySockets.waitForListener(port: port)
        } catch {
            stop()
            let output = (try? String(contentsOfFile: directory.child("registry.log"), encoding: .utf8)) ?? ""
            throw TestSupportError.setup("docker-registry did not start: \(output)")
        }
    }

    deinit { stop() }

    /// Stops the registry and waits for it to exit.
    public func stop() {
        lock.lock()
        let running = process
        process = nil
        lock.unlock()
        guard let running, running.isRunning else { return }
        running.terminate()
        running.waitUntilExit()
    }

    /// The registry's log, for failure messages.
    public var log: String { (try? String(contentsOfFile: directory.child("registry.log"), encoding: .utf8)) ?? "" }

    private static func touch(_ path: String) -> String {
        FileManager.default.createFile(atPath: path, contents: nil)
        return path
    }

    /// A CA and a server certificate for 127.0.0.1 and localhost, made with `openssl`.
    private static func makeCertificates(in directory: TemporaryDirectory, port: Int, client: Bool) throws -> (
        ca: String, certificate: String, key: String, certsD: String
    ) {
        try Subprocess.requireTool("openssl", package: "openssl")
        let ca = directory.child("ca.crt")
        let caKey = directory.child("ca.key")
        let key = directory.child("server.key")
        let request = directory.child("server.csr")
        let certificate = directory.child("server.crt")
        let extensions = directory.child("server.ext")
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".write(
            toFile: extensions, atomically: true, encoding: .utf8)
        let steps: [[String]] = [
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", caKey, "-out", ca, "-days", "2", "-subj", "/CN=Hoist Test CA",
            ],
            [
                "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                "-out", request, "-subj", "/CN=127.0.0.1",
            ],
            [
                "openssl", "x509", "-req", "-in", request, "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-out",
                certificate, "-days", "2", "-extfile", extensions,
            ],
        ]
        for step in steps {
            let result = try Subprocess.run(step)
            guard result.succeeded else { throw TestSupportError.setup("\(step[1]) failed: \(result.stderr)") }
        }
        let certsD = directory.child("certs.d")
        let hostDirectory = certsD + "/127.0.0.1:\(port)"
        try FileManager.default.createDirectory(atPath: hostDirectory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ca, toPath: hostDirectory + "/ca.crt")
        if client {
            let clientKey = hostDirectory + "/client.key"
            let clientRequest = directory.child("client.csr")
            let clientExtensions = directory.child("client.ext")
            try "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n".write(
                toFile: clientExtensions, atomically: true, encoding: .utf8)
            for step in [
                [
                    "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    clientKey, "-out", clientRequest, "-subj", "/CN=hoist-test-client",
                ],
                [
                    "openssl", "x509", "-req", "-in", clientRequest, "-CA", ca, "-CAkey", caKey, "-CAcreateserial",
                    "-out", hostDirectory + "/client.cert", "-days", "2", "-extfile", clientExtensions,
                ],
            ] {
                let result = try Subprocess.run(step)
                guard result.succeeded else { throw TestSupportError.setup("\(step[1]) failed: \(result.stderr)") }
            }
        }
        return (ca, certificate, key, certsD)
    }
}
