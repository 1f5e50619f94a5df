// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A token scope: `repository:NAME:ACTIONS`.
///
/// See [the token scope grammar](https://distribution.github.io/distribution/spec/auth/scope/).
public struct Scope: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The repository, such as `team/app`.
    public var repository: String
    /// The actions, such as `pull` and `push`, sorted.
    public var actions: [String]

    public init(repository: String, actions: [String]) {
        self.repository = repository
        self.actions = Array(Set(actions)).sorted()
    }

    /// `repository:NAME:pull`.
    public static func pull(_ repository: String) -> Scope { Scope(repository: repository, actions: ["pull"]) }

    /// `repository:NAME:pull,push`.
    public static func push(_ repository: String) -> Scope { Scope(repository: repository, actions: ["pull", "push"]) }

    public var description: String { "repository:\(repository):\(actions.joined(separator: ","))" }

    /// Parses `repository:NAME:ACTIONS`; `nil` for other resource types or malformed text.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0] == "repository" else { return nil }
        let name = parts[1..<(parts.count - 1)].joined(separator: ":")
        guard !name.isEmpty, let last = parts.last else { return nil }
        self.init(repository: name, actions: last.split(separator: ",").map(String.init))
    }

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.description < rhs.description }

    /// Merges scopes of the same repository, so a set names each repository once.
    static func merged(_ scopes: [Scope]) -> [Scope] {
        var byRepository: [String: Set<String>] = [:]
        for scope in scopes { byRepository[scope.repository, default: []].formUnion(scope.actions) }
        return byRepository.map { Scope(repository: $0.key, actions: Array($0.value)) }.sorted()
    }
}
