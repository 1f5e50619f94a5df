// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

import OCIImage

/// Where a build cache is kept outside the Hoist root: a tag in a registry, or an OCI image layout directory.
/// See specs/cache.md, "Remote cache".
public enum CacheLocation: Sendable, Hashable, CustomStringConvertible {
    /// `type=registry,ref=REGISTRY/REPOSITORY:TAG`.
    case registry(ImageReference)
    /// `type=local,dest=DIR` or `type=local,src=DIR`.
    case local(directory: String)

    public var description: String {
        switch self {
        case .registry(let reference): reference.description
        case .local(let directory): directory
        }
    }
}

/// Which steps `--cache-to` writes.
public enum CacheExportMode: String, Sendable, Hashable, CaseIterable {
    /// The steps whose results the image carries: those of the target stage and the stages it is built on.
    case min
    /// Every step of every stage the build ran or reused.
    case max
}

/// `--cache-to type=registry,ref=REPO:TAG[,mode=min|max]` or `--cache-to type=local,dest=DIR[,mode=min|max]`.
public struct CacheExport: Sendable, Hashable {
    /// Where the cache goes.
    public var location: CacheLocation
    /// Which steps go.
    public var mode: CacheExportMode

    /// - Parameters:
    ///   - location: where the cache goes.
    ///   - mode: which steps go (default min).
    public init(location: CacheLocation, mode: CacheExportMode = .min) {
        self.location = location
        self.mode = mode
    }

    /// Parses the option's value.
    /// - Throws: `BuildError.invalidOption` naming the option and what is wrong.
    public init(parsing text: String) throws {
        let fields = try CacheOptionFields(text, option: "--cache-to", allowed: ["type", "ref", "dest", "mode"])
        switch try fields.type() {
        case "registry":
            try fields.refuse("dest", because: "type=registry takes ref=")
            let reference = try fields.reference()
            guard reference.digest == nil else {
                throw fields.error("ref must be a tag to push to, not a digest")
            }
            location = .registry(reference)
        default:
            try fields.refuse("ref", because: "type=local takes dest=DIR")
            guard let directory = fields.values["dest"], !directory.isEmpty else {
                throw fields.error("type=local needs dest=DIR")
            }
            location = .local(directory: directory)
        }
        let modeText = fields.values["mode"] ?? "min"
        guard let mode = CacheExportMode(rawValue: modeText) else {
            throw fields.error("mode takes min or max, not '\(modeText)'")
        }
        self.mode = mode
    }
}

/// `--cache-from type=registry,ref=REPO:TAG` or `--cache-from type=local,src=DIR`.
public struct CacheImport: Sendable, Hashable {
    /// Where the cache is read from.
    public var location: CacheLocation

    /// - Parameter location: where the cache is read from.
    public init(location: CacheLocation) { self.location = location }

    /// Parses the option's value.
    /// - Throws: `BuildError.invalidOption` naming the option and what is wrong.
    public init(parsing text: String) throws {
        let fields = try CacheOptionFields(text, option: "--cache-from", allowed: ["type", "ref", "src"])
        switch try fields.type() {
        case "registry":
            try fields.refuse("src", because: "type=registry takes ref=")
            location = .registry(try fields.reference())
        default:
            try fields.refuse("ref", because: "type=local takes src=DIR")
            guard let directory = fields.values["src"], !directory.isEmpty else {
                throw fields.error("type=local needs src=DIR")
            }
            location = .local(directory: directory)
        }
    }
}

/// The `key=value,…` fields of a cache option.
private struct CacheOptionFields {
    let text: String
    let option: String
    var values: [String: String] = [:]

    init(_ text: String, option: String, allowed: Set<String>) throws {
        self.text = text
        self.option = option
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pieces.count == 2, !pieces[0].isEmpty else { throw error("'\(part)' is not key=value") }
            guard allowed.contains(pieces[0]) else {
                throw error("unknown key '\(pieces[0])' (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard values[pieces[0]] == nil else { throw error("'\(pieces[0])' is given twice") }
            values[pieces[0]] = pieces[1]
        }
    }

    func error(_ reason: String) -> BuildError {
        BuildError.invalidOption("\(option) '\(text)': \(reason)")
    }

    /// `registry` or `local`.
    func type() throws -> String {
        guard let type = values["type"] else { throw error("type=registry or type=local is required") }
        guard type == "registry" || type == "local" else {
            throw error("type must be registry or local, not '\(type)'")
        }
        return type
    }

    func refuse(_ key: String, because reason: String) throws {
        if values[key] != nil { throw error(reason) }
    }

    /// `ref=`, with the tag `latest` when it names none.
    func reference() throws -> ImageReference {
        guard let text = values["ref"], !text.isEmpty else { throw error("type=registry needs ref=REPOSITORY:TAG") }
        do {
            let reference = try ImageReference(parsing: text)
            return reference.digest == nil ? reference.withDefaultTag : reference
        } catch {
            throw self.error("ref '\(text)' is not an image reference: \(error)")
        }
    }
}
