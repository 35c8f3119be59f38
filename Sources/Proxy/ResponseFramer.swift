import NIOCore

private let cr = UInt8(ascii: "\r")
private let lf = UInt8(ascii: "\n")
private let space = UInt8(ascii: " ")
private let tab = UInt8(ascii: "\t")
private let colon = UInt8(ascii: ":")
private let semicolon = UInt8(ascii: ";")

/// Reads a release's HTTP/1.1 responses off its connection without decoding them into parts: the
/// head is checked and rewritten for the client (its status line and the header lines it keeps, as
/// they came), the body passes through as the bytes that arrived, and only its framing is followed
/// (a length, chunks, or the connection's end) to know where the response ends.
///
/// Decoding each response into NIO's header strings and encoding it again cost the proxy a fifth of
/// its time per request; nginx passes bodies through the same way. The checks are strict, as the
/// request parser's are: a status line or header line that is not well-formed, a line ending without
/// CR, folded headers, control characters in a value, a body framed both by length and by chunks,
/// or a malformed chunk make the response an error (the client gets a 502, or its connection closes
/// when the response had begun).
struct ResponseFramer {
    /// What reading a response produced, in order.
    enum Event {
        case head(Head)
        /// Bytes of the body, ready for the client (chunks stay chunked unless `dechunk` was asked).
        case body(ByteBuffer)
        /// The response ended (for a 1xx other than 101, the final response follows instead).
        case end
        /// The release agreed to an upgrade (101): the bytes still in the buffer, and all that follow,
        /// belong to the upgraded protocol.
        case switched
    }

    /// A response's head, as it goes to the client.
    struct Head {
        var status: Int
        /// `HTTP/1.1 <status> <reason>` and the header lines kept, each with its CRLF; the caller adds
        /// its own lines and the blank line that ends the head.
        var bytes: ByteBuffer
        /// The release keeps its connection open after this response.
        var keepAlive: Bool
        /// The body, as the client gets it, ends only when the connection closes (the release framed
        /// it by closing, or its chunks were taken off for an HTTP/1.0 client).
        var closeDelimited: Bool
        /// A 1xx other than 101: the final response to the same request follows.
        var informational: Bool { status >= 100 && status < 200 && status != 101 }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Longest head accepted (NIO's limit for the request's head too).
    static let maximumHeadSize = 80 * 1024

    private enum State: Equatable {
        /// No request is waiting for an answer: a byte from the release now is an error.
        case idle
        case head
        case length(Int)
        case chunkSize(value: Int, digits: Int)
        case chunkExtension(Int)
        case chunkSizeLF(Int)
        case chunkData(Int)
        case chunkDataCR
        case chunkDataLF
        case trailerLineStart
        case trailerLine
        case trailerLineLF
        case trailerEndLF
        case untilClose
        /// The response is complete: `.end` is the next event.
        case complete
        /// A 101 was read: `.switched` is the next event.
        case switching
        case switched
    }

    private var state = State.idle
    /// A head that has not fully arrived yet.
    private var partialHead: ByteBuffer?
    /// The request in flight was HEAD: its response has no body, whatever its headers say.
    private var requestWasHead = false
    /// The client speaks HTTP/1.0: a chunked body reaches it without its chunks.
    private var dechunk = false
    private let allocator: ByteBufferAllocator

    init(allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        self.allocator = allocator
    }

    /// A request was sent: its response comes next.
    mutating func expectResponse(toHead: Bool, dechunk: Bool) {
        requestWasHead = toHead
        self.dechunk = dechunk
        state = .head
        partialHead = nil
    }

    /// The body ends with the connection: its end is the response's.
    var endsAtClose: Bool { state == .untilClose }

    /// The next event the bytes in `buffer` make (consuming them), or nil when they are used up.
    mutating func next(_ buffer: inout ByteBuffer) throws -> Event? {
        switch state {
        case .idle:
            guard buffer.readableBytes == 0 else {
                throw Failure(description: "the release sent bytes no request asked for")
            }
            return nil
        case .head:
            return try head(&buffer)
        case .complete:
            state = .idle
            return .end
        case .switching:
            state = .switched
            return .switched
        case .switched:
            return nil
        case .length(let remaining):
            guard buffer.readableBytes > 0 else { return nil }
            let count = min(remaining, buffer.readableBytes)
            state = count == remaining ? .complete : .length(remaining - count)
            return buffer.readSlice(length: count).map(Event.body)
        case .untilClose:
            guard buffer.readableBytes > 0 else { return nil }
            return buffer.readSlice(length: buffer.readableBytes).map(Event.body)
        default:
            return try chunks(&buffer)
        }
    }

    // MARK: - Heads

    private mutating func head(_ buffer: inout ByteBuffer) throws -> Event? {
        if var partial = partialHead {
            partialHead = nil
            partial.writeBuffer(&buffer)
            buffer = partial
        }
        guard let end = try Self.headEnd(buffer) else {
            guard buffer.readableBytes <= Self.maximumHeadSize else {
                throw Failure(description: "the release's response head is longer than \(Self.maximumHeadSize) bytes")
            }
            if buffer.readableBytes > 0 { partialHead = buffer }
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return nil
        }
        guard end <= Self.maximumHeadSize else {
            throw Failure(description: "the release's response head is longer than \(Self.maximumHeadSize) bytes")
        }
        let head = try buffer.withUnsafeReadableBytes { try parse(UnsafeRawBufferPointer(rebasing: $0[..<end])) }
        buffer.moveReaderIndex(forwardBy: end)
        return .head(head)
    }

    /// The offset just past the blank line that ends the head, if it has arrived. A line ending
    /// without its CR is refused at once, not waited on.
    private static func headEnd(_ buffer: ByteBuffer) throws -> Int? {
        try buffer.withUnsafeReadableBytes { bytes -> Int? in
            for index in bytes.indices where bytes[index] == lf {
                guard index > 0, bytes[index - 1] == cr else {
                    throw Failure(description: "the release sent a line that does not end with CRLF")
                }
                if index >= 3 && bytes[index - 2] == lf && bytes[index - 3] == cr { return index + 1 }
            }
            return nil
        }
    }

    private struct Line {
        var start: Int
        var nameEnd: Int
        var end: Int
        var keep = true
    }

    /// Checks a whole head (through its blank line) and decides its framing.
    private mutating func parse(_ bytes: UnsafeRawBufferPointer) throws -> Head {
        // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF.
        guard bytes.count >= 14, bytes.starts(with: "HTTP/1.".utf8), bytes[7] == 0x30 || bytes[7] == 0x31,
            bytes[8] == space, bytes[9...11].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { throw Failure(description: "the release's answer does not start with an HTTP/1.x status line") }
        let minor = bytes[7] - 0x30
        let status = bytes[9...11].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard status >= 100 else { throw Failure(description: "the release answered with status \(status)") }
        var index = 12
        if bytes[index] == space {
            while bytes[index] != cr && bytes[index] != lf {
                guard Self.isFieldByte(bytes[index]) else {
                    throw Failure(description: "the release's status line holds a control character")
                }
                index += 1
            }
        }
        guard bytes[index] == cr, bytes[index + 1] == lf else {
            throw Failure(description: "the release's status line does not end with CRLF")
        }
        let statusLineEnd = index + 2
        index = statusLineEnd

        var lines: [Line] = []
        var contentLength: Int?
        var transferEncoding = false
        var chunkedLast = false
        var close = false
        var keepAliveToken = false
        var named: [Slice<UnsafeRawBufferPointer>] = []
        while !(bytes[index] == cr && bytes[index + 1] == lf) {
            let start = index
            guard bytes[index] != space && bytes[index] != tab else {
                throw Failure(description: "the release sent a folded header line (obsolete line folding)")
            }
            while bytes[index] != colon {
                guard Self.isTokenByte(bytes[index]) else {
                    throw Failure(description: "the release sent a header name with a character not allowed in one")
                }
                index += 1
            }
            let nameEnd = index
            guard nameEnd > start else { throw Failure(description: "the release sent a header without a name") }
            index += 1
            while bytes[index] == space || bytes[index] == tab { index += 1 }
            let valueStart = index
            while bytes[index] != cr && bytes[index] != lf {
                guard Self.isFieldByte(bytes[index]) else {
                    throw Failure(description: "the release sent a header value with a control character")
                }
                index += 1
            }
            guard bytes[index] == cr, bytes[index + 1] == lf else {
                throw Failure(description: "the release sent a header line that does not end with CRLF")
            }
            var valueEnd = index
            while valueEnd > valueStart && (bytes[valueEnd - 1] == space || bytes[valueEnd - 1] == tab) {
                valueEnd -= 1
            }
            index += 2
            let name = UnsafeRawBufferPointer(rebasing: bytes[start..<nameEnd])
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            var line = Line(start: start, nameEnd: nameEnd, end: index)
            if HTTPFields.equalsIgnoringCase(name, "content-length") {
                guard contentLength == nil, !value.isEmpty, value.count <= 18,
                    value.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
                else { throw Failure(description: "the release sent an invalid or repeated Content-Length") }
                contentLength = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            } else if HTTPFields.equalsIgnoringCase(name, "transfer-encoding") {
                var tokens = 0
                var lastChunked = false
                try HTTPFields.forEachToken(in: value) { token in
                    if lastChunked { throw Failure(description: "the release applied a coding after chunked") }
                    lastChunked = HTTPFields.equalsIgnoringCase(token, "chunked")
                    tokens += 1
                }
                guard tokens > 0 else { throw Failure(description: "the release sent an empty Transfer-Encoding") }
                transferEncoding = true
                chunkedLast = lastChunked
                if dechunk && lastChunked { line.keep = false }
            } else if let hop = HTTPFields.hopByHopIndex(name) {
                line.keep = false
                if hop == 0 {
                    HTTPFields.forEachToken(in: value) { token in
                        if HTTPFields.equalsIgnoringCase(token, "close") {
                            close = true
                        } else if HTTPFields.equalsIgnoringCase(token, "keep-alive") {
                            keepAliveToken = true
                        } else {
                            named.append(token)
                        }
                    }
                }
            }
            lines.append(line)
            guard index + 1 < bytes.count else { throw Failure(description: "the release's head ended early") }
        }
        if transferEncoding && contentLength != nil {
            throw Failure(description: "the release framed its body both by Content-Length and by Transfer-Encoding")
        }

        var out = allocator.buffer(capacity: bytes.count + 128)
        out.writeStaticString("HTTP/1.1 ")
        out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[9..<statusLineEnd]))
        for line in lines where line.keep {
            let name = UnsafeRawBufferPointer(rebasing: bytes[line.start..<line.nameEnd])
            if !named.isEmpty && named.contains(where: { HTTPFields.equalsIgnoringCase(name, to: $0) }) { continue }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[line.start..<line.end]))
        }

        var keepAlive = minor == 1 ? !close : keepAliveToken && !close
        var closeDelimited = false
        if status == 101 {
            state = .switching
            keepAlive = false
        } else if (status >= 100 && status < 200) || status == 204 || status == 304 || requestWasHead {
            // 1xx: the final response to the same request follows.
            state = status < 200 ? .head : .complete
        } else if transferEncoding {
            if chunkedLast {
                state = .chunkSize(value: 0, digits: 0)
                closeDelimited = dechunk
            } else {
                state = .untilClose
                keepAlive = false
                closeDelimited = true
            }
        } else if let contentLength {
            state = contentLength == 0 ? .complete : .length(contentLength)
        } else {
            state = .untilClose
            keepAlive = false
            closeDelimited = true
        }
        return Head(status: status, bytes: out, keepAlive: keepAlive, closeDelimited: closeDelimited)
    }

    // MARK: - Chunks

    /// Follows chunked framing through the bytes: passes them on as they are, or only the chunks' data.
    private mutating func chunks(_ buffer: inout ByteBuffer) throws -> Event? {
        if dechunk {
            while buffer.readableBytes > 0 {
                if case .chunkData(let remaining) = state {
                    let count = min(remaining, buffer.readableBytes)
                    state = count == remaining ? .chunkDataCR : .chunkData(remaining - count)
                    return buffer.readSlice(length: count).map(Event.body)
                }
                let byte = buffer.readInteger(as: UInt8.self) ?? 0
                try step(byte)
                if state == .complete { return try next(&buffer) }
            }
            return nil
        }
        guard buffer.readableBytes > 0 else { return nil }
        var used = 0
        try buffer.withUnsafeReadableBytes { bytes in
            while used < bytes.count && state != .complete {
                if case .chunkData(let remaining) = state {
                    let count = min(remaining, bytes.count - used)
                    used += count
                    state = count == remaining ? .chunkDataCR : .chunkData(remaining - count)
                } else {
                    try step(bytes[used])
                    used += 1
                }
            }
        }
        return buffer.readSlice(length: used).map(Event.body)
    }

    /// One byte of chunk framing (sizes, extensions, the CRLF after data, trailers).
    private mutating func step(_ byte: UInt8) throws {
        switch state {
        case .chunkSize(let value, let digits):
            if let digit = Self.hexValue(byte) {
                guard digits < 15 else { throw Failure(description: "the release sent a chunk size too large") }
                state = .chunkSize(value: value * 16 + digit, digits: digits + 1)
            } else if digits == 0 {
                throw Failure(description: "the release sent a chunk without its size")
            } else if byte == cr {
                state = .chunkSizeLF(value)
            } else if byte == semicolon || byte == space || byte == tab {
                state = .chunkExtension(value)
            } else {
                throw Failure(description: "the release sent a malformed chunk size")
            }
        case .chunkExtension(let value):
            if byte == cr {
                state = .chunkSizeLF(value)
            } else if !Self.isFieldByte(byte) {
                throw Failure(description: "the release sent a control character in a chunk extension")
            }
        case .chunkSizeLF(let value):
            guard byte == lf else { throw Failure(description: "the release sent a chunk size line without CRLF") }
            state = value == 0 ? .trailerLineStart : .chunkData(value)
        case .chunkDataCR:
            guard byte == cr else { throw Failure(description: "the release sent more chunk data than its size") }
            state = .chunkDataLF
        case .chunkDataLF:
            guard byte == lf else { throw Failure(description: "the release sent chunk data not ended by CRLF") }
            state = .chunkSize(value: 0, digits: 0)
        case .trailerLineStart:
            if byte == cr {
                state = .trailerEndLF
            } else if Self.isFieldByte(byte) && byte != space && byte != tab {
                state = .trailerLine
            } else {
                throw Failure(description: "the release sent a malformed trailer")
            }
        case .trailerLine:
            if byte == cr {
                state = .trailerLineLF
            } else if !Self.isFieldByte(byte) {
                throw Failure(description: "the release sent a control character in a trailer")
            }
        case .trailerLineLF:
            guard byte == lf else { throw Failure(description: "the release sent a trailer line without CRLF") }
            state = .trailerLineStart
        case .trailerEndLF:
            guard byte == lf else { throw Failure(description: "the release ended its trailers without CRLF") }
            state = .complete
        default:
            throw Failure(description: "chunk framing read outside a chunked body")
        }
    }

    // MARK: - Bytes

    /// A byte allowed in a field value or reason phrase: HTAB, SP, VCHAR, obs-text (RFC 9110 §5.5).
    private static func isFieldByte(_ byte: UInt8) -> Bool { byte == tab || (byte >= 0x20 && byte != 0x7F) }

    /// A `tchar` (RFC 9110 §5.6.2).
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
