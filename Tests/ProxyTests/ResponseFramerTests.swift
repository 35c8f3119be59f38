import NIOCore
import Testing

@testable import Proxy

/// The release's responses read as bytes: heads checked and rewritten, bodies passed through, their
/// ends found, whatever way the bytes arrive.
struct ResponseFramerTests {
    /// What reading `responses` produced, fed in pieces of `piece` bytes (0: all at once).
    struct Read: Equatable {
        var heads: [String] = []
        var body = ""
        var ends = 0
        var switched = false
        var keepAlive: [Bool] = []
        var closeDelimited: [Bool] = []
    }

    func read(
        _ responses: String, piece: Int = 0, head: Bool = false, dechunk: Bool = false, closeAtEnd: Bool = false
    ) throws -> Read {
        var framer = ResponseFramer()
        framer.expectResponse(toHead: head, dechunk: dechunk)
        var read = Read()
        let bytes = Array(responses.utf8)
        let size = piece == 0 ? max(bytes.count, 1) : piece
        for start in stride(from: 0, to: bytes.count, by: size) {
            var buffer = ByteBuffer(bytes: bytes[start..<min(start + size, bytes.count)])
            while let event = try framer.next(&buffer) {
                switch event {
                case .head(let head):
                    read.heads.append(String(buffer: head.bytes))
                    read.keepAlive.append(head.keepAlive)
                    read.closeDelimited.append(head.closeDelimited)
                case .body(let bytes): read.body += String(buffer: bytes)
                case .end:
                    read.ends += 1
                    framer.expectResponse(toHead: head, dechunk: dechunk)
                case .switched: read.switched = true
                }
            }
            if read.switched { break }
        }
        if closeAtEnd && framer.endsAtClose { read.ends += 1 }
        return read
    }

    /// Every way of splitting the bytes gives the same result as reading them at once.
    func readInEveryPiece(_ responses: String, dechunk: Bool = false) throws -> Read {
        let whole = try read(responses, dechunk: dechunk)
        for piece in 1...8 {
            #expect(try read(responses, piece: piece, dechunk: dechunk) == whole, "pieces of \(piece)")
        }
        return whole
    }

    @Test func aLengthFramedResponseKeepsItsHeadersButTheHopByHopOnes() throws {
        let read = try readInEveryPiece(
            "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nConnection: keep-alive, X-Hop\r\n"
                + "Keep-Alive: timeout=5\r\nX-Hop: 1\r\nx-hop: 2\r\nETag:  \"abc\"  \r\n\r\nhello"
                + "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        #expect(
            read.heads == [
                "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nETag:  \"abc\"  \r\n",
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n",
            ])
        #expect(read.body == "hello")
        #expect(read.ends == 2)
        // HTTP/1.1 stays open unless it says close; HTTP/1.0 closes unless it says keep-alive.
        #expect(read.keepAlive == [true, false])
        #expect(read.closeDelimited == [false, false])
    }

    @Test func chunksPassThroughAsTheyCameAndEndAfterTheTrailers() throws {
        let body = "5\r\nhello\r\n1A;name=value\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Checksum: 1\r\n\r\n"
        let read = try readInEveryPiece("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        #expect(read.heads == ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"])
        #expect(read.body == body)
        #expect(read.ends == 1)
        #expect(read.keepAlive == [true])
    }

    @Test func anHTTP10ClientGetsTheChunksData() throws {
        let read = try readInEveryPiece(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            dechunk: true)
        #expect(read.heads == ["HTTP/1.1 200 OK\r\nX-A: b\r\n"])
        #expect(read.body == "hello world")
        #expect(read.ends == 1)
        #expect(read.closeDelimited == [true])
        // The release's connection is still good for another request.
        #expect(read.keepAlive == [true])
    }

    @Test func responsesWithoutABodyEndAtTheirHead() throws {
        for status in ["204 No Content", "304 Not Modified"] {
            let read = try read("HTTP/1.1 \(status)\r\nContent-Length: 10\r\n\r\n")
            #expect(read.ends == 1 && read.body.isEmpty, "\(status)")
        }
        let toHead = try read("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", head: true)
        #expect(toHead.ends == 1 && toHead.body.isEmpty)
        // A 100 Continue is passed on, then the final response to the same request.
        let continued = try readInEveryPiece(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
        #expect(continued.heads == ["HTTP/1.1 100 Continue\r\n", "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n"])
        #expect(continued.ends == 1 && continued.body == "ok")
    }

    @Test func aBodyWithoutLengthEndsWithTheConnection() throws {
        let read = try read("HTTP/1.1 200 OK\r\nX-A: b\r\n\r\nall of it", closeAtEnd: true)
        #expect(read.body == "all of it")
        #expect(read.ends == 1)
        #expect(read.keepAlive == [false])
        #expect(read.closeDelimited == [true])
    }

    @Test func aSwitchLeavesTheRestOfTheBytesUnread() throws {
        var framer = ResponseFramer()
        framer.expectResponse(toHead: false, dechunk: false)
        var buffer = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nhello")
        guard case .head(let head) = try framer.next(&buffer) else { throw FramerTestError() }
        #expect(head.status == 101)
        guard case .switched = try framer.next(&buffer) else { throw FramerTestError() }
        #expect(try framer.next(&buffer) == nil)
        #expect(String(buffer: buffer) == "hello")
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", "CRLF"),
        ("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", "CRLF"),
        ("HTTP/1.1 200 OK\r\nX-A: a\u{0}b\r\n\r\n", "control character"),
        ("HTTP/1.1 200 OK\r\nX-A: a\r\n folded\r\n\r\n", "folded"),
        ("HTTP/1.1 200 OK\r\nX A: a\r\n\r\n", "header name"),
        ("HTTP/1.1 200 OK\r\n: a\r\n\r\n", "without a name"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", "Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "both"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "after chunked"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", "chunk"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "more chunk data"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n", "too large"),
        ("HTTP/2 200 OK\r\n\r\n", "status line"),
        ("HTTP/1.1 20 OK\r\n\r\n", "status line"),
    ])
    func malformedResponsesAreRefused(response: String, reason: String) throws {
        #expect {
            _ = try read(response)
        } throws: { error in
            "\(error)".contains(reason)
        }
        // The same in one-byte pieces.
        #expect(throws: ResponseFramer.Failure.self) { _ = try read(response, piece: 1) }
    }

    @Test func bytesNoRequestAskedForAreRefused() throws {
        var framer = ResponseFramer()
        framer.expectResponse(toHead: false, dechunk: false)
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nextra")
        guard case .head = try framer.next(&buffer), case .end = try framer.next(&buffer) else {
            throw FramerTestError()
        }
        #expect(throws: ResponseFramer.Failure.self) { _ = try framer.next(&buffer) }
        // Nothing asked, nothing sent: fine.
        var idle = ResponseFramer()
        var empty = ByteBuffer()
        #expect(try idle.next(&empty) == nil)
    }

    @Test func anEndlessHeadIsRefusedAtTheLimit() throws {
        let long =
            "HTTP/1.1 200 OK\r\n"
            + String(repeating: "X-Padding: \(String(repeating: "a", count: 100))\r\n", count: 1000)
        #expect(throws: ResponseFramer.Failure.self) { _ = try read(long, piece: 4096) }
    }
}

struct FramerTestError: Error {}
