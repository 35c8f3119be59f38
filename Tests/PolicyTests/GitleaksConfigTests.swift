import Foundation
import GantryTestSupport
import Testing

@testable import Policy

/// A team's gitleaks configuration and `.gitleaksignore` carry over: custom rules, allowlists,
/// `[extend]`, disabled rules and ignored fingerprints behave as gitleaks defines them.
@Suite struct GitleaksConfigTests {
    /// Tokens built from pieces, so that this file holds none a scanner would report.
    static let internalToken = "itk" + "_" + "q7f2m9x4k1p8w3z6r5t0y2u8i4o6a1s3"
    static let otherToken = "hf" + "_" + "ZrKqLmNvXcBtHyWdFsPgJaQeTuMnBvCxZa"

    static func findings(
        _ config: SecretsConfig, _ files: [String: String], baseline: SecretBaseline = SecretBaseline()
    )
        throws -> [Finding]
    {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (path, text) in files { try directory.write(path, text) }
        var scanner = try SecretScanner(config: config, baseline: baseline)
        scanner.respectGitignore = false
        return try scanner.scan(directory.url).findings
    }

    @Test func extendingTheDefaultsAddsRulesAllowlistsAndDisablesByGitleaksIDs() throws {
        let config = try GitleaksConfig.parse(
            """
            title = "team rules"
            [extend]
            useDefault = true
            disabledRules = ["generic-api-key"]

            [[rules]]
            id = "internal-token"
            description = "Internal service token"
            regex = '''\\b(itk_[a-z0-9]{32})\\b'''
            keywords = ["itk_"]
            entropy = 3.0
            tags = ["internal"]
              [rules.allowlist]
              stopwords = ["q7f2"]
              paths = ['''^fixtures/''']

            [[rules]]
            id = "env-only"
            regex = '''ENVONLY=([A-Z0-9]{12})'''
            path = '''\\.env$'''

            [allowlist]
            paths = ['''(^|/)vendor/''']
            """, file: ".gitleaks.toml")
        #expect(config.useBuiltinRules)
        #expect(config.disabledRules.contains("generic-secret"))
        let other = "itk" + "_" + "b5n8c2v7x1z4m6q9w3e0r8t2y5u1i7o4"
        let found = try Self.findings(
            config,
            [
                "app.env":
                    "TOKEN=\(Self.internalToken)\nOTHER=\(other)\nGH=\(Self.otherToken)\nENVONLY=ABCDEF123456\nPASSWORD=Zq8vN2kLm5Pw7Rt3\n",
                "fixtures/sample.env": "TOKEN=\(other)\n", "vendor/lib.env": "GH=\(Self.otherToken)\n",
                "notes.txt": "ENVONLY=ABCDEF123456\n",
            ])
        let located = Set(found.map { "\($0.file ?? ""):\($0.line ?? 0):\($0.ruleID)" })
        // The stopword allows the first token; the rule's path allowlist the fixture; the global one vendor/.
        #expect(located == ["app.env:2:internal-token", "app.env:3:huggingface-token", "app.env:4:env-only"])
    }

    @Test func withoutExtendTheFilesRulesReplaceGantrysAndKeywordlessRulesRunOnEveryLine() throws {
        let config = try GitleaksConfig.parse(
            """
            [[rules]]
            id = "internal-token"
            regex = '''itk_[a-z0-9]{32}'''
            """, file: ".gitleaks.toml")
        #expect(!config.useBuiltinRules)
        let found = try Self.findings(config, ["a.txt": "x \(Self.internalToken)\nGH=\(Self.otherToken)\n"])
        #expect(found.map(\.ruleID) == ["internal-token"])
    }

    @Test(arguments: [
        ("[[rules]]\nid = \"x\"\nregex = \"a\\d\"", ".gitleaks.toml:3:11: unknown escape"),
        ("[[rules]]\nid = \"x\"\npath = '''\\.env$'''", "rule x: has no 'regex'"),
        ("[[rules]]\nid = \"x\"\nregex = '''(a'''", "rule x: invalid regex"),
        ("[extend]\nuseDefault = true\n[allowlist]\ncommits = [\"abc\"]", "allowlisting commits is not supported"),
        (
            "[extend]\nuseDefault = true\n[[allowlists]]\ncondition = \"AND\"\nregexes = ['x']",
            "condition = \"AND\" is not supported"
        ),
        ("title = \"nothing\"", "it would find nothing"),
    ])
    func whatCannotBeHonouredIsRefusedWithTheReason(text: String, message: String) {
        do {
            _ = try GitleaksConfig.parse(text, file: ".gitleaks.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func aGitleaksignoreSuppressesTheFindingsItNames() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ignore = try directory.write(
            ".gitleaksignore",
            """
            # accepted after review
            config/app.env:huggingface-access-token:1
            0123456789abcdef0123456789abcdef01234567:scripts/deploy.sh:generic-api-key:2
            """)
        let baseline = try SecretBaseline.loadGitleaksIgnore(path: ignore.path)
        let found = try Self.findings(
            SecretsConfig(),
            [
                "config/app.env": "GH=\(Self.otherToken)\nGH2=\(Self.otherToken)\n",
                "scripts/deploy.sh": "echo\nexport API_SECRET=Vb7Qx2" + "Lm9Zk4Tn1Wp6\n",
            ], baseline: baseline)
        let suppressed = Set(found.filter { $0.suppressed != nil }.map { "\($0.file ?? ""):\($0.line ?? 0)" })
        let reported = Set(found.filter { $0.suppressed == nil }.map { "\($0.file ?? ""):\($0.line ?? 0)" })
        #expect(suppressed == ["config/app.env:1", "scripts/deploy.sh:2"])
        #expect(reported == ["config/app.env:2"])
        let bad = try directory.write("bad", "not a fingerprint\n")
        #expect(throws: SecretScanError.self) { try SecretBaseline.loadGitleaksIgnore(path: bad.path) }
    }

    @Test func theScanCommandPicksUpTheRepositorysGitleaksFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            ".gitleaks.toml",
            "[extend]\nuseDefault = true\n[[rules]]\nid = \"internal-token\"\nregex = '''itk_[a-z0-9]{32}'''\nkeywords = [\"itk_\"]\n"
        )
        try directory.write("service.env", "A=\(Self.internalToken)\nB=\(Self.otherToken)\n")
        try directory.write(".gitleaksignore", "service.env:huggingface-access-token:2\n")
        let result = try GantryBinary.run(["scan", "secrets", directory.url.path], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stdout.contains("service.env:1:3: high: internal-token"), "\(result.stdout)")
        #expect(result.stdout.contains("[suppressed: listed in .gitleaksignore]"), "\(result.stdout)")
        #expect(result.stdout.contains("2 findings, 1 blocking"), "\(result.stdout)")
    }
}
