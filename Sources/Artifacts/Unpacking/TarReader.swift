import Foundation
import GantryCore

/// Reads a tar stream (ustar, GNU and PAX headers) entry by entry from a file.
struct TarReader {
    struct Header {
        var path: String
        /// '0' file, '5' directory, '2' symlink, '1' hard link, others.
        var typeflag: UInt8
        var size: Int64
        var mode: Int
        var linkName: String
    }

    private let handle: FileHandle
    private let label: String

    init(url: URL) throws {
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw ArtifactError.io("cannot read \(url.path): \(FileErrorText.describe(error))")
        }
        label = url.lastPathComponent
    }

    func close() { try? handle.close() }

    /// The next entry, or nil at the end of the archive. Call `readData`/`skipData` before the next call.
    mutating func next() throws -> Header? {
        var paxPath: String?
        var paxLink: String?
        var paxSize: Int64?
        while true {
            let block = try read(512)
            guard block.count == 512 else {
                if block.isEmpty { return nil }
                throw ArtifactError.malformed("\(label): truncated tar header")
            }
            if block.allSatisfy({ $0 == 0 }) { return nil }
            guard Self.checksumMatches(block) else {
                throw ArtifactError.malformed("\(label): tar header checksum mismatch")
            }
            let typeflag = block[156]
            let size = paxSize ?? Self.octal(block[124..<136])
            guard size >= 0 else { throw ArtifactError.malformed("\(label): negative entry size") }
            switch typeflag {
            case UInt8(ascii: "x"):
                let records = try read(Int(size))
                try skipPadding(size)
                for (key, value) in Self.paxRecords(records) {
                    switch key {
                    case "path": paxPath = value
                    case "linkpath": paxLink = value
                    case "size": paxSize = Int64(value)
                    default: break
                    }
                }
                continue
            case UInt8(ascii: "g"):
                _ = try read(Int(size))
                try skipPadding(size)
                continue
            case UInt8(ascii: "L"), UInt8(ascii: "K"):
                // GNU long name / long link.
                let data = try read(Int(size))
                try skipPadding(size)
                let text = String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
                if typeflag == UInt8(ascii: "L") { paxPath = text } else { paxLink = text }
                continue
            default:
                var name = Self.string(block[0..<100])
                let prefix = Self.string(block[345..<500])
                if !prefix.isEmpty && Self.string(block[257..<263]).hasPrefix("ustar") { name = prefix + "/" + name }
                return Header(
                    path: paxPath ?? name, typeflag: typeflag, size: size, mode: Int(Self.octal(block[100..<108])),
                    linkName: paxLink ?? Self.string(block[157..<257]))
            }
        }
    }

    /// Copies the current entry's data to `fd` in bounded chunks.
    func copyData(size: Int64, to fd: Int32) throws {
        var remaining = size
        while remaining > 0 {
            let chunk = try read(Int(min(remaining, 1 << 20)))
            guard !chunk.isEmpty else { throw ArtifactError.malformed("\(label): truncated file data") }
            guard RawFile.writeAll(fd, chunk) else {
                throw ArtifactError.io("cannot write: \(String(cString: strerror(errno)))")
            }
            remaining -= Int64(chunk.count)
        }
        try skipPadding(size)
    }

    /// Skips the current entry's data.
    func skipData(size: Int64) throws {
        let padded = (size + 511) / 512 * 512
        do {
            try handle.seek(toOffset: try handle.offset() + UInt64(padded))
        } catch {
            throw ArtifactError.malformed("\(label): truncated file data")
        }
    }

    private func skipPadding(_ size: Int64) throws {
        let remainder = Int(size % 512)
        if remainder != 0 { _ = try read(512 - remainder) }
    }

    private func read(_ count: Int) throws -> Data {
        guard count > 0 else { return Data() }
        do {
            return try handle.read(upToCount: count) ?? Data()
        } catch {
            throw ArtifactError.io("\(label): \(FileErrorText.describe(error))")
        }
    }

    static func checksumMatches(_ block: Data) -> Bool {
        let stored = octal(block[148..<156])
        var sum = 0
        for (index, byte) in block.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
        return Int64(sum) == stored
    }

    static func octal(_ field: Data.SubSequence) -> Int64 {
        var value: Int64 = 0
        for byte in field {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if value > 0 { break } else { continue }
            }
            guard byte >= 48 && byte <= 55 else { return -1 }
            value = value * 8 + Int64(byte - 48)
        }
        return value
    }

    static func string(_ field: Data.SubSequence) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// PAX records, `"<length> <key>=<value>\n"`, read by byte counts; stops at the first malformed one.
    static func paxRecords(_ data: Data) -> [(String, String)] {
        let bytes = [UInt8](data)
        var records: [(String, String)] = []
        var offset = 0
        while offset < bytes.count {
            guard let space = bytes[offset...].firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: bytes[offset..<space], as: UTF8.self)),
                length > space - offset + 1, offset + length <= bytes.count
            else { break }
            let body = bytes[(space + 1)..<(offset + length)].dropLast()  // without the trailing newline
            if let equals = body.firstIndex(of: UInt8(ascii: "=")) {
                records.append(
                    (
                        String(decoding: body[..<equals], as: UTF8.self),
                        String(decoding: body[(equals + 1)...], as: UTF8.self)
                    ))
            }
            offset += length
        }
        return records
    }
}
