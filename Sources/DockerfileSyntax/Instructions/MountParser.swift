// Copyright 2026 The Hoist Authors. Licensed under the Apache License, Version 2.0.

extension Mount {
    /// Parses a `--mount` value: comma-separated `key=value` fields (CSV quoting allowed), as BuildKit's
    /// `instructions/commands_runmount.go` does.
    /// - Parameter specification: the value after `--mount=`.
    /// - Returns: the mount.
    /// - Throws: ``DockerfileError/Kind`` describing the bad field.
    public static func parse(_ specification: String) throws(DockerfileError.Kind) -> Mount {
        var mount = Mount()
        var explicitReadOnly: Bool?
        for field in csvFields(specification) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0].lowercased().trimmingSpaces()
            let value = parts.count > 1 ? String(parts[1]) : nil
            func required() throws(DockerfileError.Kind) -> String {
                guard let value else { throw bad(specification, "\(key) needs a value") }
                return value
            }
            func boolean() throws(DockerfileError.Kind) -> Bool {
                guard let value else { return true }
                switch value.lowercased() {
                case "true", "1": return true
                case "false", "0": return false
                default: throw bad(specification, "invalid value for \(key): \(value)")
                }
            }
            func number(_ radix: Int = 10) throws(DockerfileError.Kind) -> UInt32 {
                let text = try required()
                guard let parsed = UInt32(text, radix: radix) else {
                    throw bad(specification, "invalid value for \(key): \(text)")
                }
                return parsed
            }
            switch key {
            case "type":
                let text = try required()
                guard let type = MountType(rawValue: text.lowercased()) else {
                    throw bad(specification, "unsupported mount type \"\(text)\"")
                }
                mount.type = type
            case "target", "dst", "destination": mount.target = try required()
            case "source", "src": mount.source = try required()
            case "from": mount.from = try required()
            case "readonly", "ro": explicitReadOnly = try boolean()
            case "readwrite", "rw": explicitReadOnly = !(try boolean())
            case "id": mount.id = try required()
            case "sharing":
                let text = try required()
                guard let sharing = Sharing(rawValue: text.lowercased()) else {
                    throw bad(specification, "unsupported sharing value \"\(text)\"")
                }
                mount.sharing = sharing
            case "mode": mount.mode = try number(8)
            case "uid": mount.uid = try number()
            case "gid": mount.gid = try number()
            case "required": mount.required = try boolean()
            case "size":
                let text = try required()
                guard let size = parseSize(text) else { throw bad(specification, "invalid size \"\(text)\"") }
                mount.size = size
            case "env": mount.env = try required()
            default:
                throw bad(specification, "unexpected key '\(key)'")
            }
        }
        mount.readOnly = explicitReadOnly ?? (mount.type == .bind)
        try mount.validate(specification)
        return mount
    }

    private func validate(_ specification: String) throws(DockerfileError.Kind) {
        switch type {
        case .bind, .cache, .tmpfs:
            guard let target, !target.isEmpty else { throw Self.bad(specification, "mount target is required") }
        case .secret, .ssh:
            break
        }
        if sharing != nil && type != .cache {
            throw Self.bad(specification, "sharing is only allowed for cache mounts")
        }
        if size != nil && type != .tmpfs { throw Self.bad(specification, "size is only allowed for tmpfs mounts") }
        if env != nil && type != .secret { throw Self.bad(specification, "env is only allowed for secret mounts") }
        if type == .secret || type == .ssh, from != nil {
            throw Self.bad(specification, "from is not allowed for \(type.rawValue) mounts")
        }
    }

    private static func bad(_ specification: String, _ reason: String) -> DockerfileError.Kind {
        .invalidFlagValue(flag: "mount", value: specification, reason: reason)
    }

    /// Splits on commas, honouring double-quoted fields with `""` escapes (Go `encoding/csv`).
    static func csvFields(_ text: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = scalars.next()
        while let ch = pending {
            pending = scalars.next()
            if inQuotes {
                if ch == "\"" {
                    if pending == "\"" {
                        current.unicodeScalars.append("\"")
                        pending = scalars.next()
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.unicodeScalars.append(ch)
                }
            } else if ch == "\"" && current.isEmpty {
                inQuotes = true
            } else if ch == "," {
                fields.append(current)
                current = ""
            } else {
                current.unicodeScalars.append(ch)
            }
        }
        fields.append(current)
        return fields.filter { !$0.isEmpty }
    }

    /// Parses a size such as `64m`, `1g`, `1024` (units k, m, g, optionally followed by `b`/`i`/`ib`).
    static func parseSize(_ text: String) -> Int64? {
        var digits = text.lowercased()
        for suffix in ["ib", "b", "i"] where digits.hasSuffix(suffix) && digits.count > suffix.count {
            digits.removeLast(suffix.count)
            break
        }
        var multiplier: Int64 = 1
        if let last = digits.last, let unit = ["k": Int64(1) << 10, "m": 1 << 20, "g": 1 << 30][String(last)] {
            multiplier = unit
            digits.removeLast()
        }
        guard let value = Int64(digits), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String { GoText.trimSpace(String(self)) }
}
