public import Foundation
import GantryCore

/// A gitleaks configuration (`.gitleaks.toml`) read into Gantry's secrets configuration, so a team's
/// custom rules and allowlists carry over (docs/policies.md has the mapping):
///
/// - `[extend] useDefault = true` keeps Gantry's rules besides the file's; without it the file's
///   rules replace them, as in gitleaks. `disabledRules` turns rules off (gitleaks' ids are mapped to
///   Gantry's); `path` extends another config (relative to this one, at most 3 deep).
/// - `[[rules]]`: `id`, `description`, `regex`, `secretGroup`, `entropy`, `keywords` (a rule without
///   keywords runs on every line), `path` (only matching files), and its allowlists (`[rules.allowlist]`
///   or `[[rules.allowlists]]`: `regexes`, `stopwords`, `paths`). `tags` is read and changes nothing.
/// - `[allowlist]` / `[[allowlists]]`: `paths`, `regexes`, `stopwords` for every rule.
///
/// What cannot be honoured is refused with the reason: a rule with only `path` (a file-name rule),
/// allowlists on `commits` or with `condition = "AND"`, a `regexTarget` other than `secret`.
public enum GitleaksConfig {
    /// Reads the file at `path`.
    public static func load(path: String) throws -> SecretsConfig {
        try load(path: path, depth: 0)
    }

    private static func load(path: String, depth: Int) throws -> SecretsConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretScanError.input("\(path): cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SecretScanError.config("\(path):1:1: the file is not valid UTF-8")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try parse(text, file: path, directory: directory, depth: depth)
    }

    /// Reads gitleaks TOML; `directory` resolves `[extend] path`.
    public static func parse(_ text: String, file: String, directory: URL? = nil) throws -> SecretsConfig {
        try parse(text, file: file, directory: directory, depth: 0)
    }

    private static func parse(_ text: String, file: String, directory: URL?, depth: Int) throws -> SecretsConfig {
        let root: TOMLValue
        do {
            root = try TOMLReader.parse(text)
        } catch {
            throw SecretScanError.config("\(file):\(error.line):\(error.column): \(error.message)")
        }
        func fail(_ what: String, _ message: String) -> SecretScanError {
            SecretScanError.config("\(file): \(what): \(message)")
        }
        var config = SecretsConfig()
        config.source = file
        config.useBuiltinRules = false
        if let extend = root["extend"] {
            guard extend.isTable else { throw fail("extend", "must be a table") }
            config.useBuiltinRules = extend["useDefault"]?.bool ?? false
            if let disabled = extend["disabledRules"] {
                for id in try strings(disabled, "extend.disabledRules", fail) {
                    config.disabledRules += GitleaksRuleNames.gantryRules(for: id).map(Array.init) ?? [id]
                }
            }
            if let base = extend["path"]?.string {
                guard depth < 3 else { throw fail("extend.path", "configs extend each other more than 3 deep") }
                let basePath =
                    base.hasPrefix("/")
                    ? base : (directory ?? URL(fileURLWithPath: ".")).appendingPathComponent(base).path
                let extended = try load(path: basePath, depth: depth + 1)
                config.useBuiltinRules = config.useBuiltinRules || extended.useBuiltinRules
                config.rules = extended.rules
                config.allowlist = extended.allowlist
                config.disabledRules += extended.disabledRules
            }
        }
        for (index, rule) in (root["rules"]?.array ?? []).enumerated() {
            let parsed = try self.rule(rule, what: "rules[\(index)]", fail)
            config.rules.removeAll { $0.id == parsed.id }
            config.rules.append(parsed)
        }
        if root["rules"] != nil, root["rules"]?.array == nil {
            throw fail("rules", "must be an array of tables ([[rules]])")
        }
        var globals: [TOMLValue] = root["allowlists"]?.array ?? []
        if let single = root["allowlist"] { globals.append(single) }
        for (index, allowlist) in globals.enumerated() {
            let (paths, regexes, stopwords) = try self.allowlist(allowlist, what: "allowlists[\(index)]", fail)
            config.allowlist.paths += paths
            config.allowlist.regexes += regexes
            config.allowlist.stopwords += stopwords
        }
        if !config.useBuiltinRules && config.rules.isEmpty {
            throw fail(
                "rules",
                "the file has no [[rules]] and does not extend the defaults ([extend] useDefault = true): it would find nothing"
            )
        }
        return config
    }

    private static func rule(
        _ table: TOMLValue, what: String, _ fail: (String, String) -> SecretScanError
    ) throws -> SecretRule {
        guard table.isTable else { throw fail(what, "must be a table") }
        guard let id = table["id"]?.string, !id.isEmpty else { throw fail(what, "needs an 'id'") }
        let what = "rule \(id)"
        guard let pattern = table["regex"]?.string else {
            throw fail(what, "has no 'regex' (rules that match file names only are not supported)")
        }
        let keywords = try table["keywords"].map { try strings($0, "\(what) keywords", fail) } ?? []
        var entropy: Double?
        if let value = table["entropy"] {
            guard let number = value.number, number >= 0, number <= 8 else {
                throw fail(what, "entropy must be a number from 0 to 8")
            }
            entropy = number > 0 ? number : nil
        }
        var group: Int?
        if let value = table["secretGroup"] {
            guard let number = value.integer, number >= 0 else {
                throw fail(what, "secretGroup must be a whole number")
            }
            group = number
        }
        var allowRegexes: [String] = []
        var stopwords: [String] = []
        var allowPaths: [NSRegularExpression] = []
        var lists: [TOMLValue] = table["allowlists"]?.array ?? []
        if let single = table["allowlist"] { lists.append(single) }
        for (index, list) in lists.enumerated() {
            let (paths, regexes, words) = try allowlist(list, what: "\(what) allowlists[\(index)]", fail)
            allowPaths += paths
            allowRegexes += regexes.map(\.pattern)
            stopwords += words
        }
        // gitleaks' secret is the first group when the regex has one and secretGroup is not set.
        let compiled: NSRegularExpression
        do {
            compiled = try NSRegularExpression(pattern: pattern)
        } catch {
            throw fail(what, "invalid regex '\(pattern)'")
        }
        let secretGroup = group ?? (compiled.numberOfCaptureGroups > 0 ? 1 : 0)
        var rule: SecretRule
        do {
            rule = try SecretRule(
                id: id, description: table["description"]?.string ?? id, severity: .high, keywords: keywords,
                regex: pattern, secretGroup: secretGroup, entropy: entropy, allow: allowRegexes, stopwords: stopwords)
        } catch let error as SecretScanError {
            throw fail(what, "\(error)")
        }
        if let path = table["path"]?.string {
            do {
                rule.onlyPaths = try NSRegularExpression(pattern: path)
            } catch {
                throw fail(what, "invalid path regex '\(path)'")
            }
        }
        rule.allowPaths = allowPaths
        return rule
    }

    private static func allowlist(
        _ table: TOMLValue, what: String, _ fail: (String, String) -> SecretScanError
    ) throws -> ([NSRegularExpression], [NSRegularExpression], [String]) {
        guard table.isTable else { throw fail(what, "must be a table") }
        if let commits = table["commits"]?.array, !commits.isEmpty {
            throw fail(what, "allowlisting commits is not supported (Gantry scans trees; use paths or regexes)")
        }
        if let condition = table["condition"]?.string, condition.uppercased() == "AND" {
            throw fail(what, "condition = \"AND\" is not supported (each entry allows on its own)")
        }
        if let target = table["regexTarget"]?.string, target != "secret" {
            throw fail(what, "regexTarget = \"\(target)\" is not supported (regexes match the secret)")
        }
        func regexes(_ key: String) throws -> [NSRegularExpression] {
            try (table[key].map { try strings($0, "\(what) \(key)", fail) } ?? []).map { pattern in
                do {
                    return try NSRegularExpression(pattern: pattern)
                } catch {
                    throw fail(what, "invalid \(key) regex '\(pattern)'")
                }
            }
        }
        let stopwords = try table["stopwords"].map { try strings($0, "\(what) stopwords", fail) } ?? []
        return (try regexes("paths"), try regexes("regexes"), stopwords.map { $0.lowercased() })
    }

    private static func strings(
        _ value: TOMLValue, _ what: String, _ fail: (String, String) -> SecretScanError
    ) throws -> [String] {
        guard let items = value.array else { throw fail(what, "must be an array of strings") }
        return try items.map {
            guard let text = $0.string else { throw fail(what, "must be an array of strings") }
            return text
        }
    }
}
