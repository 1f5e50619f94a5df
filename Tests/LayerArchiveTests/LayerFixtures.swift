// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import Foundation
import LayerArchive
import OCIImage
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Builders of trees, crafted tars and listings shared by the LayerArchive tests.
enum LayerFixtures {
    struct SetupFailed: Error, CustomStringConvertible {
        let description: String
    }

    static func check(_ condition: Bool, _ what: @autoclosure () -> String) throws {
        if !condition { throw SetupFailed(description: what()) }
    }

    static func write(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try check(chmod(path, mode) == 0, "chmod \(path)")
    }

    static func mkdir(_ path: String, mode: mode_t = 0o755) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try check(chmod(path, mode) == 0, "chmod \(path)")
    }

    static func symlink(_ target: String, at path: String) throws {
        try check(Glibc.symlink(target, path) == 0, "symlink \(path)")
    }

    /// A tree exercising every entry type the writer handles. Ownership is set to 0:0 (needs root).
    static func makeRichTree(at root: String) throws {
        try mkdir(root)
        try mkdir(root + "/bin")
        try write(root + "/bin/tool", "#!/bin/sh\necho tool\n", mode: 0o4755)
        try write(root + "/etc-file", String(repeating: "configuration line\n", count: 2000))
        try mkdir(root + "/dir/nested", mode: 0o750)
        try write(root + "/dir/nested/data.txt", "nested\n", mode: 0o600)
        try check(link(root + "/dir/nested/data.txt", root + "/hardlink") == 0, "link")
        try symlink("dir/nested/data.txt", at: root + "/relative-link")
        try symlink("/" + String(repeating: "long-target/", count: 12) + "end", at: root + "/long-link")
        let longName = String(repeating: "n", count: 150) + "/" + String(repeating: "m", count: 120)
        try mkdir(root + "/" + String(repeating: "n", count: 150))
        try write(root + "/" + longName, "long name\n")
        try write(root + "/ünïcødé-名前.txt", "utf-8\n")
        try check(mkfifo(root + "/fifo", 0o644) == 0, "mkfifo")
        try write(root + "/with-xattr", "xattr\n")
        try setXattr(root + "/with-xattr", name: "user.hoist", value: "golden")
        if geteuid() == 0 {
            try check(mknod(root + "/null", S_IFCHR | 0o666, makedev(1, 3)) == 0, "mknod")
            try chownTree(root)
        }
        try check(chmod(root + "/bin/tool", 0o4755) == 0, "chmod setuid")
    }

    static func setXattr(_ path: String, name: String, value: String) throws {
        let result = try Subprocess.run(
            [
                "python3", "-c",
                "import os, sys; os.setxattr(sys.argv[1], sys.argv[2], sys.argv[3].encode(), follow_symlinks=False)",
                path, name, value,
            ])
        try check(result.succeeded, "setxattr \(name) on \(path): \(result.stderr)")
    }

    static func getXattr(_ path: String, name: String) throws -> String? {
        let result = try Subprocess.run(
            [
                "python3", "-c",
                "import os, sys; print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).decode())",
                path, name,
            ])
        return result.succeeded ? result.stdout.trimmingCharacters(in: .newlines) : nil
    }

    static func makedev(_ major: UInt32, _ minor: UInt32) -> dev_t {
        dev_t((UInt64(major & 0xfff) << 8) | UInt64(minor & 0xff) | (UInt64(minor & ~0xff) << 12))
    }

    static func chownTree(_ root: String) throws {
        let result = try Subprocess.run(["chown", "-R", "-h", "0:0", root])
        try check(result.succeeded, "chown: \(result.stderr)")
    }

    /// A canonical listing of a tree: one line per path with type, mode, owner, mtime, size, link target,
    /// content hash and xattrs (security.capability and user.*), sorted.
    static func listing(_ root: String, mtimes: Bool = true) throws -> [String] {
        let script = """
            import os, sys, hashlib, stat
            root = sys.argv[1]; out = []
            for d, dirs, files in os.walk(root):
                for n in dirs + files:
                    p = os.path.join(d, n); r = os.path.relpath(p, root); s = os.lstat(p)
                    line = [r, stat.filemode(s.st_mode), str(s.st_uid), str(s.st_gid)]
                    if sys.argv[2] == '1' and not stat.S_ISLNK(s.st_mode): line.append(str(int(s.st_mtime)))
                    if stat.S_ISREG(s.st_mode):
                        line += [str(s.st_size), hashlib.sha256(open(p, 'rb').read()).hexdigest()[:16]]
                    if stat.S_ISLNK(s.st_mode): line.append('-> ' + os.readlink(p))
                    if stat.S_ISCHR(s.st_mode) or stat.S_ISBLK(s.st_mode):
                        line.append('%d,%d' % (os.major(s.st_rdev), os.minor(s.st_rdev)))
                    try:
                        xs = sorted(x for x in os.listxattr(p, follow_symlinks=False)
                                    if x.startswith('user.') or x == 'security.capability')
                        line += ['%s=%s' % (x, os.getxattr(p, x, follow_symlinks=False).hex()) for x in xs]
                    except OSError: pass
                    out.append(' '.join(line))
            print('\\n'.join(sorted(out)))
            """
        let result = try Subprocess.run(["python3", "-c", script, root, mtimes ? "1" : "0"])
        try check(result.succeeded, "listing failed: \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// One entry of a crafted tar.
    struct CraftedEntry {
        var name: String
        var type: String = "file"  // file, dir, symlink, hardlink, char
        var link: String = ""
        var data: String = ""
    }

    /// Builds a tar with Python's tarfile (pax format), exactly as listed, and stores it uncompressed.
    static func storeCraftedTar(_ entries: [CraftedEntry], in store: LayoutContentStore, scratch: String) throws
        -> Digest
    {
        var lines: [String] = []
        for entry in entries {
            let fields = [entry.name, entry.type, entry.link, entry.data].map { Data($0.utf8).base64EncodedString() }
            lines.append(fields.joined(separator: " "))
        }
        let script = """
            import tarfile, io, sys, base64
            t = tarfile.open(sys.argv[1], 'w', format=tarfile.PAX_FORMAT)
            kinds = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE,
                     'hardlink': tarfile.LNKTYPE, 'char': tarfile.CHRTYPE}
            for line in sys.stdin.read().split('\\n'):
                if not line: continue
                name, kind, link, data = [base64.b64decode(f).decode() for f in line.split(' ')]
                info = tarfile.TarInfo(name); info.type = kinds[kind]; info.linkname = link
                info.mode = 0o755 if kind == 'dir' else 0o644; info.mtime = 1000
                payload = data.encode(); info.size = len(payload) if kind == 'file' else 0
                t.addfile(info, io.BytesIO(payload) if kind == 'file' else None)
            t.close()
            """
        let path = scratch + "/crafted-\(UInt32.random(in: 0...UInt32.max)).tar"
        let result = try Subprocess.run(
            ["python3", "-c", script, path], input: Data(lines.joined(separator: "\n").utf8))
        try check(result.succeeded, "python tarfile failed: \(result.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        return try store.writeBlob(bytes).digest
    }

    /// The entry names of a stored layer, as GNU tar lists them.
    static func entryNames(_ digest: Digest, in store: LayoutContentStore) throws -> [String] {
        let result = try Subprocess.run(["tar", "-tf", store.blobPath(digest)])
        try check(result.succeeded, "tar -tf failed: \(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// Names in a directory (not recursive), sorted.
    static func contents(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}
