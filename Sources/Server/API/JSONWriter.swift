import Foundation
import GantryCore

/// A response body written straight to bytes. Foundation's `JSONEncoder` builds a tree of boxed
/// values, sorts the keys of each object and looks up generic metadata per value: on a page of 50
/// runs that was most of a request's time. Types write their members in key order themselves.
protocol JSONWritable {
    func writeJSON(to out: inout JSONWriter)
}

/// Appends JSON to a byte buffer. Objects and arrays are opened and closed by the callers; commas
/// are placed by the writer.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Per open container: whether the next member needs a comma first.
    private var needsComma: [Bool] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    /// `{ body }`.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
        body(&self)
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
        markWritten()
    }

    /// `[ each element ]`.
    mutating func array<S: Sequence>(_ elements: S) where S.Element: JSONWritable {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
        for element in elements { element.writeJSON(to: &self) }
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
        markWritten()
    }

    /// `"key": value` inside an object.
    mutating func field(_ key: String, _ value: some JSONWritable) {
        separate()
        quoted(key)
        bytes.append(UInt8(ascii: ":"))
        // The value follows the colon: no comma before it.
        needsComma[needsComma.count - 1] = false
        value.writeJSON(to: &self)
    }

    /// `"key": value`, or nothing when the value is nil (the API omits absent members).
    mutating func field(_ key: String, _ value: (some JSONWritable)?) {
        if let value { field(key, value) }
    }

    /// A string value, escaped as RFC 8259 requires.
    mutating func string(_ text: String) {
        separate()
        quoted(text)
        markWritten()
    }

    /// `text` as a JSON string literal (GantryCore's one escaper).
    private mutating func quoted(_ text: String) {
        bytes.append(contentsOf: JSONText.quote(text).utf8)
    }

    /// A bare token: a number, `true`, `false`.
    mutating func raw(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        markWritten()
    }

    private mutating func separate() {
        if let last = needsComma.last, last { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func markWritten() {
        if !needsComma.isEmpty { needsComma[needsComma.count - 1] = true }
    }
}

extension String: JSONWritable {
    func writeJSON(to out: inout JSONWriter) { out.string(self) }
}

extension Digest: JSONWritable {
    /// `sha256:<hex>`.
    func writeJSON(to out: inout JSONWriter) { out.string(description) }
}

extension Int: JSONWritable {
    func writeJSON(to out: inout JSONWriter) { out.raw(String(self)) }
}

extension Int64: JSONWritable {
    func writeJSON(to out: inout JSONWriter) { out.raw(String(self)) }
}

extension Bool: JSONWritable {
    func writeJSON(to out: inout JSONWriter) { out.raw(self ? "true" : "false") }
}

extension Date: JSONWritable {
    /// ISO 8601 UTC with milliseconds.
    func writeJSON(to out: inout JSONWriter) { out.string(Timestamp.iso8601(self)) }
}

extension Array: JSONWritable where Element: JSONWritable {
    func writeJSON(to out: inout JSONWriter) { out.array(self) }
}

extension Dictionary: JSONWritable where Key == String, Value: JSONWritable {
    /// Members in key order.
    func writeJSON(to out: inout JSONWriter) {
        out.object { out in
            for key in keys.sorted() {
                if let value = self[key] { out.field(key, value) }
            }
        }
    }
}
