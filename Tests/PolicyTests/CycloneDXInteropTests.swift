import Foundation
import GantryTestSupport
import Policy
import Testing

/// SBOMs from another tool: `cyclonedx-py environment` describes a virtualenv with old pinned
/// packages; Gantry reads it and matches it against the OSV fixtures in Fixtures/osv.
@Suite struct CycloneDXInteropTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/osv")

    @Test func scansAnSBOMThatCycloneDXPyWrote() throws {
        let tools = GantryBinary.packageRoot.appendingPathComponent(".build/python-tools/bin")
        try #require(
            FileManager.default.isExecutableFile(atPath: tools.appendingPathComponent("cyclonedx-py").path),
            "run ./scripts/python-tools (scripts/test does) to install cyclonedx-bom")
        let directory = try TemporaryDirectory(prefix: "gantry-cdx")
        defer { directory.remove() }
        try runChecked("python3", ["-m", "venv", "env"], in: directory.url)
        try runChecked(
            directory.url.appendingPathComponent("env/bin/pip").path,
            ["install", "--quiet", "--disable-pip-version-check", "requests==2.25.1", "urllib3==1.26.4", "idna==2.10"],
            in: directory.url)
        try runChecked(
            tools.appendingPathComponent("cyclonedx-py").path, ["environment", "env/bin/python", "-o", "sbom.json"],
            in: directory.url)
        let data = try Data(contentsOf: directory.url.appendingPathComponent("sbom.json"))
        let packages = try VulnerabilityScanner.packages(fromCycloneDX: data, file: "sbom.json")
        #expect(
            packages.contains(
                PackageVersion(ecosystem: "PyPI", name: "requests", version: "2.25.1", purl: "pkg:pypi/requests@2.25.1")
            ))

        let imported = try OSVImport(path: Self.fixtures.path)
        #expect(imported.warnings.isEmpty)
        var index: [String: [Data]] = [:]
        for item in imported.items {
            for (ecosystem, name) in item.packages { index["\(ecosystem)/\(name)", default: []].append(item.json) }
        }
        let lookup = index
        let report = try VulnerabilityScanner(lookup: { lookup["\($0)/\($1)"] ?? [] }).scan(packages)
        let found = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.ruleID, $0) })
        #expect(Set(found.keys) == ["CVE-2023-32681", "CVE-2021-33503"])  // merged aliases; withdrawn ignored
        #expect(found["CVE-2021-33503"]?.message.contains("fixed in 1.26.5") == true)
        #expect(found["CVE-2021-33503"]?.severity == .high)
        #expect(found["CVE-2021-33503"]?.suppressed == nil)  // CVSS 7.5 blocks at the default 7.0
        #expect(found["CVE-2023-32681"]?.message.contains("fixed in 2.31.0") == true)
        #expect(found["CVE-2023-32681"]?.suppressed != nil)  // CVSS 6.1: reported, below the threshold
    }
}

@Suite struct VEXAndCompareTests {
    static let record = """
        {"id": "GHSA-q2q7-5pp4-w6pg", "modified": "2024-10-21T21:12:00Z", "aliases": ["CVE-2021-33503"],
         "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
         "affected": [{"package": {"ecosystem": "PyPI", "name": "urllib3"},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.25.4"}, {"fixed": "1.26.5"}]}]}]}
        """

    func scan(_ version: String) throws -> ScanReport {
        try VulnerabilityScanner(lookup: { _, _ in [Data(Self.record.utf8)] }).scan([
            PackageVersion(ecosystem: "PyPI", name: "urllib3", version: version, purl: "pkg:pypi/urllib3@\(version)")
        ])
    }

    @Test func openVEXNotAffectedSuppressesTheFinding() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vex = try directory.write(
            "vex.json",
            """
            {"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "sec team",
             "timestamp": "2026-11-01T00:00:00Z", "version": 1,
             "statements": [{"vulnerability": {"name": "CVE-2021-33503"},
                             "products": [{"@id": "pkg:pypi/urllib3@1.26.4"}],
                             "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}
            """)
        var report = try scan("1.26.4")
        #expect(report.blocking.count == 1)
        try OpenVEX.load(path: vex.path).apply(to: &report)
        #expect(report.blocking.isEmpty)
        #expect(
            report.findings.first?.suppressed
                == Suppression(.vex, "VEX not_affected: vulnerable_code_not_in_execute_path"))
        // Another version is not covered by the statement.
        var other = try scan("1.26.0")
        try OpenVEX.load(path: vex.path).apply(to: &other)
        #expect(other.blocking.count == 1)
        try directory.write("bad.json", "{\"statements\": []}")
        #expect(throws: VulnerabilityError.self) {
            try OpenVEX.load(path: directory.url.appendingPathComponent("bad.json").path)
        }
    }

    @Test func compareToBlocksOnlyOnNewFindings() throws {
        var candidate = try scan("1.26.4")
        let (added, removed) = VulnerabilityScanner.compare(&candidate, to: try scan("1.26.0"))
        #expect(added.isEmpty && removed.isEmpty)
        #expect(candidate.blocking.isEmpty)
        var regression = try scan("1.26.4")
        let (newOnes, _) = VulnerabilityScanner.compare(&regression, to: try scan("1.26.6"))
        #expect(newOnes.map(\.ruleID) == ["CVE-2021-33503"])
        #expect(regression.blocking.count == 1)
        var fixed = try scan("1.26.6")
        let (_, gone) = VulnerabilityScanner.compare(&fixed, to: try scan("1.26.4"))
        #expect(gone.map(\.ruleID) == ["CVE-2021-33503"])
        #expect(fixed.summary["removed"] == "1")
    }
}
