// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Reads an instruction's exec-form JSON array the way BuildKit does with Go's `json.Unmarshal`:
/// the whole text must be one JSON value (trailing whitespace allowed). Validation is iterative,
/// so deeply nested input cannot exhaust the stack.
enum JSONArray {
    enum Outcome: Equatable {
        /// A complete array of strings.
        case strings([String])
        /// A complete array with a non-string element: a parse error in BuildKit.
        case notStringArray
        /// Not JSON, or not an array: the caller falls back to the shell form.
        case invalid
    }

    /// Go's decoder refuses nesting deeper than this.
    static let maximumDepth = 10_000

    private enum Expect { case value, valueOrClose, commaOrClose, key, keyOrClose, colon }

    static func parse(_ bytes: [UInt8], _ range: Range<Int>) -> Outcome {
        let start = UTF8Bytes.trimLeadingSpace(bytes, range).lowerBound
        let end = range.upperBound
        guard start < end, bytes[start] == UInt8(ascii: "[") else { return .invalid }
        var i = start
        var stack: [UInt8] = []
        var strings: [String] = []
        var allStrings = true
        var expect = Expect.value
        while true {
            while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
            guard i < end else { return .invalid }
            let c = bytes[i]
            var finishedValue = false
            switch expect {
            case .value, .valueOrClose:
                if expect == .valueOrClose && c == UInt8(ascii: "]") {
                    stack.removeLast()
                    i += 1
                    finishedValue = true
                    break
                }
                if stack.count == 1 && c != UInt8(ascii: "\"") { allStrings = false }
                switch c {
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    stack.append(c)
                    guard stack.count <= maximumDepth else { return .invalid }
                    expect = c == UInt8(ascii: "[") ? .valueOrClose : .keyOrClose
                    i += 1
                case UInt8(ascii: "\""):
                    guard let (text, next) = readString(bytes, i, end) else { return .invalid }
                    if stack.count == 1 { strings.append(text) }
                    i = next
                    finishedValue = true
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    guard let next = readLiteral(bytes, i, end) else { return .invalid }
                    i = next
                    finishedValue = true
                default:
                    guard let next = readNumber(bytes, i, end) else { return .invalid }
                    i = next
                    finishedValue = true
                }
            case .commaOrClose:
                if c == UInt8(ascii: ",") {
                    expect = stack.last == UInt8(ascii: "[") ? .value : .key
                    i += 1
                } else if (c == UInt8(ascii: "]") && stack.last == UInt8(ascii: "["))
                    || (c == UInt8(ascii: "}") && stack.last == UInt8(ascii: "{"))
                {
                    stack.removeLast()
                    i += 1
                    finishedValue = true
                } else {
                    return .invalid
                }
            case .key, .keyOrClose:
                if expect == .keyOrClose && c == UInt8(ascii: "}") {
                    stack.removeLast()
                    i += 1
                    finishedValue = true
                } else if c == UInt8(ascii: "\"") {
                    guard let (_, next) = readString(bytes, i, end) else { return .invalid }
                    i = next
                    expect = .colon
                } else {
                    return .invalid
                }
            case .colon:
                guard c == UInt8(ascii: ":") else { return .invalid }
                i += 1
                expect = .value
            }
            if finishedValue {
                if stack.isEmpty {
                    // Like Go's json.Unmarshal: only whitespace may follow the value.
                    while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D {
                        i += 1
                    }
                    guard i == end else { return .invalid }
                    return allStrings ? .strings(strings) : .notStringArray
                }
                expect = .commaOrClose
            }
        }
    }

    private static func readLiteral(_ bytes: [UInt8], _ i: Int, _ end: Int) -> Int? {
        for word in ["true", "false", "null"] {
            let utf8 = Array(word.utf8)
            if i + utf8.count <= end && Array(bytes[i..<(i + utf8.count)]) == utf8 { return i + utf8.count }
        }
        return nil
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private static func readNumber(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Int? {
        var i = start
        if i < end && bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end, isDigit(bytes[i]) else { return nil }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else {
            while i < end && isDigit(bytes[i]) { i += 1 }
        }
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < end, isDigit(bytes[i]) else { return nil }
            while i < end && isDigit(bytes[i]) { i += 1 }
        }
        if i < end && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            if i < end && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < end, isDigit(bytes[i]) else { return nil }
            while i < end && isDigit(bytes[i]) { i += 1 }
        }
        return i
    }

    private static func hexValue(_ bytes: [UInt8], _ i: Int, _ end: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var value: UInt32 = 0
        for b in bytes[i..<(i + 4)] {
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: return nil
            }
            value = value * 16 + digit
        }
        return value
    }

    /// Reads a JSON string starting at the opening quote; returns the decoded text and the index after it.
    private static func readString(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (String, Int)? {
        var out: [UInt8] = []
        var i = start + 1
        func append(_ scalar: Unicode.Scalar) { out.append(contentsOf: Array(String(scalar).utf8)) }
        while i < end {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { return (String(decoding: out, as: UTF8.self), i + 1) }
            if b < 0x20 { return nil }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < end else { return nil }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hexValue(bytes, i, end) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(unit), i + 6 <= end, bytes[i] == UInt8(ascii: "\\"),
                    bytes[i + 1] == UInt8(ascii: "u"), let low = hexValue(bytes, i + 2, end),
                    (0xDC00..<0xE000).contains(low),
                    let scalar = Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                {
                    append(scalar)
                    i += 6
                } else if let scalar = Unicode.Scalar(unit) {
                    append(scalar)
                } else {
                    append("\u{FFFD}")
                }
            default:
                return nil
            }
        }
        return nil
    }
}
