// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

/// A streaming JSON writer for tools (`hoist parse --json`): values write themselves straight into
/// a byte buffer, with no intermediate tree and no `Codable` machinery, which keeps a
/// 10,000-instruction Dockerfile well under the 100 ms budget. Writers of objects must give their
/// keys in sorted order, so output is stable (checked in debug builds).
public struct JSONWriter {
    /// The JSON written so far.
    public private(set) var bytes: [UInt8] = []
    /// Whether to indent with two spaces per level.
    public let pretty: Bool
    private var depth = 0
    private var isFirst = true
    private var lastKeys: [String] = []

    /// Creates a writer.
    /// - Parameter pretty: indent with two spaces per level instead of writing one line.
    public init(pretty: Bool = false) {
        self.pretty = pretty
        bytes.reserveCapacity(1 << 20)
    }

    /// Writes a value as a whole document.
    /// - Parameters:
    ///   - value: the value.
    ///   - pretty: indent the output.
    /// - Returns: the JSON bytes, ending in a newline.
    public static func document(_ value: some JSONWritable, pretty: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        value.write(to: &writer)
        writer.bytes.append(0x0A)
        return writer.bytes
    }

    // MARK: - Containers

    /// Writes an object; `body` writes its members with ``field(_:_:)``.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        container(open: UInt8(ascii: "{"), close: UInt8(ascii: "}"), body)
    }

    /// Writes an array; `body` writes its elements with ``element(_:)``.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        container(open: UInt8(ascii: "["), close: UInt8(ascii: "]"), body)
    }

    private mutating func container(open: UInt8, close: UInt8, _ body: (inout JSONWriter) -> Void) {
        bytes.append(open)
        let savedFirst = isFirst
        depth += 1
        isFirst = true
        if open == UInt8(ascii: "{") { lastKeys.append("") }
        body(&self)
        if open == UInt8(ascii: "{") { lastKeys.removeLast() }
        depth -= 1
        if !isFirst { newline() }
        isFirst = savedFirst
        bytes.append(close)
    }

    private mutating func newline() {
        guard pretty else { return }
        bytes.append(0x0A)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    private mutating func separator() {
        if !isFirst { bytes.append(UInt8(ascii: ",")) }
        isFirst = false
        newline()
    }

    /// Writes one member of the current object.
    /// - Parameters:
    ///   - key: the member name; keys must come in sorted order.
    ///   - value: the value.
    public mutating func field(_ key: String, _ value: some JSONWritable) {
        assert(lastKeys.last.map { $0 < key || $0.isEmpty } ?? true, "JSON keys out of order at \(key)")
        if !lastKeys.isEmpty { lastKeys[lastKeys.count - 1] = key }
        separator()
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        value.write(to: &self)
    }

    /// Writes one element of the current array.
    /// - Parameter value: the value.
    public mutating func element(_ value: some JSONWritable) {
        separator()
        value.write(to: &self)
    }

    // MARK: - Scalars

    /// Writes `null`.
    public mutating func null() { bytes.append(contentsOf: "null".utf8) }

    /// Writes a number.
    public mutating func int(_ value: Int) { bytes.append(contentsOf: String(value).utf8) }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    /// Writes a string, escaping `"`, `\` and control characters (never `/`).
    public mutating func writeString(_ text: String) {
        bytes.append(0x22)
        let copied =
            text.utf8.withContiguousStorageIfAvailable { buffer -> Bool in
                for byte in buffer where byte < 0x20 || byte == 0x22 || byte == 0x5C { return false }
                bytes.append(contentsOf: buffer)
                return true
            } ?? false
        if copied {
            bytes.append(0x22)
            return
        }
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)],
                ])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }
}

/// Values that write themselves as JSON.
public protocol JSONWritable {
    /// Writes the value.
    /// - Parameter writer: the writer.
    func write(to writer: inout JSONWriter)
}

extension String: JSONWritable {
    public func write(to writer: inout JSONWriter) { writer.writeString(self) }
}

extension Int: JSONWritable {
    public func write(to writer: inout JSONWriter) { writer.int(self) }
}

extension Bool: JSONWritable {
    public func write(to writer: inout JSONWriter) { writer.bool(self) }
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.array { writer in
            for item in self { writer.element(item) }
        }
    }
}

extension Optional: JSONWritable where Wrapped: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        if let value = self { value.write(to: &writer) } else { writer.null() }
    }
}

extension Dictionary: JSONWritable where Key == String, Value: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { writer in
            for key in keys.sorted() {
                if let value = self[key] { writer.field(key, value) }
            }
        }
    }
}
