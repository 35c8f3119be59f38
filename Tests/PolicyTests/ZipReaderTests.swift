import Foundation
import GantryTestSupport
import Testing

@testable import Policy

/// OSV's larger exports (npm, all ecosystems) are ZIP64 archives with far more than 65,535 entries.
@Suite struct ZipReaderTests {
    /// Writes a zip with Python's zipfile (a real, independent writer) and returns its path.
    func pythonZip(_ directory: TemporaryDirectory, _ script: String) throws -> URL {
        let url = directory.url.appendingPathComponent("export.zip")
        try runChecked("python3", ["-c", script, url.path])
        return url
    }

    /// Before: the 16-bit entry count was trusted and entries past 65,535 were silently dropped.
    @Test func seventyThousandEntriesAreAllRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = try pythonZip(
            directory,
            """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                for i in range(70000):
                    z.writestr(f"GHSA-{i:05d}.json", '{"id": "GHSA-%05d", "modified": "2024-01-01T00:00:00Z"}' % i)
            """)
        var names: [String] = []
        try ZipReader(contentsOf: url).forEachEntry { names.append($0.name) }
        #expect(names.count == 70_000)
        #expect(names.last == "GHSA-69999.json")
    }

    @Test func zip64ExtraFieldsGiveTheSizes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = try pythonZip(
            directory,
            """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                for i in range(3):
                    with z.open(f"record-{i}.json", "w", force_zip64=True) as f:
                        f.write(b'{"id": "OSV-%d"}' % i)
            """)
        var contents: [String] = []
        try ZipReader(contentsOf: url).forEachEntry { contents.append(String(decoding: $0.data, as: UTF8.self)) }
        #expect(contents == [#"{"id": "OSV-0"}"#, #"{"id": "OSV-1"}"#, #"{"id": "OSV-2"}"#])
    }

    @Test func aTruncatedZip64RecordIsAClearError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = try pythonZip(
            directory,
            """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w") as z:
                for i in range(65536):
                    z.writestr(f"{i}.json", "{}")
            """)
        var data = try Data(contentsOf: url)
        // Point the ZIP64 locator at garbage.
        let locator = data.count - 22 - 20
        data.replaceSubrange((locator + 8)..<(locator + 16), with: Data(repeating: 0x41, count: 8))
        #expect(throws: ZipReader.ZipError.self) { try ZipReader(data: data, name: "bad.zip").forEachEntry { _ in } }
    }
}
