import Foundation
import GantryTestSupport
import Testing

@testable import Serving

/// A release's log is bounded: two files of at most the limit each.
@Suite struct ReleaseLogTests {
    @Test func aLogPastItsLimitMovesAsideAndStartsAgain() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("web.log")
        let log = ReleaseLog(url: url, limit: 100)
        for index in 0..<25 { log.write(Data("line \(String(format: "%02d", index))\n".utf8)) }
        log.close()
        let current = try String(contentsOf: url, encoding: .utf8)
        let previous = try String(contentsOf: url.appendingPathExtension("1"), encoding: .utf8)
        // 8 bytes a line: 12 lines a file; 25 lines leave the last 1 in the file and 12 before it.
        #expect(current == "line 24\n")
        #expect(previous.hasPrefix("line 12\n") && previous.hasSuffix("line 23\n"), "\(previous)")
        #expect(previous.utf8.count <= 100)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files == ["web.log", "web.log.1"])
    }

    @Test func oneWriteLargerThanTheLimitIsKeptWhole() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url.appendingPathComponent("web.log")
        let log = ReleaseLog(url: url, limit: 10)
        log.write(Data(String(repeating: "x", count: 50).utf8))
        log.close()
        #expect(try Data(contentsOf: url).count == 50)
    }
}
