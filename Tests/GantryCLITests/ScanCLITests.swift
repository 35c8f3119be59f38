import Foundation
import GantryTestSupport
import Testing

@Suite struct ScanCLITests {
    @Test func scannersExitZeroOneOrTwoAndWriteSARIF() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url
        try directory.write("src/clean.py", "print('hello')\n")
        let clean = try GantryBinary.run(["scan", "secrets", "src"], in: url)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        let token = "gh" + "p_" + "Qm7xT2kLp9ZcR4vN8wYb3JhG6sDf1AeUo5Ki"
        try directory.write("src/leak.py", "client = Github(\"\(token)\")\n")
        let leak = try GantryBinary.run(["scan", "secrets", "src", "--sarif", "out.sarif", "--json"], in: url)
        #expect(leak.status == 1)
        #expect(!(leak.stdout + leak.stderr).contains(token))
        let report = try #require(leak.stdoutJSON as? [String: Any])
        #expect(report["blocking"] as? Int == 1)
        #expect(try directory.read("out.sarif").contains("\"version\" : \"2.1.0\""))
        // Accept it as a baseline; the scan passes; a bad config is exit 2 with file:line:col.
        #expect(try GantryBinary.run(["scan", "secrets", "src", "--write-baseline", "base.json"], in: url).status == 1)
        #expect(try GantryBinary.run(["scan", "secrets", "src", "--baseline", "base.json"], in: url).status == 0)
        try directory.write("bad.yml", "rules:\n  - id: x\n    regex: '('\n    keywords: [x]\n")
        let badConfig = try GantryBinary.run(["scan", "secrets", "src", "--config", "bad.yml"], in: url)
        #expect(badConfig.status == 2)
        #expect(badConfig.stderr.contains("bad.yml:3:12: invalid regex"))
        #expect(try GantryBinary.run(["scan", "secrets", "missing"], in: url).status == 2)

        try directory.write("Dockerfile", "FROM ubuntu\nRUNN x\n")
        let syntax = try GantryBinary.run(["scan", "dockerfile", "Dockerfile"], in: url)
        #expect(syntax.status == 2)
        #expect(syntax.stderr.contains("Dockerfile:2:1: syntax error: unknown instruction 'RUNN'"))
        try directory.write("Dockerfile", "FROM ubuntu\n")
        #expect(try GantryBinary.run(["scan", "dockerfile"], in: url).status == 1)

        try directory.write("plan.json", "{\"format_version\": \"2.0\"}")
        #expect(try GantryBinary.run(["scan", "terraform", "plan.json"], in: url).status == 2)
        try directory.write(
            "plan.json",
            "{\"format_version\": \"1.2\", \"resource_changes\": [{\"address\": \"aws_sqs_queue.q\", \"type\": \"aws_sqs_queue\", \"change\": {\"actions\": [\"delete\"]}}]}"
        )
        let plan = try GantryBinary.run(["scan", "terraform", "plan.json", "--markdown", "summary.md"], in: url)
        #expect(plan.status == 1)
        #expect(plan.stdout.contains("risk score 40/100"))
        #expect(try directory.read("summary.md").contains("will be destroyed"))
        #expect(try GantryBinary.run(["scan", "terraform", "plan.json", "--max-risk", "50"], in: url).status == 0)
    }

    @Test func vulnerabilityDatabaseAndScan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.url
        try directory.write(
            "osv/GHSA-test.json",
            """
            {"id": "GHSA-test-0001", "modified": "2020-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
             "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
             "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]}
            """)
        try directory.write("osv/junk.json", "{")
        let imported = try GantryBinary.run(["vulndb", "import", "osv"], in: url)
        #expect(imported.status == 0)
        #expect(imported.stderr.contains("junk.json: skipped"))
        let status = try GantryBinary.run(["vulndb", "status"], in: url)
        #expect(status.stdout.contains("PyPI"))
        #expect(status.stderr.contains("older than 7 days"))
        try directory.write("app/requirements.txt", "requests==2.28.1\n")
        let scan = try GantryBinary.run(["scan", "vulns", "app", "--json"], in: url)
        #expect(scan.status == 1)
        let findings = try #require((scan.stdoutJSON as? [String: Any])?["findings"] as? [[String: Any]])
        #expect(findings.first?["rule"] as? String == "CVE-2099-0001")
        #expect((findings.first?["message"] as? String)?.contains("fixed in 2.31.0") == true)
        #expect(try GantryBinary.run(["scan", "vulns", "app", "--fail-on-cvss", "9.9"], in: url).status == 0)
        // A waiver accepts the finding until it expires; its use is audited; a bad waiver file is exit 2.
        try directory.write(
            "waivers.yml",
            "waivers:\n  - id: CVE-2099-0001\n    reason: not reachable\n    approved_by: alice\n    expires: 2999-01-01\n"
        )
        let waived = try GantryBinary.run(["scan", "vulns", "app", "--waivers", "waivers.yml"], in: url)
        #expect(waived.status == 0, "\(waived.stdout)")
        #expect(waived.stdout.contains("waived by alice until 2999-01-01"))
        #expect(try GantryBinary.run(["audit", "show"], in: url).stdout.contains("waiver"))
        try directory.write(
            "old.yml", "waivers:\n  - id: CVE-2099-0001\n    reason: r\n    approved_by: a\n    expires: 2020-01-01\n")
        let expired = try GantryBinary.run(["scan", "vulns", "app", "--waivers", "old.yml"], in: url)
        #expect(expired.status == 1)
        #expect(expired.stderr.contains("expired on 2020-01-01"))
        try directory.write("bad.yml", "waivers:\n  - id: CVE-2099-0001\n    approved_by: a\n    expires: 2030-01-01\n")
        #expect(try GantryBinary.run(["scan", "vulns", "app", "--waivers", "bad.yml"], in: url).status == 2)
        try directory.write("sbom.json", "{\"not\": \"cyclonedx\"}")
        #expect(try GantryBinary.run(["scan", "vulns", "sbom.json"], in: url).status == 2)
        try directory.write("broken.zip", "PK not really")
        #expect(try GantryBinary.run(["vulndb", "import", "broken.zip"], in: url).status == 2)
    }

    @Test func scanActionsInAPipeline() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = "gl" + "pat-" + "Abcdefghij0123456789"
        try directory.write("app/config.env", "GITLAB=\(token)\n")
        try directory.write(
            "gantry.yml",
            """
            jobs:
              secrets:
                steps:
                  - id: scan
                    uses: gantry/scan-secrets
                    with: { path: app, sarif: secrets.sarif }
              report-only:
                steps:
                  - id: scan
                    uses: gantry/scan-secrets
                    with: { path: app, fail: "false" }
                  - run: test "${{ steps.scan.outputs.blocking }}" = 1
            """)
        let run = try GantryBinary.run(["run", "--json"], in: directory.url)
        #expect(run.status == 1)
        let jobs = try #require((run.stdoutJSON as? [String: Any])?["jobs"] as? [[String: Any]])
        let statuses = Dictionary(
            uniqueKeysWithValues: jobs.map { ($0["name"] as? String ?? "", $0["status"] as? String ?? "") })
        #expect(statuses == ["secrets": "failure", "report-only": "success"], "\(run.stderr)")
        #expect(try directory.read("secrets.sarif").contains("gitlab-pat"))
        let logs = try GantryBinary.run(["logs", "latest", "--job", "secrets"], in: directory.url)
        #expect(logs.stdout.contains("gitlab-pat"))
        #expect(!logs.stdout.contains(token))
    }
}

/// A scanner never passes by scanning nothing.
@Suite struct ScanNothingCLITests {
    /// Before: with an empty database `scan vulns` and `gantry/scan-vulns` warned and passed, while
    /// `promote` refused the same state; every fresh clone starts with an empty database.
    @Test func anEmptyVulnerabilityDatabaseIsAnErrorUnlessAllowed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/requirements.txt", "requests==2.25.1\n")
        try directory.write(
            "gantry.yml", "jobs:\n  scan:\n    steps:\n      - uses: gantry/scan-vulns\n        with: { path: app }\n")
        let scan = try GantryBinary.run(["scan", "vulns", "app"], in: directory.url)
        #expect(scan.status == 2)
        #expect(scan.stderr.contains("the vulnerability database is empty, so this scan would check nothing"))
        #expect(try GantryBinary.run(["scan", "vulns", "app", "--allow-empty-db"], in: directory.url).status == 0)
        let run = try GantryBinary.run(["run", "--json"], in: directory.url)
        #expect(run.status == 1)
        #expect(run.stderr.contains("the vulnerability database is empty, so the scan would check nothing"))
    }

    /// Before: only requirements.txt and requirements-dev.txt were read, so test-requirements.txt,
    /// requirements-test.txt and requirements/*.txt gave an SBOM with 0 components.
    @Test(arguments: [
        "requirements-test.txt", "requirements_prod.txt", "test-requirements.txt", "requirements/base.txt",
    ])
    func everyCommonRequirementsFileIsRead(file: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("app/\(file)", "urllib3==1.26.4\n")
        try directory.write(
            "osv/PYSEC-2021-59.json",
            """
            {"id": "PYSEC-2021-59", "modified": "2021-06-01T00:00:00Z",
             "affected": [{"package": {"ecosystem": "PyPI", "name": "urllib3"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.26.5"}]}]}]}
            """)
        #expect(try GantryBinary.run(["vulndb", "import", "osv"], in: directory.url).status == 0)
        let scan = try GantryBinary.run(["scan", "vulns", "app", "--json"], in: directory.url)
        let summary = (scan.stdoutJSON as? [String: Any])?["summary"] as? [String: Any]
        #expect(summary?["packages"] as? String == "1", "\(scan.stdout)")
    }
}

/// `scan secrets` on a real project: what git ignores is not the project's.
@Suite struct ScanSecretsProjectCLITests {
    /// Before: it walked `.venv/` and `__pycache__` (1,098 "skipped (binary)" warnings in one log) and
    /// ignored `.gitignore`; its config had to live in the git-ignored `.gantry/`.
    @Test func gitignoreIsHonouredBinariesAreCountedAndTheRepositoryConfigIsRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = "gh" + "p_" + "Q8wK3mZx7Lp2Nv5Rt9Bc4Hd6Fg1Js0Ya3Ue8"
        try directory.write(".gitignore", ".venv/\n__pycache__/\n")
        try directory.write(".venv/lib/site.py", "token = \"\(token)\"\n")
        try Data([0x7F, 0x45, 0x4C, 0x46, 0, 1, 2]).write(to: directory.url.appendingPathComponent("tool.bin"))
        try directory.write("src/app.py", "print('hello')\n")
        try directory.write("src/fixture.py", "sample = \"\(token)\"\n")
        try runChecked("git", ["-C", directory.path, "init", "-q"])

        let scan = try GantryBinary.run(["scan", "secrets", ".", "--json"], in: directory.url)
        let object = scan.stdoutJSON as? [String: Any]
        let files = ((object?["findings"] as? [[String: Any]]) ?? []).compactMap { $0["file"] as? String }
        #expect(files == ["src/fixture.py"], "\(scan.stdout)")
        #expect((object?["summary"] as? [String: Any])?["binary_skipped"] as? String == "1")
        #expect(!scan.stderr.contains("skipped (binary)"))

        // --no-gitignore scans the venv too.
        let all = try GantryBinary.run(["scan", "secrets", ".", "--json", "--no-gitignore"], in: directory.url)
        let allFiles = (((all.stdoutJSON as? [String: Any])?["findings"] as? [[String: Any]]) ?? []).compactMap {
            $0["file"] as? String
        }
        #expect(allFiles.contains(".venv/lib/site.py"))

        // The repository's committed config applies without --config.
        try directory.write(".gantry.secrets.yml", "allowlist:\n  paths: [\"src/fixture.py\"]\n")
        let allowed = try GantryBinary.run(["scan", "secrets", "."], in: directory.url)
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
    }
}
