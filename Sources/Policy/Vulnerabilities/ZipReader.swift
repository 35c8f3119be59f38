import CZlib
public import Foundation

/// Reads the entries of a zip archive (stored or deflated), as OSV publishes its database exports,
/// including ZIP64 archives (more than 65,535 entries, or past 4 GiB: OSV's npm and all-ecosystem
/// exports). The central directory is walked to its recorded end, never trusted by its 16-bit count.
/// Entry sizes are bounded, and a corrupt archive is an error naming what is wrong, never a crash.
public struct ZipReader {
    public struct Entry: Sendable {
        public var name: String
        public var data: Data
    }

    public enum ZipError: Error, CustomStringConvertible {
        case corrupt(String)
        public var description: String {
            switch self {
            case .corrupt(let message): message
            }
        }
    }

    let data: Data
    let name: String
    /// Larger entries are refused (an OSV record is a few KiB).
    public var maxEntrySize = 64 << 20

    public init(contentsOf url: URL) throws {
        do {
            // Mapped, not read: an all-ecosystems export is over a gigabyte.
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw ZipError.corrupt("\(url.path): cannot be read")
        }
        self.name = url.path
    }

    /// For tests: an archive already in memory.
    init(data: Data, name: String) {
        self.data = data
        self.name = name
    }

    func uint16(_ offset: Int) -> Int? {
        guard offset >= 0, offset + 2 <= data.count else { return nil }
        return Int(data[data.startIndex + offset]) | Int(data[data.startIndex + offset + 1]) << 8
    }

    func uint32(_ offset: Int) -> Int? {
        guard let low = uint16(offset), let high = uint16(offset + 2) else { return nil }
        return low | high << 16
    }

    func uint64(_ offset: Int) -> Int? {
        guard let low = uint32(offset), let high = uint32(offset + 4), high < 1 << 31 else { return nil }
        return low | high << 32
    }

    /// Where the central directory starts and ends, from the end record (ZIP64 when it says so).
    func centralDirectory() throws -> (start: Int, end: Int) {
        // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
        var end: Int?
        var position = data.count - 22
        while position >= max(0, data.count - 22 - 65_535) {
            if uint32(position) == 0x0605_4b50 {
                end = position
                break
            }
            position -= 1
        }
        guard let end, let size32 = uint32(end + 12), let offset32 = uint32(end + 16) else {
            throw ZipError.corrupt("\(name): not a zip archive (no end of central directory)")
        }
        // A ZIP64 locator sits right before the end record; its record holds the 64-bit values.
        if end >= 20, uint32(end - 20) == 0x0706_4b50 {
            guard let recordOffset = uint64(end - 12), uint32(recordOffset) == 0x0606_4b50,
                let size = uint64(recordOffset + 40), let offset = uint64(recordOffset + 48)
            else { throw ZipError.corrupt("\(name): corrupt ZIP64 end of central directory") }
            guard offset + size <= data.count else {
                throw ZipError.corrupt("\(name): the central directory runs past the end of the archive")
            }
            return (offset, offset + size)
        }
        guard offset32 + size32 <= data.count else {
            throw ZipError.corrupt("\(name): the central directory runs past the end of the archive")
        }
        return (offset32, offset32 + size32)
    }

    /// The 64-bit values of a ZIP64 extended-information extra field (id 0x0001), in the order the
    /// specification lists them, for the 32-bit fields that hold 0xFFFFFFFF.
    func zip64Values(extraStart: Int, extraLength: Int, needed: Int) -> [Int]? {
        var at = extraStart
        while at + 4 <= extraStart + extraLength {
            guard let id = uint16(at), let length = uint16(at + 2) else { return nil }
            if id == 0x0001 {
                var values: [Int] = []
                for index in 0..<needed {
                    guard 8 * (index + 1) <= length, let value = uint64(at + 4 + 8 * index) else { return nil }
                    values.append(value)
                }
                return values
            }
            at += 4 + length
        }
        return nil
    }

    /// Calls `body` with each file entry (directories skipped), in archive order.
    public func forEachEntry(_ body: (Entry) throws -> Void) throws {
        let directory = try centralDirectory()
        var offset = directory.start
        while offset < directory.end {
            guard uint32(offset) == 0x0201_4b50, let method = uint16(offset + 10),
                var compressedSize = uint32(offset + 20), var size = uint32(offset + 24),
                let nameLength = uint16(offset + 28), let extraLength = uint16(offset + 30),
                let commentLength = uint16(offset + 32), var localOffset = uint32(offset + 42),
                offset + 46 + nameLength + extraLength <= data.count
            else { throw ZipError.corrupt("\(name): corrupt central directory at byte \(offset)") }
            let saturated = [size, compressedSize, localOffset].filter { $0 == 0xFFFF_FFFF }.count
            if saturated > 0 {
                guard
                    var values = zip64Values(
                        extraStart: offset + 46 + nameLength, extraLength: extraLength, needed: saturated)
                else { throw ZipError.corrupt("\(name): entry at byte \(offset) lacks its ZIP64 sizes") }
                if size == 0xFFFF_FFFF { size = values.removeFirst() }
                if compressedSize == 0xFFFF_FFFF { compressedSize = values.removeFirst() }
                if localOffset == 0xFFFF_FFFF { localOffset = values.removeFirst() }
            }
            let start = data.startIndex + offset + 46
            let entryName = String(decoding: data[start..<start + nameLength], as: UTF8.self)
            offset += 46 + nameLength + extraLength + commentLength
            if entryName.hasSuffix("/") { continue }
            guard size <= maxEntrySize else {
                throw ZipError.corrupt(
                    "\(name): entry \(entryName) is \(size) bytes, over the \(maxEntrySize)-byte limit")
            }
            guard uint32(localOffset) == 0x0403_4b50, let localName = uint16(localOffset + 26),
                let localExtra = uint16(localOffset + 28)
            else { throw ZipError.corrupt("\(name): corrupt local header for \(entryName)") }
            let dataStart = localOffset + 30 + localName + localExtra
            guard dataStart + compressedSize <= data.count else {
                throw ZipError.corrupt("\(name): entry \(entryName) runs past the end of the archive")
            }
            let compressed = data[(data.startIndex + dataStart)..<(data.startIndex + dataStart + compressedSize)]
            let content: Data
            switch method {
            case 0: content = Data(compressed)
            case 8: content = try inflate(compressed, expected: size, entry: entryName)
            default: throw ZipError.corrupt("\(name): entry \(entryName) uses compression method \(method)")
            }
            try body(Entry(name: entryName, data: content))
        }
    }

    private func inflate(_ input: Data, expected: Int, entry: String) throws -> Data {
        var output = Data(count: max(expected, 1))
        var stream = z_stream()
        let produced: Int = try input.withUnsafeBytes { (source: UnsafeRawBufferPointer) in
            try output.withUnsafeMutableBytes { (target: UnsafeMutableRawBufferPointer) in
                guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
                else {
                    throw ZipError.corrupt("\(name): cannot start inflating \(entry)")
                }
                defer { inflateEnd(&stream) }
                stream.next_in = UnsafeMutablePointer(
                    mutating: source.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(target.count)
                let status = CZlib.inflate(&stream, Z_FINISH)
                guard status == Z_STREAM_END else {
                    throw ZipError.corrupt("\(name): entry \(entry) does not inflate (zlib status \(status))")
                }
                return Int(stream.total_out)
            }
        }
        guard produced == expected else {
            throw ZipError.corrupt("\(name): entry \(entry) inflated to \(produced) bytes, expected \(expected)")
        }
        return expected == 0 ? Data() : output
    }
}
