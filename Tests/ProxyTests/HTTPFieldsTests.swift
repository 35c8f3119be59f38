import NIOHTTP1
import Testing

@testable import Proxy

/// The header rules the proxy applies to every message.
struct HTTPFieldsTests {
    @Test func hopByHopHeadersAndTheOnesConnectionNamesAreRemoved() {
        var headers = HTTPHeaders([
            ("Host", "shop.example"), ("connection", "Keep-Alive, X-Secret-Hop ,close"), ("Keep-Alive", "timeout=5"),
            ("X-Secret-Hop", "1"), ("TE", "trailers"), ("Transfer-Encoding", "chunked"), ("Upgrade", "h2c"),
            ("Proxy-Authorization", "Basic eA=="), ("x-secret-hop", "2"), ("Content-Type", "text/plain"),
        ])
        HTTPFields.removeHopByHop(&headers)
        #expect(headers.map(\.name) == ["Host", "Transfer-Encoding", "Content-Type"])
    }

    @Test func aMessageWithoutHopByHopHeadersIsLeftAsItIs() {
        let original = HTTPHeaders([("Host", "a"), ("Content-Length", "3"), ("Connectionx", "close")])
        var headers = original
        HTTPFields.removeHopByHop(&headers)
        #expect(headers == original)
    }

    @Test func tokensAreSplitOnCommasWithoutOptionalWhiteSpace() {
        var tokens: [String] = []
        HTTPFields.forEachToken(in: " keep-alive,\tUpgrade ,, ,close,".utf8) { tokens.append(String(Substring($0))) }
        #expect(tokens == ["keep-alive", "Upgrade", "close"])
        #expect(HTTPFields.containsToken("keep-alive, UPGRADE", "upgrade"))
        #expect(!HTTPFields.containsToken("keep-alive, upgraded", "upgrade"))
        #expect(!HTTPFields.containsToken("", "upgrade"))
    }

    @Test func comparisonsIgnoreOnlyTheCaseOfLetters() {
        #expect(HTTPFields.equalsIgnoringCase("X-GANTRY-canary".utf8, "X-Gantry-Canary"))
        #expect(!HTTPFields.equalsIgnoringCase("X-Gantry-Canary ".utf8, "X-Gantry-Canary"))
        // '[' and '{' differ from 'K' and 'k' by the case bit only: they are not letters.
        #expect(!HTTPFields.equalsIgnoringCase("[eep-alive".utf8, "keep-alive"))
        #expect(!HTTPFields.equalsIgnoringCase("x-a".utf8, to: "x_a".utf8))
        #expect(HTTPFields.equalsIgnoringCase("Ünïcode".utf8, to: "Ünïcode".utf8))
    }

    @Test func theStickyCookieIsFoundAmongOthers() {
        let headers = HTTPHeaders([("Cookie", "theme=dark;gantry_release = abc123 "), ("Cookie", "x=1")])
        #expect(HTTPFields.cookie(named: "gantry_release", in: headers) == "abc123")
        #expect(HTTPFields.cookie(named: "theme", in: headers) == "dark")
        #expect(HTTPFields.cookie(named: "gantry", in: headers) == nil)
        #expect(HTTPFields.cookie(named: "x", in: HTTPHeaders([("Cookie", "x")])) == nil)
    }

    @Test func aSetCookieIsMadeOnlyFromNamesSafeInAHeader() {
        #expect(
            RouteTable.setCookie("gantry_release", "1a2b3c") == "gantry_release=1a2b3c; Path=/; HttpOnly; SameSite=Lax")
        #expect(RouteTable.setCookie(nil, "1a2b3c") == nil)
        #expect(RouteTable.setCookie("gantry", "a\r\nSet-Cookie: admin=1") == nil)
        #expect(RouteTable.setCookie("gantry", "a; Domain=evil.example") == nil)
        #expect(RouteTable.setCookie("a=b", "c") == nil)
        #expect(RouteTable.setCookie("café", "c") == nil)
    }
}
