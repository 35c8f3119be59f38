import Foundation
import GantryCore
import Yams

/// `.gantry/secrets.yml`: extra rules, allowlists, and built-in rules to turn off.
///
/// ```yaml
/// rules:
///   - id: internal-token
///     description: Internal service token
///     regex: 'itk_[a-z0-9]{32}'
///     keywords: [itk_]
///     entropy: 3.0        # optional
///     secret-group: 0     # optional, default 1 when the regex has a group, else 0
///     severity: high      # optional
/// allowlist:
///   paths: ['(^|/)testdata/']
///   regexes: ['EXAMPLE$']
///   stopwords: [dummy]
/// disabled-rules: [generic-secret]
/// ```
public struct SecretsConfig: @unchecked Sendable {
    public var rules: [SecretRule] = []
    public var allowlist = SecretAllowlist()
    public var disabledRules: [String] = []
    /// Whether Gantry's own rules run besides `rules` (a gitleaks config without `[extend]
    /// useDefault = true` replaces them).
    public var useBuiltinRules = true
    /// The file the configuration came from, for the scan's report.
    public var source: String?

    public init() {}

    /// Reads a config file; every problem is reported as `file:line:col`.
    public static func load(path: String) throws -> SecretsConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretScanError.input("\(path): cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SecretScanError.input("\(path):1:1: the file is not valid UTF-8")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> SecretsConfig {
        let yaml = try YAMLFile(text, file: file) { SecretScanError.config($0) }
        let at = yaml.at
        var config = SecretsConfig()
        guard let root = yaml.root else { return config }
        guard let mapping = root.mapping else { throw SecretScanError.config("\(at(root)): expected a mapping") }
        func strings(_ node: Node, _ what: String) throws -> [String] {
            guard let sequence = node.sequence else {
                throw SecretScanError.config("\(at(node)): \(what) must be a list of strings")
            }
            return try sequence.map {
                guard let value = $0.string else {
                    throw SecretScanError.config("\(at($0)): each entry of \(what) must be a string")
                }
                return value
            }
        }
        func regex(_ pattern: String, _ node: Node) throws -> NSRegularExpression {
            do {
                return try NSRegularExpression(pattern: pattern)
            } catch {
                throw SecretScanError.config("\(at(node)): invalid regex '\(pattern)'")
            }
        }
        let known = ["rules", "allowlist", "disabled-rules"]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "disabled-rules": config.disabledRules = try strings(value, "disabled-rules")
            case "allowlist":
                guard let entries = value.mapping else {
                    throw SecretScanError.config("\(at(value)): allowlist must be a mapping")
                }
                for (entryKey, entry) in entries {
                    switch entryKey.string ?? "" {
                    case "paths":
                        config.allowlist.paths = try strings(entry, "allowlist.paths").map { try regex($0, entry) }
                    case "regexes":
                        config.allowlist.regexes = try strings(entry, "allowlist.regexes").map { try regex($0, entry) }
                    case "stopwords":
                        config.allowlist.stopwords = try strings(entry, "allowlist.stopwords").map { $0.lowercased() }
                    default:
                        throw SecretScanError.config(
                            "\(at(entryKey)): unknown key '\(entryKey.string ?? "")' in allowlist (expected paths, regexes, stopwords)"
                        )
                    }
                }
            case "rules":
                guard let sequence = value.sequence else {
                    throw SecretScanError.config("\(at(value)): rules must be a list")
                }
                for item in sequence {
                    guard let fields = item.mapping else {
                        throw SecretScanError.config("\(at(item)): each rule must be a mapping with id and regex")
                    }
                    var values: [String: Node] = [:]
                    for (fieldKey, fieldValue) in fields {
                        let name = fieldKey.string ?? ""
                        let allowed = ["id", "description", "regex", "keywords", "entropy", "secret-group", "severity"]
                        guard allowed.contains(name) else {
                            throw SecretScanError.config(
                                "\(at(fieldKey)): unknown key '\(name)' in a rule\(Suggestion.hint(for: name, in: allowed))"
                            )
                        }
                        values[name] = fieldValue
                    }
                    guard let id = values["id"]?.string, !id.isEmpty else {
                        throw SecretScanError.config("\(at(item)): a rule needs an 'id'")
                    }
                    guard let pattern = values["regex"]?.string else {
                        throw SecretScanError.config("\(at(item)): rule \(id) needs a 'regex'")
                    }
                    let compiled = try regex(pattern, values["regex"] ?? item)
                    var entropy: Double?
                    if let node = values["entropy"] {
                        guard let number = node.string.flatMap(Double.init), number >= 0, number <= 8 else {
                            throw SecretScanError.config("\(at(node)): entropy must be a number from 0 to 8")
                        }
                        entropy = number
                    }
                    var group = compiled.numberOfCaptureGroups > 0 ? 1 : 0
                    if let node = values["secret-group"] {
                        guard let number = node.string.flatMap(Int.init) else {
                            throw SecretScanError.config("\(at(node)): secret-group must be a whole number")
                        }
                        group = number
                    }
                    var severity = Severity.high
                    if let node = values["severity"] {
                        guard let parsed = node.string.flatMap(Severity.init(name:)) else {
                            throw SecretScanError.config(
                                "\(at(node)): severity must be info, low, medium, high or critical")
                        }
                        severity = parsed
                    }
                    let keywords = try values["keywords"].map { try strings($0, "keywords") } ?? []
                    guard !keywords.isEmpty else {
                        throw SecretScanError.config(
                            "\(at(item)): rule \(id) needs 'keywords' (substrings that must occur on the line; they keep scanning fast)"
                        )
                    }
                    do {
                        config.rules.append(
                            try SecretRule(
                                id: id, description: values["description"]?.string ?? id, severity: severity,
                                keywords: keywords, regex: pattern, secretGroup: group, entropy: entropy))
                    } catch let error as SecretScanError {
                        throw SecretScanError.config("\(at(item)): \(error)")
                    }
                }
            default:
                throw SecretScanError.config(
                    "\(at(keyNode)): unknown key '\(key)' in \(file)\(Suggestion.hint(for: key, in: known))")
            }
        }
        return config
    }
}
