// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CSandbox
import Glibc

/// A `csandbox_config` and the C memory it points into, freed when the value is dropped. Built before the fork, so
/// the child side only reads memory it inherited.
final class CConfiguration {
    private(set) var config = csandbox_config()
    private var allocations: [UnsafeMutableRawPointer] = []

    /// Lays out the request for the C side.
    init(
        request: RunRequest, user: ResolvedUser, environment: [String], searchPath: String, standardOutput: Int32,
        standardError: Int32
    ) throws(SandboxError) {
        config.root = try string(request.root, field: "root")
        config.argv = try stringArray(request.arguments, field: "command")
        config.envp = try stringArray(environment, field: "environment")
        config.search_path = try string(searchPath, field: "PATH")
        config.workdir = try string(request.workingDirectory, field: "working directory")
        config.hostname = try request.hostname.map { (name: String) throws(SandboxError) in
            try string(name, field: "hostname")
        }
        config.uid = user.uid
        config.gid = user.gid
        // As Docker and buildah: the process's group list holds its primary group, then the others.
        let groups = [user.gid] + user.supplementaryGroups.filter { $0 != user.gid }
        config.groups = try array(groups.map { gid_t($0) })
        config.group_count = groups.count
        config.new_network = request.network == .none ? 1 : 0
        config.resolv_conf = try request.hostFiles.resolvConf.map { (path: String) throws(SandboxError) in
            try string(path, field: "resolv.conf source")
        }
        config.hosts = try request.hostFiles.hosts.map { (path: String) throws(SandboxError) in
            try string(path, field: "hosts source")
        }
        config.mounts = try array(request.mounts.map { (mount: Mount) throws(SandboxError) in try cMount(mount) })
        config.mount_count = request.mounts.count
        config.stdout_fd = standardOutput
        config.stderr_fd = standardError
    }

    deinit {
        for pointer in allocations { free(pointer) }
    }

    // MARK: - Private helpers

    private func cMount(_ mount: Mount) throws(SandboxError) -> csandbox_mount {
        var result = csandbox_mount()
        result.target = try string(mount.target, field: "mount target")
        result.read_only = mount.isReadOnly ? 1 : 0
        switch mount.kind {
        case .bind(let source):
            result.kind = Int32(CSANDBOX_MOUNT_BIND.rawValue)
            result.source = try string(source, field: "bind mount source")
        case .tmpfs(let size, let mode):
            result.kind = Int32(CSANDBOX_MOUNT_TMPFS.rawValue)
            var options = ["mode=" + String(mode ?? 0o1777, radix: 8)]
            if let size { options.append("size=\(size)") }
            result.data = try string(options.joined(separator: ","), field: "tmpfs options")
        }
        return result
    }

    private func allocate(bytes: Int) throws(SandboxError) -> UnsafeMutableRawPointer {
        guard let pointer = malloc(max(bytes, 1)) else { throw .spawnFailed(errno: ENOMEM) }
        allocations.append(pointer)
        return pointer
    }

    private func string(_ value: String, field: String) throws(SandboxError) -> UnsafePointer<CChar> {
        let utf8 = Array(value.utf8)
        guard !utf8.contains(0) else { throw .containsNUL(field: field) }
        let pointer = try allocate(bytes: utf8.count + 1).bindMemory(to: CChar.self, capacity: utf8.count + 1)
        for (index, byte) in utf8.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[utf8.count] = 0
        return UnsafePointer(pointer)
    }

    private func stringArray(_ values: [String], field: String) throws(SandboxError) -> UnsafePointer<
        UnsafePointer<CChar>?
    > {
        var pointers: [UnsafePointer<CChar>?] = []
        for value in values { pointers.append(try string(value, field: field)) }
        pointers.append(nil)
        return try array(pointers)
    }

    private func array<Element>(_ values: [Element]) throws(SandboxError) -> UnsafePointer<Element> {
        let pointer = try allocate(bytes: MemoryLayout<Element>.stride * values.count).bindMemory(
            to: Element.self, capacity: max(values.count, 1))
        for (index, value) in values.enumerated() { (pointer + index).initialize(to: value) }
        return UnsafePointer(pointer)
    }
}
