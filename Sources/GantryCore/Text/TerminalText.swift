/// Makes untrusted text safe to show on a terminal: control characters become visible (`ESC` is
/// `^[`, carriage return `^M`, `DEL` `^?`, the C1 controls `<9b>`), so file names, scanned content and
/// step output cannot move the cursor, rewrite earlier lines, change the window title or hide text.
/// Tabs and newlines stay. Logs on disk keep the original bytes; only what reaches a terminal changes.
public enum TerminalText {
    /// `text` with its control characters made visible.
    public static func neutralize(_ text: String) -> String {
        let utf8 = Array(text.utf8)
        guard needsWork(utf8) else { return text }
        var out: [UInt8] = []
        utf8.withUnsafeBytes { append($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `bytes` to `out` with control characters made visible (the fast path copies).
    public static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard needsWork(bytes) else { return out.append(contentsOf: bytes) }
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte < 0x20 && byte != 0x09 && byte != 0x0A {
                out.append(UInt8(ascii: "^"))
                out.append(byte + 0x40)
            } else if byte == 0x7F {
                out.append(contentsOf: [UInt8(ascii: "^"), UInt8(ascii: "?")])
            } else if byte == 0xC2, index + 1 < count, (0x80...0x9F).contains(bytes[index + 1]) {
                let hex = Array("0123456789abcdef".utf8)
                let code = bytes[index + 1]
                out.append(contentsOf: [UInt8(ascii: "<"), hex[Int(code >> 4)], hex[Int(code & 15)], UInt8(ascii: ">")])
                index += 1
            } else {
                out.append(byte)
            }
            index += 1
        }
    }

    private static func needsWork(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.contains { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0A) || $0 == 0x7F || $0 == 0xC2 }
    }
}
