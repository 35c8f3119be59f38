import Foundation
import GantryTestSupport
import Testing

/// Long work shows progress to a person at a terminal, and nothing anywhere else.
@Suite struct ProgressCLITests {
    /// Runs gantry under `script`, which gives it a pseudo-terminal; returns what the terminal received.
    func onATerminal(_ arguments: [String], in directory: URL, ci: Bool) throws -> String {
        let command = ([GantryBinary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        var environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "TERM": "xterm"]
        if ci { environment["CI"] = "true" }
        return try runChecked("script", ["-qec", command, "/dev/null"], in: directory, environment: environment)
    }

    @Test func packShowsBytesOnATerminalOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/data.txt", String(repeating: "x", count: 3 << 20))
        let shown = try onATerminal(["artifact", "pack", "app", "--name", "web"], in: directory.url, ci: false)
        #expect(shown.contains("\r\u{1B}[Kpack app: "), "\(shown.debugDescription)")
        #expect(shown.contains("of 3.0 MiB"))
        let quiet = try onATerminal(["artifact", "pack", "app", "--name", "web"], in: directory.url, ci: true)
        #expect(!quiet.contains("pack app: "))
        let json = try onATerminal(
            ["artifact", "pack", "app", "--name", "web", "--json"], in: directory.url, ci: false)
        #expect(!json.contains("pack app: "))
        // Not a terminal: nothing either.
        let piped = try GantryBinary.run(
            ["artifact", "pack", "app", "--name", "web"], in: directory.url, environment: ["CI": ""])
        #expect(!piped.stderr.contains("pack app: "))
    }

    @Test func scanAndImportCountTheirItems() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for index in 0..<5 { try directory.write("tree/file\(index).txt", "nothing here\n") }
        let scan = try onATerminal(["scan", "secrets", "tree"], in: directory.url, ci: false)
        #expect(scan.contains("scan: 5 of 5 files"), "\(scan.debugDescription)")
        try directory.write("osv/GHSA-1.json", #"{"id": "GHSA-1", "modified": "2024-01-01T00:00:00Z"}"#)
        let imported = try onATerminal(["vulndb", "import", "osv"], in: directory.url, ci: false)
        #expect(imported.contains("read: 1 records"), "\(imported.debugDescription)")
    }
}
