import Foundation
import GantryTestSupport
import Testing

/// `gantry --version` and `gantry version`: a development build says so; a binary stamped the way
/// `scripts/release` stamps it names its commit and build date.
@Suite struct VersionCLITests {
    @Test func aDevelopmentBuildSaysSo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let plain = try GantryBinary.run(["--version"], in: directory.url)
        #expect(plain.status == 0)
        #expect(plain.stdout.hasPrefix("gantry 0.1.0 (development build)"))
        let json = try #require(
            try GantryBinary.run(["version", "--json"], in: directory.url).stdoutJSON as? [String: Any])
        #expect(json["version"] as? String == "0.1.0")
        #expect(json["development_build"] as? Bool == true)
        #expect(json["commit"] is NSNull)
    }

    @Test func aStampedBinaryNamesItsCommitAndBuildDate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The same replacement as scripts/release: the bytes after the marker, up to `@@`, same length.
        var data = try Data(contentsOf: URL(fileURLWithPath: GantryBinary.path))
        let marker = Data("@@GANTRY-BUILD-STAMP@@".utf8)
        let start = try #require(data.range(of: marker)).upperBound
        let end = try #require(data.range(of: Data("@@".utf8), in: start..<data.count)).lowerBound
        let stamp = Data(" commit=0123456789abcdef0123456789abcdef01234567 date=2026-11-30T00:00:00Z".utf8)
        try #require(stamp.count <= end - start)
        data.replaceSubrange(start..<end, with: stamp + Data(repeating: 0x20, count: end - start - stamp.count))
        let stamped = directory.url.appendingPathComponent("gantry")
        try data.write(to: stamped)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stamped.path)
        #expect(
            try Self.output(of: stamped, ["--version"]).hasPrefix(
                "gantry 0.1.0 (commit 0123456789ab, built 2026-11-30T00:00:00Z)"))
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(try Self.output(of: stamped, ["version", "--json"]).utf8))
                as? [String: Any])
        #expect(json["commit"] as? String == "0123456789abcdef0123456789abcdef01234567")
        #expect(json["build_date"] as? String == "2026-11-30T00:00:00Z")
    }

    /// The standard output of `binary arguments`.
    static func output(of binary: URL, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
