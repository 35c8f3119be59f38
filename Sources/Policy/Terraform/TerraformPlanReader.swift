import Foundation

/// Reads what the plan review needs from `terraform show -json` output without building the whole
/// document: a 146 MB plan is mostly `prior_state`, `planned_values` and `configuration`, which the
/// review never looks at. The top-level object is walked byte by byte; `format_version` is decoded,
/// each element of `resource_changes` is decoded on its own, and every other value is skipped. Memory
/// is the (mapped) file plus one resource change.
struct TerraformPlanReader {
    /// Why the bytes are not a plan document.
    struct Malformed: Error {
        let message: String
    }

    let bytes: UnsafeRawBufferPointer
    private var index = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Calls `change` for each element of `resource_changes`, in order, and returns `format_version`
    /// (nil when absent). `resourceChangesIsList` tells whether `resource_changes` was a list.
    mutating func read(change: ([String: Any]) throws -> Void) throws -> (version: String?, changesWereList: Bool) {
        var version: String?
        var changesWereList = true
        skipWhitespace()
        try expect(UInt8(ascii: "{"), "expected a JSON object")
        skipWhitespace()
        if peek == UInt8(ascii: "}") { return (nil, true) }
        while true {
            skipWhitespace()
            let key = try readString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "expected ':' after a key")
            skipWhitespace()
            switch key {
            case "format_version":
                let start = index
                try skipValue()
                version = try decode(start..<index) as? String
            case "resource_changes":
                if peek == UInt8(ascii: "[") {
                    try readArray(each: change)
                } else {
                    changesWereList = false
                    try skipValue()
                }
            default:
                try skipValue()
            }
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "expected ',' or '}' in the top-level object")
            return (version, changesWereList)
        }
    }

    private mutating func readArray(each: ([String: Any]) throws -> Void) throws {
        index += 1
        skipWhitespace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            let start = index
            try skipValue()
            guard let element = try decode(start..<index) as? [String: Any] else {
                throw Malformed(message: "each entry of resource_changes must be an object")
            }
            try each(element)
            skipWhitespace()
            if peek == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "expected ',' or ']' in resource_changes")
            return
        }
    }

    private func decode(_ range: Range<Int>) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(
                with: Data(bytes[range]), options: [.fragmentsAllowed])
        } catch {
            throw Malformed(message: "invalid JSON at byte \(range.lowerBound)")
        }
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws {
        guard peek == byte else { throw Malformed(message: "\(message) at byte \(index)") }
        index += 1
    }

    private mutating func readString() throws -> String {
        let start = index
        try skipString()
        guard let text = try decode(start..<index) as? String else {
            throw Malformed(message: "expected a string at byte \(start)")
        }
        return text
    }

    private mutating func skipString() throws {
        try expect(UInt8(ascii: "\""), "expected a string")
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""):
                index += 1
                return
            default: index += 1
            }
        }
        throw Malformed(message: "a string is never closed")
    }

    /// Skips one value (object, array, string, number, literal) without decoding it; nesting is
    /// counted, not recursed, so a deeply nested value cannot exhaust the stack.
    private mutating func skipValue() throws {
        guard let first = peek else { throw Malformed(message: "expected a value at the end of the file") }
        switch first {
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    try skipString()
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return
                    }
                default: break
                }
                index += 1
            }
            throw Malformed(message: "an object or list is never closed")
        default:
            let start = index
            while index < bytes.count, !",}] \t\r\n".utf8.contains(bytes[index]) { index += 1 }
            guard index > start else { throw Malformed(message: "expected a value at byte \(start)") }
        }
    }
}
