import Foundation
import GantryCore

/// Rules for Dockerfiles and Containerfiles: base images pinned by digest and not `latest` (stage
/// aliases and `ARG` defaults resolved), no secret-looking `ENV`/`ARG` values, no `ADD <url>` without
/// a checksum, and a non-root `USER` in the final stage (a warning).
public struct DockerfileScanner: Sendable {
    public static let rules = [
        RuleDescriptor(
            id: "dockerfile-unpinned-base", name: "UnpinnedBaseImage",
            description: "Base image not pinned by digest (@sha256:…): its content can change under the same tag",
            severity: .high),
        RuleDescriptor(
            id: "dockerfile-latest-tag", name: "LatestTag",
            description: "Base image uses the latest tag (explicitly or by omission)", severity: .high),
        RuleDescriptor(
            id: "dockerfile-unresolved-base", name: "UnresolvedBaseImage",
            description: "Base image comes from an ARG without a default: its pin cannot be checked",
            severity: .medium),
        RuleDescriptor(
            id: "dockerfile-secret-env", name: "SecretInEnvOrArg",
            description: "ENV or ARG sets a secret-looking value that stays in the image", severity: .high),
        RuleDescriptor(
            id: "dockerfile-secret-heredoc", name: "SecretInHeredoc",
            description: "A heredoc (RUN <<EOF, COPY <<EOF) holds a secret, which stays in the image's history",
            severity: .high),
        RuleDescriptor(
            id: "dockerfile-add-url", name: "AddFromURL",
            description: "ADD downloads from a URL without --checksum", severity: .medium),
        RuleDescriptor(
            id: "dockerfile-root-user", name: "RootUser",
            description: "The final stage runs as root (no USER, or USER root/0)", severity: .low),
    ]

    public init() {}

    /// Scans each file; syntax errors and unreadable files are input errors naming file:line.
    public func scan(files: [String]) throws -> ScanReport {
        var findings: [Finding] = []
        let secrets = try SecretScanner()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw SecretScanError.input("\(file): cannot be read")
            }
            let text = String(decoding: data, as: UTF8.self)
            do {
                findings += check(try DockerfileParser.parse(text), file: file, secrets: secrets)
            } catch {
                throw SecretScanError.input("\(file):\(error.line):1: syntax error: \(error.message)")
            }
        }
        return ScanReport(
            scanner: "dockerfile", rules: Self.rules, findings: findings, summary: ["files": "\(files.count)"],
            blockingSeverity: .medium)
    }

    func check(_ instructions: [DockerInstruction], file: String, secrets: SecretScanner) -> [Finding] {
        var findings: [Finding] = []
        func add(_ ruleID: String, _ line: Int, _ message: String, snippet: String? = nil) {
            let rule = Self.rules.first { $0.id == ruleID }
            findings.append(
                Finding(
                    ruleID: ruleID, severity: rule?.severity ?? .medium, message: message, file: file, line: line,
                    column: 1, snippet: snippet, fingerprint: Digest.sha256("\(file):\(ruleID):\(message)").hex))
        }
        var globalArgs: [String: String?] = [:]
        var stageArgs: [String: String?] = [:]
        var aliases: Set<String> = []
        var inStage = false
        var user: (name: String, line: Int)?
        var lastFrom = 1
        for instruction in instructions {
            for heredoc in instruction.heredocs {
                let lines = heredoc.lines.map { (text: $0.text, number: $0.number) }
                for secret in secrets.scan(lines: lines, file: file) {
                    add(
                        "dockerfile-secret-heredoc", secret.line ?? instruction.line,
                        "\(instruction.keyword) <<\(heredoc.delimiter) holds a secret (\(secret.ruleID)); it stays in the image's history: use a build secret (RUN --mount=type=secret)",
                        snippet: secret.snippet)
                }
            }
            switch instruction.keyword {
            case "ARG":
                for (name, value) in Self.assignments(instruction.arguments, separator: "=") {
                    if inStage { stageArgs[name] = value } else { globalArgs[name] = value }
                    if let value, Self.looksSecret(name: name, value: value) {
                        add("dockerfile-secret-env", instruction.line, "ARG \(name) has a secret-looking default value")
                    }
                }
            case "ENV":
                for (name, value) in Self.assignments(instruction.arguments, separator: nil) {
                    if let value, Self.looksSecret(name: name, value: value) {
                        add("dockerfile-secret-env", instruction.line, "ENV \(name) sets a secret-looking value")
                    }
                }
            case "FROM":
                inStage = true
                stageArgs = [:]
                user = nil
                lastFrom = instruction.line
                var words = instruction.arguments.split(separator: " ").map(String.init).filter { !$0.hasPrefix("--") }
                if words.count >= 3, words[words.count - 2].uppercased() == "AS" {
                    aliases.insert(words[words.count - 1].lowercased())
                    words.removeLast(2)
                }
                guard let raw = words.first else { continue }
                let (image, unresolved) = Self.expand(raw, globalArgs)
                if let unresolved {
                    add(
                        "dockerfile-unresolved-base", instruction.line,
                        "FROM \(raw): ARG \(unresolved) has no default, so the base image's pin cannot be checked")
                    continue
                }
                if image == "scratch" || aliases.contains(image.lowercased()) { continue }
                let pinned = image.contains("@sha256:")
                let nameAndTag = image.split(separator: "@").first.map(String.init) ?? image
                let lastComponent = nameAndTag.split(separator: "/").last.map(String.init) ?? nameAndTag
                let tag = lastComponent.contains(":") ? lastComponent.split(separator: ":").last.map(String.init) : nil
                if !pinned {
                    add(
                        "dockerfile-unpinned-base", instruction.line,
                        "base image \(image) is not pinned by digest (use \(nameAndTag)@sha256:…)",
                        snippet: "FROM \(raw)")
                    if tag == nil || tag == "latest" {
                        add(
                            "dockerfile-latest-tag", instruction.line,
                            "base image \(image) uses \(tag == nil ? "no tag (latest)" : "the latest tag")",
                            snippet: "FROM \(raw)")
                    }
                }
            case "ADD":
                let words = instruction.arguments.split(separator: " ").map(String.init)
                let hasChecksum = words.contains { $0.hasPrefix("--checksum=") }
                if !hasChecksum, words.contains(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }) {
                    add(
                        "dockerfile-add-url", instruction.line,
                        "ADD downloads from a URL without --checksum=sha256:…; the content is not verified")
                }
            case "USER":
                user = (instruction.arguments.split(separator: ":").first.map(String.init) ?? "", instruction.line)
            default: break
            }
        }
        if let user {
            if user.name == "root" || user.name == "0" {
                add("dockerfile-root-user", user.line, "the final stage runs as root (USER \(user.name))")
            }
        } else {
            add("dockerfile-root-user", lastFrom, "the final stage has no USER instruction, so it runs as root")
        }
        return findings
    }

    /// `${NAME}`/`$NAME` replaced from ARG defaults; the first name without a default when one is missing.
    static func expand(_ text: String, _ args: [String: String?]) -> (String, String?) {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "$" else {
                result.append(character)
                index = text.index(after: index)
                continue
            }
            var nameStart = text.index(after: index)
            var braced = false
            if nameStart < text.endIndex, text[nameStart] == "{" {
                braced = true
                nameStart = text.index(after: nameStart)
            }
            var nameEnd = nameStart
            while nameEnd < text.endIndex, text[nameEnd].isLetter || text[nameEnd].isNumber || text[nameEnd] == "_" {
                nameEnd = text.index(after: nameEnd)
            }
            var name = String(text[nameStart..<nameEnd])
            var fallback: String?
            var after = nameEnd
            if braced {
                if let close = text[nameEnd...].firstIndex(of: "}") {
                    let modifier = text[nameEnd..<close]
                    if modifier.hasPrefix(":-") { fallback = String(modifier.dropFirst(2)) }
                    after = text.index(after: close)
                } else {
                    name = ""
                }
            }
            if let value = args[name] ?? nil, !value.isEmpty {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                return (result, name.isEmpty ? "?" : name)
            }
            index = after
        }
        return (result, nil)
    }

    /// `NAME=value` pairs (quotes removed); ENV's legacy `NAME value` form when `separator` is nil.
    static func assignments(_ text: String, separator: Character?) -> [(String, String?)] {
        if separator == nil, !text.contains("=") {
            let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
            return parts.isEmpty ? [] : [(parts[0], parts.count > 1 ? unquote(parts[1]) : "")]
        }
        return text.split(separator: " ").map { word in
            let pieces = word.split(separator: "=", maxSplits: 1).map(String.init)
            return (pieces[0], pieces.count > 1 ? unquote(pieces[1]) : nil)
        }
    }

    static func unquote(_ text: String) -> String {
        var value = text
        if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
            value = String(value.dropFirst().dropLast())
        }
        return value
    }

    /// A name that says secret, with a literal value that is not a reference or an empty placeholder.
    static func looksSecret(name: String, value: String) -> Bool {
        let lowered = name.lowercased()
        let secretName = [
            "password", "passwd", "secret", "token", "api_key", "apikey", "access_key", "private_key", "credential",
        ]
        .contains { lowered.contains($0) }
        guard secretName, !value.isEmpty, !value.hasPrefix("$") else { return false }
        let placeholder = ["changeme", "example", "dummy", "none", "null", "false", "true", "xxx"].contains(
            value.lowercased())
        return !placeholder && value.count >= 6
    }
}
