// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Byte-level helpers for the parser, which works on UTF-8 bytes for speed and to reproduce
/// BuildKit's byte-oriented quirks.
enum UTF8Bytes {
    /// Decodes the scalar starting at `index`; invalid sequences decode as U+FFFD of length 1.
    @inline(__always)
    static func decode(_ bytes: [UInt8], at index: Int, end: Int) -> (value: UInt32, length: Int) {
        let b0 = bytes[index]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        func continuation(_ offset: Int) -> UInt32? {
            let i = index + offset
            guard i < end else { return nil }
            let b = bytes[i]
            guard b & 0xC0 == 0x80 else { return nil }
            return UInt32(b & 0x3F)
        }
        if b0 & 0xE0 == 0xC0, b0 >= 0xC2, let c1 = continuation(1) {
            return ((UInt32(b0 & 0x1F) << 6) | c1, 2)
        }
        if b0 & 0xF0 == 0xE0, let c1 = continuation(1), let c2 = continuation(2) {
            let value = (UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2
            if value >= 0x800 && !(0xD800...0xDFFF).contains(value) { return (value, 3) }
        }
        if b0 & 0xF8 == 0xF0, let c1 = continuation(1), let c2 = continuation(2), let c3 = continuation(3) {
            let value = (UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
            if value >= 0x10000 && value <= 0x10FFFF { return (value, 4) }
        }
        return (0xFFFD, 1)
    }

    /// The byte length of the Unicode whitespace scalar at `index`, or 0 when it is not whitespace.
    @inline(__always)
    static func spaceLength(_ bytes: [UInt8], at index: Int, end: Int) -> Int {
        let b = bytes[index]
        if b < 0x80 { return (b == 0x20 || (b >= 0x09 && b <= 0x0D)) ? 1 : 0 }
        let (value, length) = decode(bytes, at: index, end: end)
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        return GoText.isSpace(scalar) ? length : 0
    }

    /// Go `bytes.TrimLeftFunc(unicode.IsSpace)`.
    static func trimLeadingSpace(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var i = range.lowerBound
        while i < range.upperBound {
            let n = spaceLength(bytes, at: i, end: range.upperBound)
            if n == 0 { break }
            i += n
        }
        return i..<range.upperBound
    }

    /// Go `strings.TrimSpace`.
    static func trimSpace(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        let left = trimLeadingSpace(bytes, range)
        var end = left.upperBound
        while end > left.lowerBound && bytes[end - 1] < 0x80 {
            let b = bytes[end - 1]
            guard b == 0x20 || (b >= 0x09 && b <= 0x0D) else { return left.lowerBound..<end }
            end -= 1
        }
        if end == left.lowerBound { return left.lowerBound..<end }
        var i = left.lowerBound
        var lastEnd = i
        while i < left.upperBound {
            let n = spaceLength(bytes, at: i, end: left.upperBound)
            if n == 0 {
                i += decode(bytes, at: i, end: left.upperBound).length
                lastEnd = i
            } else {
                i += n
            }
        }
        return left.lowerBound..<lastEnd
    }

    /// Removes trailing `\r` and `\n` bytes (Go `bytes.TrimRight(src, "\r\n")`).
    static func trimNewline(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var end = range.upperBound
        while end > range.lowerBound && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
        return range.lowerBound..<end
    }

    /// The number of scalars in a byte range (for columns).
    static func scalarCount(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        var count = 0
        for i in range where bytes[i] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// Makes a string from a byte range (invalid sequences are repaired).
    static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }
}
