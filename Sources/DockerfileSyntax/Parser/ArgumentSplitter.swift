// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// Splits an instruction's arguments into nodes per instruction, as BuildKit's `line_parsers.go` does.
struct ArgumentSplitter {
    let bytes: [UInt8]
    let escape: UInt8

    // MARK: - Flags

    /// Reads the leading `--flag` words (BuildKit `extractBuilderFlags`); returns the rest and the flags.
    func extractFlags(_ range: Range<Int>) -> (rest: Range<Int>, flags: [String]) {
        enum Phase { case spaces, word, quote }
        var flags: [String] = []
        var phase = Phase.spaces
        var word: [UInt8] = []
        var quote: UInt8 = 0
        var blankOK = false
        var pos = range.lowerBound
        let end = range.upperBound
        let dashDash: [UInt8] = [0x2D, 0x2D]
        while pos <= end {
            let ch: UInt8 = pos < end ? bytes[pos] : 0
            if phase == .spaces {
                if pos == end { break }
                if GoText.isLatin1Space(ch) {
                    pos += 1
                    continue
                }
                if ch != 0x2D || pos + 1 == end || bytes[pos + 1] != 0x2D {
                    return (pos..<end, flags)
                }
                phase = .word
            }
            if pos == end {
                if word != dashDash && (blankOK || !word.isEmpty) { flags.append(GoText.latin1(word[...])) }
                break
            }
            if phase == .word {
                if GoText.isLatin1Space(ch) {
                    phase = .spaces
                    if word == dashDash { return (pos..<end, flags) }
                    if blankOK || !word.isEmpty { flags.append(GoText.latin1(word[...])) }
                    word = []
                    blankOK = false
                    pos += 1
                    continue
                }
                if ch == 0x27 || ch == 0x22 {
                    quote = ch
                    blankOK = true
                    phase = .quote
                    pos += 1
                    continue
                }
                var c = ch
                if c == escape {
                    if pos + 1 == end {
                        pos += 1
                        continue
                    }
                    pos += 1
                    c = bytes[pos]
                }
                word.append(c)
                pos += 1
                continue
            }
            // phase == .quote
            if ch == quote {
                phase = .word
                pos += 1
                continue
            }
            var c = ch
            if c == escape {
                if pos + 1 == end {
                    phase = .word
                    pos += 1
                    continue
                }
                pos += 1
                c = bytes[pos]
            }
            word.append(c)
            pos += 1
        }
        return (end..<end, flags)
    }

    // MARK: - Argument forms

    /// Splits on runs of `[\t\v\f\r ]` (BuildKit `parseStringsWhitespaceDelimited`).
    func whitespaceDelimited(_ range: Range<Int>) -> [String] {
        guard !range.isEmpty else { return [] }
        var out: [String] = []
        var start = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            if GoText.isSplitSpace(bytes[i]) {
                out.append(UTF8Bytes.string(bytes, start..<i))
                while i < range.upperBound && GoText.isSplitSpace(bytes[i]) { i += 1 }
                start = i
            } else {
                i += 1
            }
        }
        out.append(UTF8Bytes.string(bytes, start..<range.upperBound))
        return out
    }

    /// The word split used by ENV, LABEL and ARG (BuildKit `parseWords`): quotes and escapes are kept.
    func words(_ range: Range<Int>) -> [String] {
        enum Phase { case spaces, word, quote }
        var words: [String] = []
        var phase = Phase.spaces
        var word: [UInt8] = []
        var quote: UInt32 = 0
        var blankOK = false
        var pos = range.lowerBound
        let end = range.upperBound
        let escapeValue = UInt32(escape)
        var ch: UInt32 = 0
        var width = 0
        func appendScalar(_ at: Int, _ value: UInt32, _ length: Int) {
            if length == 1 && value < 0x80 {
                word.append(UInt8(value))
            } else if value == 0xFFFD && length == 1 {
                word.append(contentsOf: [0xEF, 0xBF, 0xBD])
            } else {
                word.append(contentsOf: bytes[at..<(at + length)])
            }
        }
        var chStart = pos
        while pos <= end {
            if pos != end {
                let byte = bytes[pos]
                if byte < 0x80 {
                    (ch, width) = (UInt32(byte), 1)
                } else {
                    (ch, width) = UTF8Bytes.decode(bytes, at: pos, end: end)
                }
                chStart = pos
            }
            if phase == .spaces {
                if pos == end { break }
                if let scalar = Unicode.Scalar(ch), GoText.isSpace(scalar) {
                    pos += width
                    continue
                }
                phase = .word
            }
            if pos == end {
                if blankOK || !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
                break
            }
            if phase == .word {
                if let scalar = Unicode.Scalar(ch), GoText.isSpace(scalar) {
                    phase = .spaces
                    if blankOK || !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
                    word = []
                    blankOK = false
                    pos += width
                    continue
                }
                if ch == 0x27 || ch == 0x22 {
                    quote = ch
                    blankOK = true
                    phase = .quote
                }
                if ch == escapeValue {
                    if pos + width == end {
                        pos += width
                        continue
                    }
                    appendScalar(chStart, ch, width)
                    pos += width
                    (ch, width) = UTF8Bytes.decode(bytes, at: pos, end: end)
                    chStart = pos
                }
                appendScalar(chStart, ch, width)
                pos += width
                continue
            }
            // phase == .quote
            if ch == quote { phase = .word }
            if ch == escapeValue && quote != 0x27 {
                if pos + width == end {
                    phase = .word
                    pos += width
                    continue
                }
                appendScalar(chStart, ch, width)
                pos += width
                (ch, width) = UTF8Bytes.decode(bytes, at: pos, end: end)
                chStart = pos
            }
            appendScalar(chStart, ch, width)
            pos += width
        }
        return words
    }

    /// ENV and LABEL (BuildKit `parseNameVal`): old `KEY name value` or new `KEY a=b c=d` form.
    func nameValues(_ range: Range<Int>, keyword: String) throws(DockerfileError.Kind) -> [String] {
        let words = words(range)
        guard let first = words.first else { return [] }
        if !first.utf8.contains(UInt8(ascii: "=")) {
            var i = range.lowerBound
            while i < range.upperBound && !GoText.isSplitSpace(bytes[i]) { i += 1 }
            guard i < range.upperBound else {
                throw .wrongArguments(instruction: keyword, message: "must have two arguments")
            }
            let key = UTF8Bytes.string(bytes, range.lowerBound..<i)
            while i < range.upperBound && GoText.isSplitSpace(bytes[i]) { i += 1 }
            return [key, UTF8Bytes.string(bytes, i..<range.upperBound), ""]
        }
        var out: [String] = []
        out.reserveCapacity(words.count * 3)
        for word in words {
            let utf8 = word.utf8
            guard let equals = utf8.firstIndex(of: UInt8(ascii: "=")) else {
                throw .invalidKeyValue(
                    "syntax error - can't find = in \(GoText.quote(word)); must be of the form: name=value")
            }
            out.append(String(Substring(utf8[..<equals])))
            out.append(String(Substring(utf8[utf8.index(after: equals)...])))
            out.append("=")
        }
        return out
    }

    /// RUN, CMD, ENTRYPOINT, SHELL (BuildKit `parseMaybeJSON`).
    func maybeJSON(_ range: Range<Int>) throws(DockerfileError.Kind) -> (arguments: [String], isJSON: Bool) {
        guard !range.isEmpty else { return ([], false) }
        switch JSONArray.parse(bytes, range) {
        case .strings(let values): return (values, true)
        case .notStringArray: throw .jsonNotStringArray
        case .invalid: return ([UTF8Bytes.string(bytes, range)], false)
        }
    }

    /// ADD, COPY, VOLUME (BuildKit `parseMaybeJSONToList`).
    func maybeJSONToList(_ range: Range<Int>) throws(DockerfileError.Kind) -> (arguments: [String], isJSON: Bool) {
        switch JSONArray.parse(bytes, range) {
        case .strings(let values): return (values, true)
        case .notStringArray: throw .jsonNotStringArray
        case .invalid: return (whitespaceDelimited(range), false)
        }
    }

    /// HEALTHCHECK (BuildKit `parseHealthConfig`): a type word, then a RUN-style command.
    func healthcheck(_ range: Range<Int>) throws(DockerfileError.Kind) -> (arguments: [String], isJSON: Bool) {
        var separator = range.lowerBound
        while separator < range.upperBound && !GoText.isLatin1Space(bytes[separator]) { separator += 1 }
        var next = separator
        while next < range.upperBound && GoText.isLatin1Space(bytes[next]) { next += 1 }
        guard separator > range.lowerBound else { return ([], false) }
        let type = UTF8Bytes.string(bytes, range.lowerBound..<separator)
        let (command, isJSON) = try maybeJSON(next..<range.upperBound)
        return ([type] + command, isJSON)
    }
}
