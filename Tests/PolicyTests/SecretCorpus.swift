import Foundation

/// A labelled corpus for the secret scanner, written to disk at test time. Real-looking tokens are
/// assembled from pieces and a seeded generator, so this repository holds no secret a scanner (or a
/// push-protection hook) would flag. Each line of each file is labelled: the rule that must fire, or
/// nothing (look-alikes that must not fire).
struct SecretCorpus {
    struct Entry {
        var path: String
        /// Lines, each with the rule expected to fire on it (nil: nothing may fire).
        var lines: [(text: String, rule: String?)]
    }

    var entries: [Entry] = []
    private var random = SeededRandom(seed: 20_261_123)

    init() { build() }

    mutating func alnum(
        _ count: Int, _ alphabet: String = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    ) -> String {
        let characters = Array(alphabet)
        return String((0..<count).map { _ in characters[random.next(below: characters.count)] })
    }

    mutating func upper(_ count: Int) -> String { alnum(count, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") }
    mutating func lowerDigits(_ count: Int) -> String { alnum(count, "abcdefghijklmnopqrstuvwxyz0123456789") }
    mutating func digits(_ count: Int) -> String { alnum(count, "0123456789") }
    mutating func hex(_ count: Int) -> String { alnum(count, "0123456789abcdef") }
    mutating func base64(_ count: Int) -> String {
        alnum(count, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    }

    // Token makers (prefixes split so the source never contains a token-shaped literal).
    mutating func awsKeyID() -> String { "AK" + "IA" + upper(16) }
    mutating func awsSecret() -> String { base64(40) }
    mutating func githubClassic() -> String { "gh" + "p_" + alnum(36) }
    mutating func githubOAuth() -> String { "gh" + "o_" + alnum(36) }
    mutating func githubFineGrained() -> String { "github" + "_pat_" + alnum(22) + "_" + alnum(59) }
    mutating func gitlab() -> String { "gl" + "pat-" + alnum(20) }
    mutating func slackBot() -> String { "xo" + "xb-" + digits(12) + "-" + digits(12) + "-" + alnum(24) }
    mutating func slackUser() -> String {
        "xo" + "xp-" + digits(11) + "-" + digits(11) + "-" + digits(12) + "-" + hex(32)
    }
    mutating func slackWebhook() -> String {
        "https://hooks.slack" + ".com/services/T" + upper(8) + "/B" + upper(8) + "/" + alnum(24) + "x" + alnum(17)
    }
    mutating func stripeLive() -> String { "sk" + "_live_" + alnum(24) }
    mutating func googleKey() -> String {
        "AI" + "za" + alnum(35, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    }
    mutating func jwt() -> String {
        "ey" + "J" + alnum(30) + "." + "ey" + "J" + alnum(60) + "."
            + alnum(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    }
    mutating func npm() -> String { "np" + "m_" + alnum(36) }
    mutating func pypi() -> String {
        "py" + "pi-AgEIcHlwaS5vcmc" + alnum(70, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    }
    mutating func uuid() -> String { hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12) }
    mutating func password() -> String { alnum(6) + "#" + alnum(5) + "!" + digits(3) }
    mutating func pemBody() -> String { base64(64) }

    mutating func build() {
        let beginKey = "-----BEGIN " + "RSA PRIVATE KEY-----"
        let endKey = "-----END " + "RSA PRIVATE KEY-----"
        let beginEC = "-----BEGIN " + "EC PRIVATE KEY-----"
        let beginOpenSSH = "-----BEGIN " + "OPENSSH PRIVATE KEY-----"
        let exampleID = "AKIA" + "IOSFODNN7EXAMPLE"
        let exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"  // gantry:allow-secret (AWS docs)

        entries = [
            Entry(
                path: "app/.env",
                lines: [
                    ("AWS_ACCESS_KEY_ID=\(awsKeyID())", "aws-access-key-id"),
                    ("AWS_SECRET_ACCESS_KEY=\(awsSecret())", "aws-secret-access-key"),
                    ("DATABASE_URL=postgres://app@db:5432/app", nil),
                    ("STRIPE_KEY=\(stripeLive())", "stripe-live-key"),
                    ("DEBUG=true", nil),
                ]),
            Entry(
                path: "app/settings.py",
                lines: [
                    ("import os", nil),
                    ("SECRET_KEY = \"\(password())\"", "generic-secret"),
                    ("DB_PASSWORD = os.environ[\"DB_PASSWORD\"]", nil),
                    ("GITHUB_TOKEN = \"\(githubClassic())\"", "github-pat"),
                    ("REQUEST_ID = \"\(uuid())\"", nil),
                    ("api_key = \"<your-api-key>\"", nil),
                ]),
            Entry(
                path: "web/config.js",
                lines: [
                    ("export const slack = '\(slackWebhook())';", "slack-webhook"),
                    ("const googleMaps = \"\(googleKey())\";", "google-api-key"),
                    ("const password = process.env.PASSWORD;", nil),
                    ("const token = localStorage.getItem('token');", nil),
                    ("const sessionToken = '\(jwt())';", "jwt"),
                ]),
            Entry(
                path: "deploy/values.yaml",
                lines: [
                    ("image: registry.example.com/web@sha256:\(hex(64))", nil),
                    ("slackBotToken: \(slackBot())", "slack-token"),
                    ("password: changeme", nil),
                    ("token: ${{ secrets.DEPLOY_TOKEN }}", nil),
                    ("gitlabToken: \"\(gitlab())\"", "gitlab-pat"),
                    ("commit: \(hex(40))", nil),
                ]),
            Entry(
                path: "infra/main.tf",
                lines: [
                    ("resource \"aws_db_instance\" \"main\" {", nil),
                    ("  password = \"\(password())\"", "generic-secret"),
                    ("  username = \"admin\"", nil),
                    ("  kms_key_id = \"arn:aws:kms:eu-west-1:\(digits(12)):key/\(uuid())\"", nil),
                    ("}", nil),
                ]),
            Entry(
                path: "scripts/release.sh",
                lines: [
                    ("#!/bin/sh", nil),
                    ("export NPM_TOKEN=\(npm())", "npm-token"),
                    ("export TWINE_PASSWORD=\(pypi())", "pypi-token"),
                    ("cd \"$PWD/build\"", nil),
                    ("curl -H \"Authorization: token $GITHUB_TOKEN\" https://api.github.com/user", nil),
                ]),
            Entry(
                path: "keys/deploy.pem",
                lines: [
                    (beginKey, "private-key"),
                    (pemBody(), nil), (pemBody(), nil),
                    (endKey, nil),
                ]),
            Entry(
                path: "keys/inline.json",
                lines: [
                    (
                        "{\"private_key\": \"\(beginEC)\\n\(pemBody())\\n-----END EC PRIVATE KEY-----\\n\"}",
                        "private-key"
                    )
                ]),
            Entry(
                path: "docs/ssh.md",
                lines: [
                    ("Never commit a key like this:", nil),
                    ("    \(beginOpenSSH)", nil),
                    ("    ...", nil),
                    ("Use `gh auth token` instead of ghp_xxxxxxxxxxxxxxxxxxxx.", nil),
                    ("The AWS example id \(exampleID) and secret \(exampleSecret) are documentation.", nil),
                ]),
            Entry(
                path: "docs/aws.md",
                lines: [
                    ("aws_secret_access_key = \(exampleSecret)", nil),
                    ("aws_access_key_id = \(exampleID)", nil),
                ]),
            Entry(
                path: "package-lock.json",
                lines: [
                    ("\"integrity\": \"sha512-\(base64(86))==\",", nil),
                    ("\"resolved\": \"https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz\",", nil),
                    ("\"integrity\": \"sha1-\(base64(27))=\",", nil),
                ]),
            Entry(
                path: "go.sum",
                lines: [
                    ("github.com/pkg/errors v0.9.1 h1:\(base64(43))=", nil),
                    ("golang.org/x/sys v0.0.0-20210630005230-0f9fa26af87c h1:\(base64(43))=", nil),
                ]),
            Entry(
                path: "web/logo.html",
                lines: [
                    ("<img src=\"data:image/png;base64,iVBORw0KGgo\(base64(120))\">", nil)
                ]),
            Entry(
                path: "ci/pipeline.yml",
                lines: [
                    ("env:", nil),
                    ("  API_TOKEN: \(githubOAuth())", "github-token"),
                    ("  FINE_GRAINED: \(githubFineGrained())", "github-fine-grained-pat"),
                    ("  CACHE_KEY: deps-\(hex(64))", nil),
                    ("  SLACK_USER: \(slackUser())", "slack-token"),
                ]),
            Entry(
                path: "src/Main.java",
                lines: [
                    ("String dbPassword = \"\(password())\";", "generic-secret"),
                    ("String passwordField = \"password_input\";", nil),
                    ("String tokenHeader = \"X-Auth-Token\";", nil),
                ]),
            Entry(
                path: "config/app.properties",
                lines: [
                    ("spring.datasource.password=\(password())", "generic-secret"),
                    ("spring.datasource.username=app", nil),
                    ("client.secret=${CLIENT_SECRET}", nil),
                ]),
            Entry(
                path: "config/settings.toml",
                lines: [
                    ("[service]", nil),
                    ("api_key = \"\(lowerDigits(32))\"", "generic-secret"),
                    ("secret_id = \"\(uuid())\"", nil),
                ]),
            Entry(
                path: "notebooks/analysis.ipynb",
                lines: [
                    ("{\"source\": [\"openai_api_key = '\(alnum(20))-\(alnum(20))'\"]}", "generic-secret"),
                    ("{\"source\": [\"token = get_token()\"]}", nil),
                ]),
            Entry(
                path: "src/server.go",
                lines: [
                    ("const stripeKey = \"\(stripeLive())\"", "stripe-live-key"),
                    ("var secretName = \"db-credentials\"", nil),
                    // A Stripe test key reaches the test-mode account: reported, at a lower severity.
                    ("const testKey = \"sk_test_\(alnum(24))\"", "stripe-test-key"),
                ]),
            Entry(
                path: "src/Client.swift",
                lines: [
                    ("    let credentials: RegistryCredentials?", nil),
                    ("    func login(token: AccessToken2, password: String) {", nil),
                    ("    private let apiKey = \"\(alnum(8))-\(digits(4))-\(alnum(10))\"", "generic-secret"),
                ]),
            Entry(
                path: "app/allowed.rb",
                lines: [
                    ("API_KEY = '\(password())' # gantry:allow-secret (rotated, kept for the fixture)", nil)
                ]),
        ]
    }

    /// Writes the corpus under `root`.
    func write(to root: URL) throws {
        for entry in entries {
            let url = root.appendingPathComponent(entry.path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data((entry.lines.map(\.text).joined(separator: "\n") + "\n").utf8).write(to: url)
        }
    }

    /// (file, line) → expected rule, for every labelled positive.
    var positives: [String: String] {
        var result: [String: String] = [:]
        for entry in entries {
            for (index, line) in entry.lines.enumerated() {
                if let rule = line.rule { result["\(entry.path):\(index + 1)"] = rule }
            }
        }
        return result
    }

    var lineCount: Int { entries.reduce(0) { $0 + $1.lines.count } }
}

/// xorshift64*: a tiny deterministic generator, so the corpus is the same on every run.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next(below bound: Int) -> Int {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return Int((state &* 0x2545_F491_4F6C_DD1D) % UInt64(bound))
    }
}
