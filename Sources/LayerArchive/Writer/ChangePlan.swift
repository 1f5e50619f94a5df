// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// The sorted list of tar items a change set becomes.
///
/// Whiteouts are decided from each path's final state, after all its changes are known:
/// - a path that exists now is written as an entry (a tar entry replaces whatever was there, so a
///   directory replaced by a symlink or a file replaced by a directory needs no whiteout);
/// - a directory that was deleted and exists again, or is marked opaque, also gets `DIR/.wh..wh..opq`
///   right after its own entry, so nothing of the old directory shows through;
/// - a path that was deleted and does not exist now becomes `PARENT/.wh.NAME`, unless an ancestor is
///   itself deleted or opaque (the ancestor's marker already hides it);
/// - a deleted ancestor of a path that exists now must exist again: it is treated as re-created.
struct ChangePlan {
    struct Item {
        enum Kind: Equatable {
            case entry(needsOpaque: Bool, isExplicitlyOpaque: Bool)
            case whiteout
        }
        var components: [[UInt8]]
        var kind: Kind
        /// Sort key: an entry sorts by its path, a whiteout by its `.wh.NAME` path.
        var key: [[UInt8]]
    }

    private struct State {
        var isPresent = false
        var isDeleted = false
        var isOpaque = false
    }

    let items: [Item]

    init(_ changes: [LayerChange]) throws {
        var states: [[[UInt8]]: State] = [:]
        for change in changes {
            let components = try Self.components(of: change.path)
            guard !components.isEmpty else { continue }  // the root itself carries nothing
            var state = states[components] ?? State()
            switch change.kind {
            case .added, .modified: state.isPresent = true
            case .deleted: state.isDeleted = true
            case .opaqueDirectory:
                state.isOpaque = true
                state.isPresent = true
            }
            states[components] = state
        }
        // A path that exists needs all its ancestors to exist.
        for (components, state) in states where state.isPresent {
            for depth in 1..<components.count {
                let ancestor = Array(components[..<depth])
                if var ancestorState = states[ancestor], ancestorState.isDeleted, !ancestorState.isPresent {
                    ancestorState.isPresent = true
                    states[ancestor] = ancestorState
                }
            }
        }
        var items: [Item] = []
        for (components, state) in states {
            if state.isPresent {
                let kind = Item.Kind.entry(
                    needsOpaque: state.isOpaque || state.isDeleted, isExplicitlyOpaque: state.isOpaque)
                items.append(Item(components: components, kind: kind, key: components))
                continue
            }
            let isCovered = (1..<components.count).contains { depth in
                guard let ancestor = states[Array(components[..<depth])] else { return false }
                return ancestor.isDeleted || ancestor.isOpaque
            }
            guard !isCovered else { continue }
            var key = components
            key[key.count - 1] = LayerTarBuilder.whiteoutPrefix + components[components.count - 1]
            items.append(Item(components: components, kind: .whiteout, key: key))
        }
        items.sort { PathOrder.precedes($0.key, $1.key) }
        self.items = items
    }

    /// Splits a change path into components, ignoring a leading `/`, `.` components and empty ones.
    /// - Throws: `invalidChange` for a `..` component or a name starting with `.wh.`.
    static func components(of path: String) throws -> [[UInt8]] {
        var result: [[UInt8]] = []
        for part in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            let component = Array(part)
            if component == [UInt8(ascii: ".")] { continue }
            if component == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                throw ArchiveError.invalidChange(path: path, reason: "'..' is not allowed in a change path")
            }
            if component.starts(with: LayerTarBuilder.whiteoutPrefix) {
                throw ArchiveError.invalidChange(path: path, reason: "names starting with .wh. are reserved")
            }
            result.append(component)
        }
        return result
    }
}

/// The order of entries in a layer: component by component, each compared bytewise, a directory
/// before its contents. (This is the order of a depth-first walk that sorts each directory's names.)
enum PathOrder {
    static func precedes(_ lhs: [[UInt8]], _ rhs: [[UInt8]]) -> Bool {
        for (left, right) in zip(lhs, rhs) where left != right {
            return left.lexicographicallyPrecedes(right)
        }
        return lhs.count < rhs.count
    }
}
