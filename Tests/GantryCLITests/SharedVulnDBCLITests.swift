import Foundation
import GantryTestSupport
import Testing

/// One vulnerability database for many clones: `vulndb import URL` from a mirror into `GANTRY_VULNDB`,
/// then every clone that sets it scans against it.
@Suite struct SharedVulnDBCLITests {
    /// A static file server on 127.0.0.1 (Python's http.server) serving `directory`.
    private func serve(_ directory: URL) throws -> (BackgroundProcess, Int) {
        let server = try BackgroundProcess(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import functools, http.server, sys
                handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
                server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
                print(server.server_address[1], flush=True)
                server.serve_forever()
                """,
                directory.path,
            ])
        guard let line = server.firstLine(), let port = Int(line) else {
            throw TestSupportError("the test HTTP server did not start")
        }
        return (server, port)
    }

    @Test func aMirroredDatabaseImportedOnceServesEveryClone() throws {
        let mirror = try TemporaryDirectory()
        defer { mirror.remove() }
        try mirror.write(
            "src/GHSA-test.json",
            """
            {"id": "GHSA-test-0001", "modified": "2026-11-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
             "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
             "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]}
            """)
        _ = try runChecked(
            "/usr/bin/env",
            [
                "python3", "-m", "zipfile", "-c", mirror.url.appendingPathComponent("PyPI.zip").path,
                "GHSA-test.json",
            ],
            in: mirror.url.appendingPathComponent("src"))
        let (server, port) = try serve(mirror.url)
        defer { server.stop() }

        let shared = try TemporaryDirectory()
        defer { shared.remove() }
        let environment = ["GANTRY_VULNDB": shared.url.appendingPathComponent("vulndb").path]
        let importer = try TemporaryDirectory()
        defer { importer.remove() }
        let imported = try GantryBinary.run(
            ["vulndb", "import", "http://127.0.0.1:\(port)/PyPI.zip"], in: importer.url, environment: environment)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("imported 1 record(s)"))
        // The importing directory got no database of its own.
        #expect(!FileManager.default.fileExists(atPath: importer.url.appendingPathComponent(".gantry").path))

        // A fresh clone with the same variable scans against the shared database; without it, nothing is checked.
        let clone = try TemporaryDirectory()
        defer { clone.remove() }
        try clone.write("app/requirements-prod.txt", "requests==2.28.1\n")
        let scan = try GantryBinary.run(["scan", "vulns", "app"], in: clone.url, environment: environment)
        #expect(scan.status == 1, "\(scan.stdout)\(scan.stderr)")
        #expect(scan.stdout.contains("CVE-2099-0001"))
        let alone = try GantryBinary.run(["scan", "vulns", "app"], in: clone.url)
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("the vulnerability database is empty"))

        // The same in a pipeline step.
        try clone.write(
            "gantry.yml",
            """
            jobs:
              audit:
                steps:
                  - uses: gantry/scan-vulns
                    with: { path: app }
            """)
        let run = try GantryBinary.run(["run"], in: clone.url, environment: environment)
        #expect(run.status == 1)
        #expect(run.stdout.contains("CVE-2099-0001"), "\(run.stdout)")

        let missing = try GantryBinary.run(
            ["vulndb", "import", "http://127.0.0.1:\(port)/nope.zip"], in: importer.url, environment: environment)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot download http://127.0.0.1:\(port)/nope.zip: HTTP 404"))
        let tooLarge = try GantryBinary.run(
            ["vulndb", "import", "http://127.0.0.1:\(port)/PyPI.zip", "--max-download-mib", "0"], in: importer.url,
            environment: environment)
        #expect(tooLarge.status == 2)
        #expect(tooLarge.stderr.contains("is larger than 0 bytes"))
    }
}

/// A vulnerability scan never passes by checking no package.
@Suite struct EmptyScanCLITests {
    @Test func aTargetThatPinsNoPackageFailsUnlessAllowed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "osv/GHSA-x.json",
            """
            {"id": "GHSA-x", "modified": "2026-11-01T00:00:00Z",
             "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "versions": ["1.0"]}]}
            """)
        #expect(try GantryBinary.run(["vulndb", "import", "osv"], in: directory.url).status == 0)
        try directory.write("nolock/app.py", "print(1)\n")
        try directory.write("unpinned/requirements-test.txt", "requests>=2\n-r other.txt\n")

        let none = try GantryBinary.run(["scan", "vulns", "nolock"], in: directory.url)
        #expect(none.status == 2)
        #expect(none.stderr.contains("no lockfile found, so the scan would check nothing"))
        #expect(none.stderr.contains("requirements*.txt"))
        let unpinned = try GantryBinary.run(["scan", "vulns", "unpinned"], in: directory.url)
        #expect(unpinned.status == 2)
        #expect(unpinned.stderr.contains("the lockfiles (requirements-test.txt) pin no package"))
        #expect(
            try GantryBinary.run(["scan", "vulns", "unpinned", "--allow-no-packages"], in: directory.url).status == 0)

        try directory.write(
            "gantry.yml",
            """
            jobs:
              strict:
                steps: [{ uses: gantry/scan-vulns, with: { path: unpinned } }]
              lenient:
                steps: [{ uses: gantry/scan-vulns, with: { path: unpinned, allow-no-packages: "true" } }]
            """)
        let run = try GantryBinary.run(["run", "--json"], in: directory.url)
        let jobs = try #require((run.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]])
        let status = Dictionary(
            uniqueKeysWithValues: jobs.map { ($0["name"] as? String ?? "", $0["status"] as? String) })
        #expect(status["strict"] == "failure")
        #expect(status["lenient"] == "success")
    }
}
