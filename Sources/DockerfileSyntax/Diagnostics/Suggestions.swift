// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// "Did you mean …?" suggestions by edit distance.
public enum Suggestions {
    /// The edit distance between two strings (Levenshtein plus adjacent transpositions, the
    /// "optimal string alignment" variant), over Unicode scalars, in O(n·m) time.
    /// - Parameters:
    ///   - a: one string.
    ///   - b: another.
    /// - Returns: the number of single-scalar edits turning `a` into `b`.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var beforePrevious = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[y.count]
    }

    /// The closest candidate within a distance proportional to the word's length, if any.
    /// - Parameters:
    ///   - word: what the user wrote.
    ///   - candidates: the valid words.
    /// - Returns: the nearest candidate, or nil when none is close.
    public static func nearest(to word: String, in candidates: [String]) -> String? {
        guard word.unicodeScalars.count <= 64 else { return nil }
        let lowered = word.lowercased()
        let limit = max(1, min(3, lowered.count / 3 + 1))
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance <= limit && distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }
}
