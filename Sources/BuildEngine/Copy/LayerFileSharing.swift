// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import CLayerSupport
import Glibc

/// Finds the file behind an entry of a stage's read-only overlay view in the stage's layer directories, so that
/// `COPY --from` into a plain directory can hard-link it instead of copying its bytes.
///
/// Layer directories are never written once their step has finished (later steps write to their own upper
/// directories, and overlayfs copies a file up before changing it), so two layers may share an inode. The file
/// found must be the very inode the view shows (overlayfs reports a lower file's own inode number when all layers
/// are on one filesystem) with the same type, size, mode, owner and mtime, and carry no extended attributes (a
/// copy carries none): a link then puts into the new layer exactly what a copy would.
struct LayerFileSharing {
    private struct Layer {
        var path: String
        var device: UInt64
    }

    private let layers: [Layer]

    /// - Parameter layers: the stage's layer directories, bottom first.
    init(layers: [String]) {
        self.layers = layers.reversed().compactMap { path in
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            return Layer(path: path, device: UInt64(info.st_dev))
        }
    }

    var isEmpty: Bool { layers.isEmpty }

    /// The host path of the layer file behind `relative` (a path below the view's root), which the view shows
    /// with `info`; nil when there is none that a link may share.
    func backingFile(of relative: String, shownAs info: stat) -> String? {
        for layer in layers {
            let path = layer.path + "/" + relative
            var found = stat()
            if lstat(path, &found) != 0 {
                if errno == ENOENT || errno == ENOTDIR { continue }
                return nil
            }
            // The topmost layer with an entry at this path is the one the view shows, if it is the same inode.
            guard found.st_mode & S_IFMT == S_IFREG, UInt64(found.st_dev) == layer.device,
                found.st_ino == info.st_ino, found.st_mode == info.st_mode, found.st_size == info.st_size,
                found.st_uid == info.st_uid, found.st_gid == info.st_gid,
                found.st_mtim.tv_sec == info.st_mtim.tv_sec, found.st_mtim.tv_nsec == info.st_mtim.tv_nsec,
                llistxattr(path, nil, 0) == 0
            else { return nil }
            return path
        }
        return nil
    }
}
