import Foundation

/// Writes a deterministic POSIX tar (ustar, with PAX records for long names): fixed mtime, uid/gid 0,
/// empty user and group names, normalized modes, and nothing about the host.
struct TarWriter {
    let sink: HashingFileSink
    /// Seconds since the epoch written as every entry's mtime (`SOURCE_DATE_EPOCH`, default 0).
    let mtime: Int64

    func writeHeader(for entry: TarEntry) throws {
        var name = entry.path
        var linkName = ""
        let size: Int64
        let typeflag: UInt8
        switch entry.kind {
        case .file(let fileSize):
            size = fileSize
            typeflag = UInt8(ascii: "0")
        case .directory:
            size = 0
            typeflag = UInt8(ascii: "5")
            name += "/"
        case .symlink(let target):
            size = 0
            typeflag = UInt8(ascii: "2")
            linkName = target
        }
        var pax: [(String, String)] = []
        let (prefix, shortName) = Self.split(name)
        if shortName == nil { pax.append(("path", name)) }
        if linkName.utf8.count > 100 { pax.append(("linkpath", linkName)) }
        if size > 0o77777777777 { pax.append(("size", String(size))) }
        if !pax.isEmpty {
            // A PAX extended header ('x') carries what ustar fields cannot hold.
            var records: [UInt8] = []
            for (key, value) in pax { records += Self.paxRecord(key, value) }
            try sink.write(
                header(
                    name: "PaxHeaders/" + String(name.suffix(80)).replacingOccurrences(of: "/", with: "_"),
                    prefix: "", mode: 0o644, size: Int64(records.count), typeflag: UInt8(ascii: "x"), linkName: ""))
            try sink.write(records)
            try pad(Int64(records.count))
        }
        // With a PAX record the ustar fields hold a truncated copy, as GNU tar and bsdtar write them.
        try sink.write(
            header(
                name: shortName ?? String(decoding: name.utf8.prefix(100), as: UTF8.self),
                prefix: shortName == nil ? "" : prefix, mode: entry.mode, size: size, typeflag: typeflag,
                linkName: String(decoding: linkName.utf8.prefix(100), as: UTF8.self)))
    }

    /// Pads file data to a 512-byte boundary.
    func pad(_ size: Int64) throws {
        let remainder = Int(size % 512)
        if remainder != 0 { try sink.write([UInt8](repeating: 0, count: 512 - remainder)) }
    }

    /// Two zero blocks end the archive.
    func finish() throws { try sink.write([UInt8](repeating: 0, count: 1024)) }

    /// ustar splits long names into a prefix (≤155 bytes) and a name (≤100 bytes) at a `/`.
    static func split(_ path: String) -> (prefix: String, name: String?) {
        let bytes = Array(path.utf8)
        if bytes.count <= 100 { return ("", path) }
        guard bytes.count <= 256 else { return ("", nil) }
        for index in stride(from: min(bytes.count - 1, 155), through: 1, by: -1) where bytes[index] == UInt8(ascii: "/")
        {
            let name = bytes[(index + 1)...]
            if !name.isEmpty && name.count <= 100 {
                return (String(decoding: bytes[..<index], as: UTF8.self), String(decoding: name, as: UTF8.self))
            }
        }
        return ("", nil)
    }

    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        // "<length> <key>=<value>\n" where length counts itself.
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).utf8.count + body.utf8.count != length { length += 1 }
        return Array((String(length) + body).utf8)
    }

    /// A ustar header block without mtime and checksum (see `header(…)`).
    static func rawHeader(name: String, prefix: String, mode: Int, size: Int64, typeflag: UInt8, linkName: String)
        -> [UInt8]
    {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int64, at offset: Int, length: Int) {
            put(String(value, radix: 8).leftPadded(to: length - 1), at: offset, length: length - 1)
        }
        put(name, at: 0, length: 100)
        octal(Int64(mode), at: 100, length: 8)
        octal(0, at: 108, length: 8)  // uid
        octal(0, at: 116, length: 8)  // gid
        octal(min(size, 0o77777777777), at: 124, length: 12)
        octal(0, at: 136, length: 12)  // mtime: filled in by `header(…)`
        block[156] = typeflag
        put(linkName, at: 157, length: 100)
        put("ustar", at: 257, length: 6)  // magic "ustar\0"
        put("00", at: 263, length: 2)  // version
        put(prefix, at: 345, length: 155)
        return block
    }
}

extension TarWriter {
    /// Writes a header with this writer's mtime and a correct checksum.
    func header(name: String, prefix: String, mode: Int, size: Int64, typeflag: UInt8, linkName: String) -> [UInt8] {
        var block = Self.rawHeader(
            name: name, prefix: prefix, mode: mode, size: size, typeflag: typeflag, linkName: linkName)
        let mtimeField = Array(String(mtime, radix: 8).leftPadded(to: 11).utf8)
        for (index, byte) in mtimeField.enumerated() { block[136 + index] = byte }
        for index in 148..<156 { block[index] = UInt8(ascii: " ") }
        let checksum = block.reduce(0) { $0 + Int($1) }
        let field = Array(String(checksum, radix: 8).leftPadded(to: 6).utf8) + [0, UInt8(ascii: " ")]
        for (index, byte) in field.enumerated() { block[148 + index] = byte }
        return block
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
