import Foundation

/// The rules `gantry scan secrets` applies by default: high-signal token formats (patterns after
/// gitleaks' default configuration) and a generic `password|secret|token|api_key = "…"` rule with an
/// entropy threshold.
public enum BuiltinSecretRules {
    /// A value the generic rule should not report: references to variables, templates, digests, UUIDs,
    /// plain words.
    static func plausibleGenericSecret(_ raw: String) -> Bool {
        // Type annotations and code (`credentials: RegistryCredentials?`, `token: String,`) end in
        // punctuation that no secret needs to be recognised by.
        var trimmed = Substring(raw)
        while let last = trimmed.last, "?!,;)".contains(last) { trimmed = trimmed.dropLast() }
        let value = String(trimmed)
        let lowered = value.lowercased()
        for marker in ["${", "{{", "$(", "%(", "<", "os.environ", "process.env", "getenv", "env(", "env.", "vault:"] {
            if lowered.contains(marker) { return false }
        }
        if value.hasPrefix("$") || value.hasPrefix("%") || value.hasPrefix("@") { return false }
        // Code, not a value: a call or an index expression.
        if value.contains("(") || value.contains(")") || value.contains("[") { return false }
        let hex = value.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
        if hex && (value.count == 40 || value.count == 64 || value.count == 128) { return false }
        let uuid = try? NSRegularExpression(
            pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        if uuid?.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil { return false }
        // Identifiers and words (snake_case, dotted.names, CamelCase without digits) are not secrets.
        let hasDigit = value.unicodeScalars.contains { ("0"..."9").contains($0) }
        let hasSymbol = value.unicodeScalars.contains {
            !CharacterSet.alphanumerics.contains($0) && !"_.-".unicodeScalars.contains($0)
        }
        if !hasDigit && !hasSymbol { return false }
        return true
    }

    static let tokenEnd = #"(?:[\x60'"\s;,)\]}>]|\\[nrt]|$)"#

    /// The rules, compiled.
    public static func rules() throws -> [SecretRule] {
        [
            try SecretRule(
                id: "aws-access-key-id", description: "AWS access key ID", severity: .critical,
                keywords: ["akia", "asia", "abia", "acca", "a3t"],
                regex: #"\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b"#, entropy: 3,
                allow: [".+EXAMPLE$"]),
            try SecretRule(
                id: "aws-secret-access-key", description: "AWS secret access key", severity: .critical,
                keywords: ["aws"],
                regex:
                    #"(?i)aws[\w.-]{0,20}?(?:secret|sk)[\w.-]{0,20}?\s*(?:=|:|=>|:=)\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"#,
                entropy: 4, stopwords: ["example"]),
            try SecretRule(
                id: "github-pat", description: "GitHub personal access token (classic)", severity: .critical,
                keywords: ["ghp_"], regex: #"\b(ghp_[0-9a-zA-Z]{36})\b"#, entropy: 3),
            try SecretRule(
                id: "github-fine-grained-pat", description: "GitHub fine-grained personal access token",
                severity: .critical, keywords: ["github_pat_"], regex: #"\b(github_pat_\w{82})\b"#, entropy: 3),
            try SecretRule(
                id: "github-token", description: "GitHub OAuth, app or refresh token", severity: .critical,
                keywords: ["gho_", "ghu_", "ghs_", "ghr_"], regex: #"\b((?:gho|ghu|ghs|ghr)_[0-9a-zA-Z]{36})\b"#,
                entropy: 3),
            try SecretRule(
                id: "gitlab-pat", description: "GitLab personal access token", severity: .critical,
                keywords: ["glpat-"], regex: #"\b(glpat-[\w-]{20})(?![\w-])"#, entropy: 3),
            try SecretRule(
                id: "slack-token", description: "Slack bot, user or app token", severity: .high,
                keywords: ["xoxb-", "xoxp-", "xoxe-", "xapp-"],
                regex:
                    #"\b(xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*|xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}|(?i:xapp)-\d-[A-Z0-9]+-\d+-[a-z0-9]+)"#,
                entropy: 2),
            try SecretRule(
                id: "slack-webhook", description: "Slack incoming webhook URL", severity: .high,
                keywords: ["hooks.slack.com"],
                regex: #"((?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56})"#),
            try SecretRule(
                id: "stripe-live-key", description: "Stripe live secret or restricted key", severity: .critical,
                keywords: ["sk_live_", "rk_live_", "sk_prod_", "rk_prod_"],
                regex: #"\b((?:sk|rk)_(?:live|prod)_[a-zA-Z0-9]{10,99})"# + tokenEnd, entropy: 2),
            try SecretRule(
                id: "google-api-key", description: "Google API key", severity: .high, keywords: ["aiza"],
                regex: #"\b(AIza[\w-]{35})"# + tokenEnd, entropy: 4),
            try SecretRule(
                id: "private-key", description: "PEM private key block", severity: .critical,
                keywords: ["-----begin"],
                regex:
                    #"(-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)(?:\\n|\\r|\s)*([A-Za-z0-9+/=]{32,})?"#,
                secretGroup: 1, bodyGroup: 2),
            try SecretRule(
                id: "jwt", description: "JSON Web Token", severity: .medium, keywords: ["eyj"],
                regex: #"\b(eyJ[a-zA-Z0-9_-]{14,}\.eyJ[a-zA-Z0-9_-]{14,}\.[a-zA-Z0-9_-]{10,}={0,2})"# + tokenEnd,
                entropy: 3),
            try SecretRule(
                id: "npm-token", description: "npm access token", severity: .high, keywords: ["npm_"],
                regex: #"(?i)\b(npm_[a-z0-9]{36})"# + tokenEnd, entropy: 2),
            try SecretRule(
                id: "pypi-token", description: "PyPI upload token", severity: .high,
                keywords: ["pypi-ageichlwas5vcmc"], regex: #"(pypi-AgEIcHlwaS5vcmc[\w-]{50,1000})"#, entropy: 3),
            try SecretRule(
                id: "generic-secret", description: "Secret-looking value assigned to a password/secret/token/key name",
                severity: .high,
                keywords: [
                    "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "api-key", "api.key",
                    "access_key", "access.key", "auth_key", "private_key", "credential",
                ],
                regex:
                    #"(?i)(?:^|[^a-z0-9])[a-z0-9_.-]{0,30}(?:password|passwd|pwd|secret|token|api[_.-]?key|apikey|access[_.-]?key|auth[_.-]?key|private[_.-]?key|credentials?)[a-z0-9_.-]{0,30}["']?\s*(?:=|:|:=|=>|\?=)\s*["'\x60]?([^\s"'\x60;,]{10,200})["'\x60]?"#,
                entropy: 3.5,
                stopwords: [
                    "example", "changeme", "change_me", "change-me", "placeholder", "dummy", "sample", "your", "xxxx",
                    "redacted", "****", "todo", "fixme", "password", "secret", "token", "insert", "replace",
                    "null", "none", "undefined", "true", "false",
                ],
                accept: plausibleGenericSecret),
        ] + (try ProviderSecretRules.rules())
    }
}
