import Foundation
import GantryTestSupport
import Policy
import Testing

@Suite struct SecretScannerTests {
    @Test func precisionAndRecallOnTheLabelledCorpus() throws {
        let directory = try TemporaryDirectory(prefix: "gantry-corpus")
        defer { directory.remove() }
        let corpus = SecretCorpus()
        try corpus.write(to: directory.url)
        let report = try SecretScanner().scan(directory.url)
        let expected = corpus.positives
        var truePositives = 0
        var falsePositives: [String] = []
        var wrongRule: [String] = []
        var seen = Set<String>()
        for finding in report.findings {
            let key = "\(finding.file ?? ""):\(finding.line ?? 0)"
            guard seen.insert(key).inserted else { continue }
            if let rule = expected[key] {
                truePositives += 1
                if rule != finding.ruleID { wrongRule.append("\(key): \(finding.ruleID), expected \(rule)") }
            } else {
                falsePositives.append("\(key): \(finding.ruleID) \(finding.message)")
            }
        }
        let missed = expected.keys.filter { !seen.contains($0) }.sorted()
        let precision = Double(truePositives) / Double(max(1, truePositives + falsePositives.count))
        let recall = Double(truePositives) / Double(max(1, expected.count))
        print(
            "secret corpus: \(corpus.entries.count) files, \(corpus.lineCount) lines, \(expected.count) secrets; precision \(String(format: "%.3f", precision)), recall \(String(format: "%.3f", recall))"
        )
        #expect(precision >= 0.95, "false positives: \(falsePositives)")
        #expect(recall >= 0.95, "missed: \(missed)")
        print("false positives: \(falsePositives)")
        #expect(wrongRule.isEmpty, "\(wrongRule)")
        // The report never contains a secret: only redacted values.
        let corpusText = corpus.entries.flatMap { $0.lines.compactMap { $0.rule == nil ? nil : $0.text } }
        for finding in report.findings {
            let shown = finding.message + (finding.snippet ?? "")
            for line in corpusText {
                for word in line.split(whereSeparator: { " =:\"'".contains($0) }) where word.count >= 20 {
                    #expect(!shown.contains(word), "\(finding.ruleID) shows a secret")
                }
            }
        }
    }

    @Test func findingsCarryFileLineColumnAndARedactedValue() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = "gh" + "p_" + "Qm7xT2kLp9ZcR4vN8wYb3JhG6sDf1AeUo5Ki"
        try directory.write("src/app.py", "import os\n\nclient = Github(\"\(token)\")\n")
        let report = try SecretScanner().scan(directory.url)
        let finding = try #require(report.findings.first)
        #expect(report.findings.count == 1)
        #expect(finding.location == "src/app.py:3:18")
        #expect(finding.ruleID == "github-pat")
        #expect(finding.snippet == "ghp_**** (40 chars)")
        #expect(!finding.message.contains(token))
        #expect(report.exitStatus == .failure)
    }

    @Test func inlineAllowBaselineAndConfigAllowlists() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = "gl" + "pat-" + "Abcdefghij0123456789"
        let second = "gl" + "pat-" + "Zyxwvutsrq9876543210"
        try directory.write("a.txt", "one = \"\(first)\"\ntwo = \"\(first)\" # gantry:allow-secret\n")
        try directory.write("fixtures/b.txt", "token = \"\(second)\"\n")
        let everything = try SecretScanner().scan(directory.url)
        #expect(everything.findings.map(\.location) == ["a.txt:1:8", "fixtures/b.txt:1:10"])
        // Accept what exists; a new secret still fails.
        let baselinePath = directory.url.appendingPathComponent("baseline.json").path
        try SecretBaseline.write(everything.findings, to: baselinePath)
        let baseline = try SecretBaseline.load(path: baselinePath)
        let accepted = try SecretScanner(baseline: baseline).scan(directory.url)
        #expect(accepted.blocking.isEmpty)
        #expect(accepted.findings.allSatisfy { $0.suppressed == Suppression(.baseline, "accepted in the baseline") })
        try directory.write("c.txt", "new = \"\("gl" + "pat-" + "Qwertyuiop1234567890")\"\n")
        #expect(try SecretScanner(baseline: baseline).scan(directory.url).blocking.map(\.location) == ["c.txt:1:8"])
        // Config: an allowlisted path, a custom rule, a disabled rule.
        let config = try SecretsConfig.parse(
            """
            rules:
              - id: internal-token
                description: Internal service token
                regex: 'itk_[a-z0-9]{32}'
                keywords: [itk_]
            allowlist:
              paths: ['^fixtures/']
            disabled-rules: [gitlab-pat]
            """, file: "secrets.yml")
        try directory.write("d.txt", "x = itk_\(String(repeating: "0a", count: 16))\n")
        let custom = try SecretScanner(config: config).scan(directory.url)
        #expect(custom.findings.map(\.ruleID) == ["internal-token"])
    }

    @Test func configMistakesAreReportedWithTheirPosition() {
        func error(_ text: String) -> String {
            do {
                _ = try SecretsConfig.parse(text, file: "secrets.yml")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(error("rulez: []") == "secrets.yml:1:1: unknown key 'rulez' in secrets.yml (did you mean 'rules'?)")
        #expect(
            error("rules:\n  - id: x\n    regex: '([a-'\n    keywords: [x]\n").hasPrefix(
                "secrets.yml:3:12: invalid regex"))
        #expect(error("rules:\n  - id: x\n    regex: 'x'\n").contains("needs 'keywords'"))
        #expect(
            error("rules:\n  - id: x\n    regex: 'x'\n    keywords: [x]\n    entropy: lots\n").hasPrefix(
                "secrets.yml:5:14: entropy"))
        #expect(error("rules:\n  - id: x\n    regx: 'x'\n").contains("did you mean 'regex'?"))
        #expect(error("rules: [").contains("YAML syntax error"))
    }

    @Test func binaryAndUnreadableFilesAreSkippedWithAWarning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = "gh" + "p_" + String(repeating: "Zz90", count: 9)
        var binary = Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 0])
        binary.append(Data("token=\(token)".utf8))
        try binary.write(to: directory.url.appendingPathComponent("tool.bin"))
        let report = try SecretScanner().scan(directory.url)
        // Binary files are skipped quietly and counted (a venv has thousands).
        #expect(!report.warnings.contains { $0.hasPrefix("tool.bin") })
        #expect(report.summary["binary_skipped"] == "1")
        // Unreadable files are checked as an unprivileged user in ErrorMessageCLITests (root reads anything).
        #expect(throws: SecretScanError.self) {
            try SecretScanner().scan(directory.url.appendingPathComponent("missing"))
        }
    }

    @Test func aTwoGigabyteFileIsStreamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A sparse 2 GiB file: 1,000 text lines, 2,048 lines of about a MiB of zero bytes each, then a
        // line with a token.
        let url = directory.url.appendingPathComponent("huge.log")
        // The first 8 KiB are text (a NUL there would mark the file binary), the rest is sparse.
        _ = FileManager.default.createFile(
            atPath: url.path, contents: Data(String(repeating: "log line\n", count: 1000).utf8))
        let fd = open(url.path, O_WRONLY)
        #expect(fd >= 0)
        let mebibyte: Int64 = 1 << 20
        for index in 1...2048 {
            var newline: UInt8 = 10
            _ = pwrite(fd, &newline, 1, off_t(Int64(index) * mebibyte))
        }
        let token = "np" + "m_" + "q7Hk2LmZ9xWc4RtB8vNp3JdS6fGa1YeUo5Ti"
        let tail = Array("token: \(token)\n".utf8)
        _ = tail.withUnsafeBytes { pwrite(fd, $0.baseAddress, tail.count, off_t(2048 * mebibyte + 1)) }
        close(fd)
        let report = try SecretScanner().scan(url)
        #expect(report.summary["bytes"] == "\(2048 * mebibyte + 1 + Int64(tail.count))")
        #expect(report.findings.map(\.ruleID) == ["npm-token"])
        #expect(report.findings.first?.line == 1000 + 2048 + 1)
    }

    @Test func secretsDeepInsideHugeLinesAreFoundWithTheirColumn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // A minified bundle: one 3 MiB line; one token across the first 1 MiB read, one far past it.
        let first = "np" + "m_" + "q7Hk2LmZ9xWc4RtB8vNp3JdS6fGa1YeUo5Ti"
        let second = "gl" + "pat-" + "Abcdefghij0123456789"
        var line = [UInt8](repeating: UInt8(ascii: "x"), count: 3 << 20)
        let firstAt = (1 << 20) - 20
        let secondAt = (5 << 19) + 17
        line.replaceSubrange(firstAt - 1..<firstAt - 1 + first.utf8.count + 2, with: Array(" \(first) ".utf8))
        line.replaceSubrange(secondAt - 1..<secondAt - 1 + second.utf8.count + 2, with: Array(" \(second) ".utf8))
        var content = Array("first line\n".utf8)
        content += line
        content += Array("\nlast\n".utf8)
        try Data(content).write(to: directory.url.appendingPathComponent("bundle.min.js"))
        let report = try SecretScanner().scan(directory.url)
        #expect(
            report.findings.map(\.location) == ["bundle.min.js:2:\(firstAt + 1)", "bundle.min.js:2:\(secondAt + 1)"])
        #expect(report.findings.map(\.ruleID) == ["npm-token", "gitlab-pat"])
    }

    /// Before: the secret on the line after a 10 MB line without keywords was reported at column 9428997.
    @Test func columnsStartAgainAfterAHugeLineWithoutKeywords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let token = "gl" + "pat-" + "Abcdefghij0123456789"
        var content = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000_000)
        content += Array("\nkey=\(token)\n".utf8)
        try Data(content).write(to: directory.url.appendingPathComponent("big.txt"))
        let report = try SecretScanner().scan(directory.url)
        #expect(report.findings.map(\.location) == ["big.txt:2:5"])
    }

    @Test func gitHistoryFindsSecretsThatWereRemoved() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        func git(_ arguments: String...) throws {
            try runChecked(
                "git", ["-C", directory.path, "-c", "user.name=t", "-c", "user.email=t@example.invalid"] + arguments)
        }
        let token = "xo" + "xb-" + "123456789012-123456789012-" + "AbCdEfGhIjKlMnOpQrStUvWx"
        try git("init", "-q")
        try directory.write("config.yml", "name: app\nslack: \(token)\n")
        try git("add", ".")
        try git("commit", "-q", "-m", "add config")
        try directory.write("config.yml", "name: app\nslack: ${SLACK_TOKEN}\n")
        try git("commit", "-q", "-am", "remove the token")
        #expect(try SecretScanner().scan(directory.url).findings.isEmpty)
        let history = try SecretScanner().scanGitHistory(directory.url)
        #expect(history.findings.count == 1)
        let finding = try #require(history.findings.first)
        #expect(finding.ruleID == "slack-token")
        #expect(finding.file == "config.yml")
        #expect(finding.line == 2)
        #expect(finding.commit?.count == 40)
        #expect(history.summary["commits"] == "2")
    }

    @Test func entropyMatchesGitleaks() {
        #expect(Entropy.shannon("") == 0)
        #expect(Entropy.shannon("aaaa") == 0)
        #expect(abs(Entropy.shannon("ab") - 1) < 1e-9)
        #expect(abs(Entropy.shannon("abcd") - 2) < 1e-9)
        #expect(abs(Entropy.shannon("0123456789abcdef") - 4) < 1e-9)
    }

    @Test func keywordMatcherFindsOverlappingKeywordsCaseInsensitively() {
        let matcher = KeywordMatcher(keywords: ["ghp_", "hp_x", "token", "to"])
        #expect(matcher.keywords(in: Array("xGHP_X1".utf8)) == [0, 1])
        #expect(matcher.keywords(in: Array("my ToKeN".utf8)) == [2, 3])
        #expect(matcher.keywords(in: Array("nothing".utf8)).isEmpty)
    }
}
